package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/switchyard/switchyard/internal/store"
	"github.com/switchyard/switchyard/internal/uuid"
)

// FIFO queues (doc.go has the overview and the guarantees).
//
// A group's messages are stored on the group's subject (.g.<group>, the
// group being a hash of its id) in the order the stream stored them, which
// is the order of their sequence numbers, whichever node took the send. A
// group is received through its token, a message on .t.<group> that
// JetStream stores only while the subject holds none (a conditional
// publish), so a group has at most one token. The receive consumer reads
// tokens. A receive that gets a token reads the group's first messages from
// the stream, at most as many as it may return, and hands them out in
// order; the token stays in flight, so nothing else of the group is handed
// out until every message handed out is deleted (the token is then
// retired and the next token published: "promotion") or the token's
// visibility timeout passes.
//
// Each receive of a token records in the token's lease (.l.<group>) the
// last sequence it handed out, before handing anything out. A receive of
// the same token after its visibility timeout reads the group's first
// messages again (the same ones that were not deleted, in the same order,
// and perhaps more), and a message's ApproximateReceiveCount is one more
// than the earlier receives of its token whose reach includes it.
//
// Deduplication is JetStream's: a message is published with its
// deduplication id as Nats-Msg-Id in a stream whose duplicate window is
// SQS's five minutes, and a duplicate is acknowledged with the original's
// sequence. A message's SequenceNumber and MessageId derive from that
// sequence, so a duplicate's answer is the original's. JetStream rebuilds
// its duplicate table at start only from messages still stored, so when a
// message is deleted within its five minutes a marker with its id is
// stored (.x, with the rest of the five minutes as TTL); each node reads
// the markers once and checks sends against them.

const (
	// fifoDedupWindow is SQS's deduplication interval.
	fifoDedupWindow = 5 * time.Minute

	hdrSeqNum      = "Sqs-Sequence-Number"    // FIFO SequenceNumber, when not the stored sequence's
	hdrOrigin      = "Sqs-Origin-Seq"         // on markers: the original's SequenceNumber
	hdrDLQSource   = "Sqs-Dead-Letter-Source" // ARN of the queue a dead letter came from
	hdrDedupKey    = "Sqs-Dedup-Key"          // a FIFO message's Nats-Msg-Id, on the message and on markers
	hdrToken       = "Sqs-Token"              // on leases: the token's sequence
	hdrLast        = "Sqs-Reach"              // on leases: last:times, how far the token's receives went
	hdrGroupHash   = "Sqs-Group-Hash"         // on kicks: the group to promote
	hdrReceiveBase = "Sqs-Receive-Base"       // receives counted before the message was moved to the shared streams

	// leaseTTL bounds how long a lease outlives a crash that kept it from
	// being deleted: longer than SQS's longest visibility timeout.
	leaseTTL = 24 * time.Hour
)

// groupHash names a message group in subjects (group ids may contain any
// punctuation, subjects may not).
func groupHash(group string) string {
	h := sha256.Sum256([]byte(group))
	return hex.EncodeToString(h[:12])
}

// subjectGroup returns the group hash of a group, token or kick subject.
func subjectGroup(subject string) string {
	for i := len(subject) - 1; i >= 0; i-- {
		if subject[i] == '.' {
			return subject[i+1:]
		}
	}
	return subject
}

// fifoMessageID derives a FIFO message's id from its queue's key and its
// SequenceNumber, so a deduplicated send answers with the original's id.
// Older releases derived it from "SQS_<key>" and the sequence in the
// queue's own stream; migrated queues keep those ids and numbers.
func fifoMessageID(key string, n uint64) string {
	h := sha256.Sum256([]byte("SQS_" + key + "/" + strconv.FormatUint(n, 10)))
	return uuid.Format([16]byte(h[:16]), 4)
}

// sequenceNumber renders a FIFO SequenceNumber: 20 digits, so the strings
// sort like the numbers.
func sequenceNumber(n uint64) string { return fmt.Sprintf("%020d", n) }

// sequence returns a stored FIFO message's SequenceNumber.
func (rt *runtime) sequence(m *store.Msg) uint64 {
	if n, err := strconv.ParseUint(m.Header.Get(hdrSeqNum), 10, 64); err == nil {
		return n
	}
	return rt.seqBase + m.Seq
}

// dedupMsgID is the Nats-Msg-Id of a FIFO message.
func dedupMsgID(attrs map[string]string, group, dedupID string) string {
	if attrs[attrDeduplicationScope] == "messageGroup" {
		return "d:g:" + strconv.Itoa(len(group)) + ":" + group + ":" + dedupID
	}
	return "d:q:" + dedupID
}

func contentDedupID(body string) string {
	h := sha256.Sum256([]byte(body))
	return hex.EncodeToString(h[:])
}

// fifoState is one node's deduplication state of a FIFO queue.
type fifoState struct {
	loadMu sync.Mutex // held while loading
	loaded bool

	mu sync.Mutex
	// dedup holds the deduplication ids read from markers at start: ids
	// whose original was deleted, so JetStream did not remember them
	// across the restart. It is dropped whole once the last expires.
	dedup      map[string]dedupEntry
	dedupUntil time.Time
}

// dedupEntry is a deduplication id's original: its SequenceNumber and send
// time (unix milliseconds).
type dedupEntry struct {
	n    uint64
	sent int64
}

func newFifoState() *fifoState { return &fifoState{} }

// duplicate returns the SequenceNumber of the original of a deduplication
// id seen within the interval, from the markers read at start.
func (f *fifoState) duplicate(key string, now time.Time) (uint64, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dedup == nil {
		return 0, false
	}
	if now.After(f.dedupUntil) {
		f.dedup = nil
		return 0, false
	}
	e, ok := f.dedup[key]
	if !ok || time.UnixMilli(e.sent).Add(fifoDedupWindow).Before(now) {
		return 0, false
	}
	return e.n, true
}

// fifoReady returns the queue's FIFO state once this node has read its
// markers and repaired its groups, doing so first if needed.
func (s *Service) fifoReady(ctx context.Context, q *queue) (*fifoState, error) {
	f := q.rt.fifo
	if f == nil {
		return nil, errors.New("queue: not a FIFO queue")
	}
	f.loadMu.Lock()
	defer f.loadMu.Unlock()
	if f.loaded {
		return f, nil
	}
	if err := s.loadFifo(ctx, q, f); err != nil {
		return nil, s.gone(q, err)
	}
	f.loaded = true
	return f, nil
}

// loadFifo reads the queue's deduplication markers and publishes a token
// for every group that has messages and none (a crash between storing a
// message and promoting its group, or between retiring a token and
// publishing the next).
func (s *Service) loadFifo(ctx context.Context, q *queue, f *fifoState) error {
	dedup := map[string]dedupEntry{}
	var until time.Time
	err := s.readAll(ctx, q, q.rt.markers(), func(m store.Delivery) {
		h := m.Headers()
		sent, _ := strconv.ParseInt(h.Get(hdrSent), 10, 64)
		n, _ := strconv.ParseUint(h.Get(hdrOrigin), 10, 64)
		dedup[h.Get(hdrDedupKey)] = dedupEntry{n: n, sent: sent}
		if end := time.UnixMilli(sent).Add(fifoDedupWindow); end.After(until) {
			until = end
		}
	})
	if err != nil {
		return err
	}
	if len(dedup) > 0 {
		f.mu.Lock()
		f.dedup, f.dedupUntil = dedup, until
		f.mu.Unlock()
	}
	groups, err := s.st.SubjectCounts(ctx, q.rt.stream, q.rt.groups())
	if err != nil {
		return err
	}
	tokens, err := s.st.SubjectCounts(ctx, q.rt.stream, q.rt.tokens())
	if err != nil {
		return err
	}
	for subject := range groups {
		gh := subjectGroup(subject)
		if tokens[q.rt.token(gh)] == 0 {
			if err := s.promote(ctx, q, gh, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// readAll calls fn for every message on subject (which no other consumer
// reads) through a temporary consumer, in stream order. Work-queue streams
// allow no ordered consumer.
func (s *Service) readAll(ctx context.Context, q *queue, subject string, fn func(store.Delivery)) error {
	// A work-queue stream lets one consumer read a subject: a node that
	// finds another reading it waits its turn.
	name := "x_" + q.rt.key + "_" + uuid.New()
	var c *store.Consumer
	for {
		var err error
		c, err = s.st.EnsureConsumer(ctx, store.ConsumerConfig{
			Stream: q.rt.stream, Durable: name, Filter: []string{subject},
			AckWait: time.Hour, MaxAckPending: -1, Memory: true, InactiveThreshold: time.Minute,
		})
		if err == nil {
			break
		}
		if !store.FilterTaken(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	defer func() { _ = s.st.DeleteConsumer(context.WithoutCancel(ctx), q.rt.stream, name) }()
	for {
		pending, _, err := c.Counts(ctx)
		if err != nil || pending == 0 {
			return err
		}
		ds, err := c.Fetch(ctx, 256, 0)
		if err != nil {
			return err
		}
		for _, d := range ds {
			fn(d)
		}
	}
}

// fifoEnqueue stores a message at the end of its group (msg carries its
// headers and Nats-Msg-Id) and promotes the group. It returns the message's
// SequenceNumber, or the original's when the message is a duplicate.
func (s *Service) fifoEnqueue(ctx context.Context, q *queue, msg *store.Msg, group string) (uint64, error) {
	f, err := s.fifoReady(ctx, q)
	if err != nil {
		return 0, err
	}
	if n, dup := f.duplicate(msg.ID, time.Now()); dup {
		return n, nil
	}
	gh := groupHash(group)
	msg.Subject = q.rt.group(gh)
	if err := s.st.Publish(ctx, msg); err != nil {
		return 0, s.gone(q, err)
	}
	if err := s.promote(ctx, q, gh, false); err != nil {
		s.promoteLater(q, gh, err)
	}
	return q.rt.seqBase + msg.Seq, nil
}

// promote publishes a token for a group unless it has one. With check (or
// on a queue with DelaySeconds) it first reads the group's first message:
// no token for an empty group, and a kick instead while the first message
// is delayed.
func (s *Service) promote(ctx context.Context, q *queue, gh string, check bool) error {
	rt := q.rt
	if check || attrInt(q.rec.Attributes, attrDelaySeconds) > 0 {
		first, err := rt.msgs.NextMsg(ctx, rt.group(gh), 0)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if due := visibleAt(first.Header); due.After(time.Now()) {
			return s.kick(ctx, q, gh, due)
		}
	}
	token := &store.Msg{Subject: rt.token(gh), Header: store.Header{}}
	store.SetExpectLastSubjectSeq(token.Header, 0)
	store.SetTTL(token.Header, maxRetention)
	if err := s.st.Publish(ctx, token); err != nil && !store.PublishConflict(err) {
		return err
	}
	return nil
}

// kick schedules the promotion of a group at time at: the server publishes
// a kick to the queue's kick subject then, which the receive consumer
// reads. A group has one pending kick at most (a later one replaces it).
func (s *Service) kick(ctx context.Context, q *queue, gh string, at time.Time) error {
	m := &store.Msg{Subject: q.rt.kickSchedule(gh), Header: store.Header{hdrGroupHash: {gh}}}
	store.SetSchedule(m.Header, at, q.rt.kicks(), maxRetention)
	store.SetTTL(m.Header, maxRetention)
	return s.st.Publish(ctx, m)
}

// retire ends a token's turn: the token is acknowledged and removed (both:
// the removal that an acknowledgement causes may lag behind it), its lease
// removed, and with promote the group's next messages get a token.
func (s *Service) retire(ctx context.Context, q *queue, reply string, token, lease uint64, gh string, promote bool) error {
	if err := s.st.Reply(ctx, reply, "+ACK", 0); err != nil && !store.ConsumerGone(err) {
		return err
	}
	for _, seq := range []uint64{token, lease} {
		if seq == 0 {
			continue
		}
		if err := q.rt.msgs.DeleteMsg(ctx, seq); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if promote {
		if err := s.promote(ctx, q, gh, true); err != nil {
			s.promoteLater(q, gh, err)
		}
	}
	return nil
}

// promoteLater retries a failed promotion in the background: the group's
// messages are stored, and the group must not stay stuck.
func (s *Service) promoteLater(q *queue, gh string, cause error) {
	s.log.Warn("promoting a FIFO group failed; retrying", "queue", q.rec.Name, "err", cause)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return // the next start promotes it
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		backoff := 100 * time.Millisecond
		for attempt := 0; attempt < 20; attempt++ {
			select {
			case <-s.ctx.Done():
				return
			case <-time.After(backoff):
			}
			cur := s.lookup(q.rec.id())
			if cur == nil || cur.rt != q.rt {
				return
			}
			ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
			err := s.promote(ctx, cur, gh, true)
			cancel()
			if err == nil {
				return
			}
			backoff = min(2*backoff, 5*time.Second)
		}
	}()
}

// writeMarker keeps a deleted message's deduplication id in the stream for
// the rest of its interval (JetStream rebuilds its duplicate table at start
// only from messages still stored).
func (s *Service) writeMarker(ctx context.Context, q *queue, m *store.Msg) error {
	key := m.Header.Get(hdrDedupKey)
	sent, _ := strconv.ParseInt(m.Header.Get(hdrSent), 10, 64)
	left := time.Until(time.UnixMilli(sent).Add(fifoDedupWindow))
	if key == "" || left <= 0 {
		return nil
	}
	marker := &store.Msg{Subject: q.rt.markers(), Header: store.Header{
		hdrDedupKey: {key}, hdrOrigin: {strconv.FormatUint(q.rt.sequence(m), 10)}, hdrSent: {strconv.FormatInt(sent, 10)},
	}}
	store.SetTTL(marker.Header, left)
	return s.st.Publish(ctx, marker)
}

// copyHeader copies a stored message's headers without JetStream's own.
func copyHeader(h store.Header) store.Header {
	out := make(store.Header, len(h)+3)
	for k, v := range h {
		if len(k) < 5 || k[:5] != "Nats-" {
			out[k] = append([]string(nil), v...)
		}
	}
	return out
}
