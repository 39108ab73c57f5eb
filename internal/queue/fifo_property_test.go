package queue

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// The FIFO property test drives a queue with random concurrent sends
// (single and batched), receives (1 to 10 messages), deletes (all, some or
// none of what was received, in any order), releases (visibility 0) and
// visibility timeouts, over several groups and two nodes, and checks
// afterwards, from what each call saw and when:
//
//   - a receive returns a group's messages in SequenceNumber order, starting
//     at the group's oldest message not deleted, skipping none;
//   - no message of a group is returned while another receive holds
//     messages of that group that are neither deleted nor released nor past
//     their visibility timeout;
//   - every acknowledged send is received, with the SequenceNumber its
//     send returned, and nothing is received that was not sent.
//
// The checks are sound under concurrency: a call counts as having happened
// anywhere between its start and its end, and only orders that no such
// placement explains are reported.

type propEvent struct {
	start, end time.Time
}

type propSend struct {
	propEvent
	group string
	seq   string
}

type propReceive struct {
	propEvent
	group string
	seqs  []string
	// released is the earliest start of a call that may have ended this
	// hold: the delete of its last remaining message, or a release.
	released time.Time
}

type propModel struct {
	mu       sync.Mutex
	sends    map[string]*propSend // by body
	bySeq    map[string]string    // SequenceNumber -> body
	receives []*propReceive
	deleted  map[string]time.Time // SequenceNumber -> start of its first delete
	// holds maps a receipt handle to its receive and the sequence number
	// it names.
	holds map[string]propHandle
}

type propHandle struct {
	r   *propReceive
	seq string
}

func TestFifoPropertyConcurrentOrder(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("FIFO_PROPERTY_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (FIFO_PROPERTY_SEED to repeat)", seed)
	e := newEnv(t)
	t.Logf("node 1 at %s", e.srv.URL)
	const vt = 1
	url := e.createQueue("prop.fifo", map[string]string{"FifoQueue": "true", "VisibilityTimeout": strconv.Itoa(vt)})
	n2 := e.addNode()
	t.Logf("node 2 at %s", n2.srv.URL)
	eventually(t, 5*time.Second, func() error {
		if !n2.svc.Exists(Scope{"000000000000", "us-east-1"}, "prop.fifo") {
			return fmt.Errorf("queue not on the second node")
		}
		return nil
	})
	// The SDK's transport sometimes loses a response to a connection it
	// closed itself (aws/aws-sdk-go-v2#2737); the SDK retries that by
	// default, so these clients do. Every call here may be repeated: a
	// receive whose response was lost leaves its messages in flight.
	retrying := func(c *sqs.Client) *sqs.Client {
		return sqs.New(c.Options(), func(o *sqs.Options) { o.RetryMaxAttempts = 5 })
	}
	clients := []*sqs.Client{retrying(e.client), retrying(n2.client)}
	m := &propModel{sends: map[string]*propSend{}, bySeq: map[string]string{}, deleted: map[string]time.Time{}, holds: map[string]propHandle{}}
	groups := []string{"g0", "g1", "g2", "g3"}
	ctx := context.Background()
	var wg sync.WaitGroup
	var nextBody sync.Mutex
	body := 0
	newBody := func() string {
		nextBody.Lock()
		defer nextBody.Unlock()
		body++
		return "m" + strconv.Itoa(body)
	}
	stop := time.Now().Add(6 * time.Second)
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			c := clients[w%len(clients)]
			for time.Now().Before(stop) {
				if w < 3 {
					m.randomSend(t, ctx, c, url, rng, groups, newBody)
				} else {
					m.randomReceive(t, ctx, c, url, rng)
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	// Drain: everything sent comes, nothing else.
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && m.outstanding() > 0 {
		m.receiveAndDeleteAll(t, ctx, clients[0], url)
	}
	m.check(t, vt*time.Second)
}

func (m *propModel) randomSend(t *testing.T, ctx context.Context, c *sqs.Client, url string, rng *rand.Rand, groups []string, newBody func() string) {
	n := 1
	if rng.IntN(3) == 0 {
		n = 1 + rng.IntN(10)
	}
	entries := make([]types.SendMessageBatchRequestEntry, n)
	for i := range entries {
		b := newBody()
		entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(b),
			MessageGroupId: aws.String(groups[rng.IntN(len(groups))]), MessageDeduplicationId: aws.String(b)}
	}
	start := time.Now()
	out, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
	end := time.Now()
	if err != nil {
		t.Error(err)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range out.Successful {
		i, _ := strconv.Atoi(aws.ToString(s.Id))
		b := aws.ToString(entries[i].MessageBody)
		ps := &propSend{propEvent{start, end}, aws.ToString(entries[i].MessageGroupId), aws.ToString(s.SequenceNumber)}
		m.sends[b] = ps
		m.bySeq[ps.seq] = b
	}
	for _, f := range out.Failed {
		t.Errorf("send failed: %s %s", aws.ToString(f.Code), aws.ToString(f.Message))
	}
}

func (m *propModel) randomReceive(t *testing.T, ctx context.Context, c *sqs.Client, url string, rng *rand.Rand) {
	got, r := m.receive(t, ctx, c, url, int32(1+rng.IntN(10)), 0)
	if len(got) == 0 {
		return
	}
	// Then: delete all, some, or none (visibility timeout); or release.
	switch rng.IntN(6) {
	case 0: // leave them to time out
	case 1: // release one (which releases what the receive returned)
		h := got[rng.IntN(len(got))].ReceiptHandle
		start := time.Now()
		if _, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: h, VisibilityTimeout: 0}); err != nil {
			t.Error(err)
		}
		m.mu.Lock()
		for _, rr := range r {
			if rr.released.IsZero() || start.Before(rr.released) {
				rr.released = start
			}
		}
		m.mu.Unlock()
	default:
		order := rng.Perm(len(got))
		if rng.IntN(3) == 0 {
			order = order[:rng.IntN(len(order))]
		}
		for _, i := range order {
			m.delete(t, ctx, c, url, got[i])
		}
	}
}

// receive records a ReceiveMessage; it returns the messages and the
// receive's record per group.
func (m *propModel) receive(t *testing.T, ctx context.Context, c *sqs.Client, url string, n, wait int32) ([]types.Message, map[string]*propReceive) {
	start := time.Now()
	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: n, WaitTimeSeconds: wait,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"SequenceNumber", "MessageGroupId"}})
	end := time.Now()
	if err != nil {
		t.Errorf("receive %d wait %d took %v (from %v): %v", n, wait, end.Sub(start), start.Format("15:04:05.000"), err)
		return nil, nil
	}
	byGroup := map[string]*propReceive{}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, msg := range out.Messages {
		g := msg.Attributes["MessageGroupId"]
		r := byGroup[g]
		if r == nil {
			r = &propReceive{propEvent: propEvent{start, end}, group: g}
			byGroup[g] = r
			m.receives = append(m.receives, r)
		}
		seq := msg.Attributes["SequenceNumber"]
		r.seqs = append(r.seqs, seq)
		m.holds[aws.ToString(msg.ReceiptHandle)] = propHandle{r, seq}
		if b, ok := m.bySeq[seq]; ok && b != aws.ToString(msg.Body) {
			t.Errorf("%s received with SequenceNumber %s, which was %s's", aws.ToString(msg.Body), seq, b)
		}
	}
	return out.Messages, byGroup
}

func (m *propModel) delete(t *testing.T, ctx context.Context, c *sqs.Client, url string, msg types.Message) {
	start := time.Now()
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: msg.ReceiptHandle}); err != nil {
		t.Error(err)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.holds[aws.ToString(msg.ReceiptHandle)]
	if _, ok := m.deleted[h.seq]; !ok {
		m.deleted[h.seq] = start
	}
	// The hold ends once every message it returned has a delete started
	// (its last one's start), unless released earlier.
	r := h.r
	last := time.Time{}
	for _, s := range r.seqs {
		d, ok := m.deleted[s]
		if !ok {
			return
		}
		if d.After(last) {
			last = d
		}
	}
	if r.released.IsZero() || last.Before(r.released) {
		r.released = last
	}
}

func (m *propModel) receiveAndDeleteAll(t *testing.T, ctx context.Context, c *sqs.Client, url string) {
	got, _ := m.receive(t, ctx, c, url, 10, 1)
	for _, msg := range got {
		m.delete(t, ctx, c, url, msg)
	}
}

func (m *propModel) outstanding() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, s := range m.sends {
		if _, ok := m.deleted[s.seq]; !ok {
			n++
		}
	}
	return n
}

func (m *propModel) check(t *testing.T, vt time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	// Every acknowledged send received (and deleted); nothing unknown.
	for b, s := range m.sends {
		if _, ok := m.deleted[s.seq]; !ok {
			t.Errorf("%s (group %s, %s) never received", b, s.group, s.seq)
		}
	}
	for _, r := range m.receives {
		for _, seq := range r.seqs {
			if _, ok := m.bySeq[seq]; !ok {
				t.Errorf("received SequenceNumber %s, which no acknowledged send returned", seq)
			}
		}
	}
	// Per group: sends by sequence number.
	bySeq := map[string][]*propSend{}
	for _, s := range m.sends {
		bySeq[s.group] = append(bySeq[s.group], s)
	}
	for g := range bySeq {
		slices.SortFunc(bySeq[g], func(a, b *propSend) int { return cmpStr(a.seq, b.seq) })
	}
	// definitelyThere: stored before the receive began and not deleted
	// before it ended (a delete that started after the receive ended).
	definitelyThere := func(s *propSend, r *propReceive) bool {
		if !s.end.Before(r.start) {
			return false
		}
		d, deleted := m.deleted[s.seq]
		return !deleted || d.After(r.end)
	}
	errs := 0
	report := func(format string, args ...any) {
		if errs < 20 {
			t.Errorf(format, args...)
		}
		errs++
	}
	for _, r := range m.receives {
		if !slices.IsSortedFunc(r.seqs, cmpStr) {
			report("group %s: one receive returned %v, not in order", r.group, r.seqs)
			continue
		}
		// Skipped: a message of the group before the first returned or
		// between two returned that was definitely there.
		for _, s := range bySeq[r.group] {
			if s.seq >= r.seqs[len(r.seqs)-1] {
				break
			}
			if !slices.Contains(r.seqs, s.seq) && definitelyThere(s, r) {
				report("group %s: receive returned %v but skipped %s, stored before it and not deleted", r.group, r.seqs, s.seq)
				break
			}
		}
	}
	// Overlap: a receive of a group that ended before the earlier hold of
	// that group could have ended (by a delete, a release, or its
	// visibility timeout counted from when that receive began).
	byGroup := map[string][]*propReceive{}
	for _, r := range m.receives {
		byGroup[r.group] = append(byGroup[r.group], r)
	}
	for g, rs := range byGroup {
		for _, a := range rs {
			free := a.start.Add(vt)
			if !a.released.IsZero() && a.released.Before(free) {
				free = a.released
			}
			for _, b := range rs {
				if b != a && b.start.After(a.end) && b.end.Before(free) {
					report("group %s: %v returned while %v (received %v) was held until at least %v",
						g, b.seqs, a.seqs, a.end.Format("15:04:05.000"), free.Format("15:04:05.000"))
				}
			}
		}
	}
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
