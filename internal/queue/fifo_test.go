package queue

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/switchyard/switchyard/internal/store"
)

func (e *env) sendFifo(url, body, group, dedup string) *sqs.SendMessageOutput {
	e.t.Helper()
	in := &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body), MessageGroupId: aws.String(group)}
	if dedup != "" {
		in.MessageDeduplicationId = aws.String(dedup)
	}
	out, err := e.client.SendMessage(context.Background(), in)
	if err != nil {
		e.t.Fatalf("SendMessage: %v", err)
	}
	return out
}

// TestFifoOrdering sends messages of several groups, some in batches, and
// receives them with concurrent receivers: each group's messages arrive in
// send order, and never two of a group at once.
func TestFifoOrdering(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	url := e.createQueue("orders.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	groups := []string{"a", "b", "c", "d"}
	const perGroup = 12
	var lastSeq string
	for i := 0; i < perGroup; i += 3 {
		// One message of each group singly, then two of each in a batch.
		for _, g := range groups {
			out := e.sendFifo(url, fmt.Sprintf("%s-%02d", g, i), g, "")
			if out.SequenceNumber == nil || len(*out.SequenceNumber) != 20 || *out.SequenceNumber <= lastSeq {
				t.Fatalf("SequenceNumber %v after %s", out.SequenceNumber, lastSeq)
			}
			lastSeq = *out.SequenceNumber
		}
		var entries []types.SendMessageBatchRequestEntry
		for _, g := range groups {
			for j := 1; j <= 2; j++ {
				entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprintf("%s%d", g, j)),
					MessageBody: aws.String(fmt.Sprintf("%s-%02d", g, i+j)), MessageGroupId: aws.String(g)})
			}
		}
		out, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
		if err != nil || len(out.Successful) != len(entries) {
			t.Fatalf("batch: %v %+v", err, out)
		}
		for _, s := range out.Successful {
			if aws.ToString(s.SequenceNumber) <= lastSeq {
				t.Fatalf("batch SequenceNumber %s after %s", aws.ToString(s.SequenceNumber), lastSeq)
			}
			lastSeq = aws.ToString(s.SequenceNumber)
		}
	}
	if a := e.attributes(url, types.QueueAttributeNameApproximateNumberOfMessages); a["ApproximateNumberOfMessages"] != strconv.Itoa(perGroup*len(groups)) {
		t.Errorf("visible %v", a)
	}

	var mu sync.Mutex
	next := map[string]int{}
	held := map[string]bool{}
	received := 0
	total := perGroup * len(groups)
	var wg sync.WaitGroup
	deadline := time.Now().Add(30 * time.Second)
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				mu.Lock()
				done := received == total
				mu.Unlock()
				if done {
					return
				}
				out, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
					MessageSystemAttributeNames: []types.MessageSystemAttributeName{"MessageGroupId", "SequenceNumber"}})
				if err != nil {
					t.Error(err)
					return
				}
				// A receive may return several messages of a group, in
				// order; a group is never in two receives at once.
				mine := map[string]bool{}
				for _, m := range out.Messages {
					g := m.Attributes["MessageGroupId"]
					mu.Lock()
					if held[g] && !mine[g] {
						t.Errorf("group %s in two receives at once", g)
					}
					if want := fmt.Sprintf("%s-%02d", g, next[g]); aws.ToString(m.Body) != want {
						t.Errorf("group %s: got %s, want %s", g, aws.ToString(m.Body), want)
					}
					held[g], mine[g] = true, true
					next[g]++
					received++
					mu.Unlock()
				}
				time.Sleep(time.Duration(rand.IntN(3)) * time.Millisecond)
				for _, m := range out.Messages {
					mu.Lock()
					held[m.Attributes["MessageGroupId"]] = false
					mu.Unlock()
					if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	if received != total {
		t.Fatalf("received %d of %d: %v", received, total, next)
	}
	if a := e.attributes(url, types.QueueAttributeNameAll); a["ApproximateNumberOfMessages"] != "0" || a["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("counts at the end %v", a)
	}
}

// TestFifoGroupBlocking: a group's messages wait while messages of the
// group are in flight, while other groups go on; an expired visibility
// timeout hands out the same messages again, before the next.
func TestFifoGroupBlocking(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	url := e.createQueue("q.fifo", map[string]string{"FifoQueue": "true", "VisibilityTimeout": "1"})
	e.sendFifo(url, "a1", "a", "1")
	e.sendFifo(url, "a2", "a", "2")
	e.sendFifo(url, "b1", "b", "3")
	in := &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"ApproximateReceiveCount"}}
	// A receive returns as many of one group as it can, in order.
	first := e.receive(in)
	if len(first) != 3 || aws.ToString(first[0].Body) != "a1" || aws.ToString(first[1].Body) != "a2" || aws.ToString(first[2].Body) != "b1" {
		t.Fatalf("first receive %v", bodiesOf(first))
	}
	a3 := e.sendFifo(url, "a3", "a", "4")
	if got := e.receive(in); len(got) != 0 {
		t.Fatalf("group a handed out %v while a1 and a2 are in flight", bodiesOf(got))
	}
	in.WaitTimeSeconds = 3
	again := e.receive(in)
	if len(again) == 0 || aws.ToString(again[0].Body) != "a1" && aws.ToString(again[0].Body) != "b1" || again[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("after the visibility timeout: %v", bodiesOf(again))
	}
	// a1 and a2 come back in order, received twice; a3, sent meanwhile,
	// after them, received once.
	var a []string
	for _, m := range again {
		if b := aws.ToString(m.Body); b[0] == 'a' {
			a = append(a, b+"/"+m.Attributes["ApproximateReceiveCount"])
		}
		if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(a, ","); got != "a1/2,a2/2,a3/1" && got != "a1/2,a2/2" {
		t.Fatalf("group a after the visibility timeout: %s", got)
	}
	var rest []string
	for len(rest) < 4 && !contains(strings.Join(a, ",")+strings.Join(rest, ","), "a3") {
		got := e.receive(in)
		if len(got) == 0 {
			break
		}
		for _, m := range got {
			rest = append(rest, aws.ToString(m.Body))
			_, _ = e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
		}
	}
	if !contains(strings.Join(a, ",")+strings.Join(rest, ","), "a3") {
		t.Fatalf("a3 (%s) never came: %v", aws.ToString(a3.SequenceNumber), rest)
	}
}

func bodiesOf(msgs []types.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, aws.ToString(m.Body))
	}
	return out
}

func TestFifoDeduplication(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	url := e.createQueue("q.fifo", map[string]string{"FifoQueue": "true"})
	first := e.sendFifo(url, "one", "g", "d1")
	dup := e.sendFifo(url, "one again", "g", "d1")
	if aws.ToString(dup.MessageId) != aws.ToString(first.MessageId) || aws.ToString(dup.SequenceNumber) != aws.ToString(first.SequenceNumber) {
		t.Fatalf("duplicate answered %s/%s, original %s/%s", aws.ToString(dup.MessageId), aws.ToString(dup.SequenceNumber),
			aws.ToString(first.MessageId), aws.ToString(first.SequenceNumber))
	}
	sys := []types.MessageSystemAttributeName{"All"}
	got := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: sys})
	if len(got) != 1 || aws.ToString(got[0].Body) != "one" || aws.ToString(got[0].MessageId) != aws.ToString(first.MessageId) ||
		got[0].Attributes["SequenceNumber"] != aws.ToString(first.SequenceNumber) || got[0].Attributes["MessageDeduplicationId"] != "d1" ||
		got[0].Attributes["MessageGroupId"] != "g" {
		t.Fatalf("received %+v", got)
	}
	if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: got[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	// Still a duplicate after the original was deleted (five minutes).
	if again := e.sendFifo(url, "one", "g", "d1"); aws.ToString(again.MessageId) != aws.ToString(first.MessageId) {
		t.Fatal("deduplication forgot a deleted message")
	}
	// Duplicates within one batch.
	out, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: aws.String("x"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d2")},
		{Id: aws.String("b"), MessageBody: aws.String("x"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d2")},
		{Id: aws.String("c"), MessageBody: aws.String("y"), MessageGroupId: aws.String("g")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 2 || aws.ToString(out.Successful[0].MessageId) != aws.ToString(out.Successful[1].MessageId) ||
		len(out.Failed) != 1 || aws.ToString(out.Failed[0].Code) != "InvalidParameterValue" {
		t.Fatalf("batch %+v %+v", out.Successful, out.Failed)
	}
	n := 0
	for {
		got := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if len(got) == 0 {
			break
		}
		for _, m := range got {
			n++
			_, _ = e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
		}
	}
	if n != 1 {
		t.Fatalf("received %d messages of a duplicated batch entry, want 1", n)
	}

	// Content-based deduplication: the body's SHA-256.
	cb := e.createQueue("cb.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	a := e.sendFifo(cb, "same", "g1", "")
	b := e.sendFifo(cb, "same", "g2", "")
	c := e.sendFifo(cb, "other", "g1", "")
	if aws.ToString(a.MessageId) != aws.ToString(b.MessageId) || aws.ToString(a.MessageId) == aws.ToString(c.MessageId) {
		t.Fatalf("content-based: %s %s %s", aws.ToString(a.MessageId), aws.ToString(b.MessageId), aws.ToString(c.MessageId))
	}
	got = e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(cb), MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: sys})
	// "other" comes behind "same" in group g1; "same" in g2 was a
	// duplicate.
	if len(got) != 2 || got[0].Attributes["MessageDeduplicationId"] != contentDedupID("same") ||
		aws.ToString(got[1].Body) != "other" || got[1].Attributes["MessageDeduplicationId"] != contentDedupID("other") {
		t.Fatalf("content-based received %+v", got)
	}
	// DeduplicationScope messageGroup: the same id in two groups is two
	// messages.
	pg := e.createQueue("pg.fifo", map[string]string{"FifoQueue": "true", "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"})
	x := e.sendFifo(pg, "x", "g1", "same")
	y := e.sendFifo(pg, "y", "g2", "same")
	z := e.sendFifo(pg, "z", "g1", "same")
	if aws.ToString(x.MessageId) == aws.ToString(y.MessageId) || aws.ToString(x.MessageId) != aws.ToString(z.MessageId) {
		t.Fatalf("per-group scope: %s %s %s", aws.ToString(x.MessageId), aws.ToString(y.MessageId), aws.ToString(z.MessageId))
	}

	// The Go API reports the sequence number too.
	res, err := e.svc.SendMessage(ctx, Scope{"000000000000", "us-east-1"}, "q.fifo", Message{Body: "go", GroupID: "g", DeduplicationID: "go-1"})
	if err != nil || len(res.SequenceNumber) != 20 || res.SequenceNumber <= aws.ToString(first.SequenceNumber) || res.MessageID == "" {
		t.Fatalf("SendMessage %+v %v", res, err)
	}
	if id, err := e.svc.Send(ctx, Scope{"000000000000", "us-east-1"}, "q.fifo", Message{Body: "go", GroupID: "g", DeduplicationID: "go-1"}); err != nil || id != res.MessageID {
		t.Fatalf("Send duplicate %s %v", id, err)
	}
	// MessageGroupId is required on FIFO queues, accepted on standard ones.
	_, err = e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x"), MessageDeduplicationId: aws.String("z")})
	wantAPIError(t, err, "MissingParameter", "The request must contain the parameter MessageGroupId.", 400)
	_, err = e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), ReceiveRequestAttemptId: aws.String("attempt 1")})
	wantAPIError(t, err, "InvalidParameterValue", "", 400)
	if _, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), ReceiveRequestAttemptId: aws.String("attempt-1")}); err != nil {
		t.Fatal(err)
	}
}

// TestFifoDelay: a FIFO queue's DelaySeconds holds messages back, and they
// still arrive in order.
func TestFifoDelay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	url := e.createQueue("d.fifo", map[string]string{"FifoQueue": "true", "DelaySeconds": "1"})
	sent := time.Now()
	var seqs []string
	for i := 0; i < 3; i++ {
		seqs = append(seqs, aws.ToString(e.sendFifo(url, fmt.Sprint("m", i), "g", fmt.Sprint(i)).SequenceNumber))
	}
	if got := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url)}); len(got) != 0 {
		t.Fatal("delivered before the delay")
	}
	// A receive may return several of them once they are due, in order.
	for i := 0; i < 3; {
		got := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 5, MaxNumberOfMessages: 10,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{"SequenceNumber"}})
		if len(got) == 0 {
			t.Fatalf("message %d never came", i)
		}
		for _, m := range got {
			if aws.ToString(m.Body) != fmt.Sprint("m", i) || m.Attributes["SequenceNumber"] != seqs[i] || time.Since(sent) < 900*time.Millisecond {
				t.Fatalf("message %d: %s %v after %v", i, aws.ToString(m.Body), m.Attributes, time.Since(sent))
			}
			if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
			i++
		}
	}
}

// TestFifoDurability restarts with a message in flight, a backlog and a
// recent deduplication id, and with a message stored but never promoted
// (a crash between the two steps of a send).
func TestFifoDurability(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	url := e.createQueue("q.fifo", map[string]string{"FifoQueue": "true", "VisibilityTimeout": "2"})
	for i := 1; i <= 3; i++ {
		e.sendFifo(url, fmt.Sprint("a", i), "a", fmt.Sprint("a", i))
	}
	e.sendFifo(url, "b1", "b", "b1")
	dedup := e.sendFifo(url, "c1", "c", "c1")
	in := &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 1, WaitTimeSeconds: 1,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"ApproximateReceiveCount"}}
	// The visibility timeout starts while the receive is in progress.
	inFlightSince := time.Now()
	if got := e.receive(in); len(got) != 1 || aws.ToString(got[0].Body) != "a1" {
		t.Fatalf("first %v", bodiesOf(got))
	}
	// A message of group d stored in its backlog but not promoted.
	q := e.svc.lookup(queueID{Scope{"000000000000", "us-east-1"}, "q.fifo"})
	orphan := &store.Msg{Subject: q.rt.group(groupHash("d")), Data: []byte("d1"), Header: store.Header{
		hdrSent: {"1"}, hdrSender: {"x"}, hdrGroupID: {"d"}, hdrMD5Body: {md5Hex("d1")}}}
	if err := e.st.Publish(ctx, orphan); err != nil {
		t.Fatal(err)
	}

	e.restart()
	if again := e.sendFifo(url, "c1", "c", "c1"); aws.ToString(again.MessageId) != aws.ToString(dedup.MessageId) {
		t.Fatal("deduplication forgot across the restart")
	}
	// b1, c1 and the orphan d1 come; a2 waits for a1.
	var got []string
	var handles []*string
	for len(got) < 3 {
		m := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if len(m) == 0 {
			break
		}
		for _, x := range m {
			got = append(got, aws.ToString(x.Body))
			handles = append(handles, x.ReceiptHandle)
		}
	}
	if strings.Join(sortedCopy(got), ",") != "b1,c1,d1" {
		t.Fatalf("after restart: %v", got)
	}
	for _, h := range handles {
		if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: h}); err != nil {
			t.Fatal(err)
		}
	}
	// a1 comes back once its visibility timeout has passed, then a2, a3.
	in.WaitTimeSeconds = 5
	for i := 1; i <= 3; i++ {
		m := e.receive(in)
		if len(m) != 1 || aws.ToString(m[0].Body) != fmt.Sprint("a", i) {
			t.Fatalf("group a, message %d: %v", i, bodiesOf(m))
		}
		if i == 1 {
			if m[0].Attributes["ApproximateReceiveCount"] != "2" || time.Since(inFlightSince) < time.Second {
				t.Fatalf("a1 again after %v: %v", time.Since(inFlightSince), m[0].Attributes)
			}
		}
		if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m[0].ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
	}
	if m := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url)}); len(m) != 0 {
		t.Fatalf("left over: %v", bodiesOf(m))
	}
}

func sortedCopy(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
