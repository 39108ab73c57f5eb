package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/switchyard/switchyard/internal/store"
)

// oldQueue writes a queue as the previous release stored it: a record
// naming the queue's own stream, and that stream (subjects under
// sqs.<key>, MaxAge = retention, work queue), as a data directory of that
// release holds them (checked against one: streams, subjects, headers and
// consumers).
type oldQueue struct {
	t      *testing.T
	st     *store.Store
	name   string
	key    string
	fifo   bool
	stream *store.Stream
	recv   *store.Consumer
}

func writeOldQueue(t *testing.T, st *store.Store, name string, attrs map[string]string) *oldQueue {
	t.Helper()
	ctx := context.Background()
	created := time.Now().Add(-time.Hour)
	id := queueID{Scope{"000000000000", "us-east-1"}, name}
	o := &oldQueue{t: t, st: st, name: name, key: queueKey(id, created.UnixNano()), fifo: strings.HasSuffix(name, ".fifo")}
	rec := map[string]any{
		"account": id.Account, "region": id.Region, "name": name, "stream": "SQS_" + o.key,
		"created": created.Unix(), "modified": created.Unix(), "attributes": effectiveAttributes(name, attrs), "delayed": true,
	}
	data, _ := json.Marshal(rec)
	kv, err := st.KV(ctx, Bucket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, id.key(), data); err != nil {
		t.Fatal(err)
	}
	p := "sqs." + o.key
	cfg := store.StreamConfig{Name: "SQS_" + o.key, Subjects: []string{p + ".m", p + ".d"}, WorkQueue: true, MaxAge: 96 * time.Hour, Duplicates: 2 * time.Minute}
	filter := []string{p + ".m"}
	if o.fifo {
		cfg.Subjects = append(cfg.Subjects, p+".m.*", p+".f.*", p+".x")
		cfg.Duplicates = 5 * time.Minute
		filter = append(filter, p+".m.*")
	}
	if err := st.EnsureStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if o.stream, err = st.OpenStream(ctx, cfg.Name); err != nil {
		t.Fatal(err)
	}
	o.recv, err = st.EnsureConsumer(ctx, store.ConsumerConfig{Stream: cfg.Name, Durable: "receive", Filter: filter, AckWait: time.Minute, MaxAckPending: maxInFlight})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// put stores a message on an old subject (after sqs.<key>.) and returns
// its sequence.
func (o *oldQueue) put(subject, body, id string, h store.Header) uint64 {
	o.t.Helper()
	if h == nil {
		h = store.Header{}
	}
	h.Set(hdrSent, strconv.FormatInt(time.Now().UnixMilli(), 10))
	h.Set(hdrSender, "000000000000")
	h.Set(hdrMD5Body, md5Hex(body))
	m := &store.Msg{Subject: "sqs." + o.key + "." + subject, ID: id, Data: []byte(body), Header: h}
	if err := o.st.Publish(context.Background(), m); err != nil {
		o.t.Fatal(err)
	}
	return m.Seq
}

// receive takes the next message from the old receive consumer; with
// release it is made visible again (a receive count, not in flight).
func (o *oldQueue) receive(release bool) string {
	o.t.Helper()
	got, err := o.recv.Fetch(context.Background(), 1, time.Second)
	if err != nil || len(got) != 1 {
		o.t.Fatalf("old receive: %d %v", len(got), err)
	}
	if release {
		if err := o.st.Reply(context.Background(), got[0].Reply(), "-NAK", 0); err != nil {
			o.t.Fatal(err)
		}
	}
	return string(got[0].Data())
}

// TestMigrateOldLayout: queues of the previous release keep their messages
// (ids, attributes, sent times, receive counts, delays, FIFO order,
// SequenceNumbers and deduplication ids) when a node of this release
// starts on their data, and their own streams go.
func TestMigrateOldLayout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := &env{t: t, dir: t.TempDir()}
	st, err := store.Open(ctx, store.Options{DataDir: e.dir, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}

	std := writeOldQueue(t, st, "std", map[string]string{"VisibilityTimeout": "60"})
	attr := store.Header{hdrAttributes: {`{"n":{"t":"Number","s":"1"}}`}, hdrMD5Attrs: {md5OfAttributes(map[string]Attribute{"n": {DataType: "Number", StringValue: "1"}}, []string{"n"})}}
	std.put("m", "s1", "", withID(attr, "id-s1"))
	std.put("m", "s2", "", withID(nil, "id-s2"))
	std.put("m", "s3", "", withID(nil, "id-s3"))
	std.put("d", "later", "", withID(store.Header{hdrVisibleAt: {strconv.FormatInt(time.Now().Add(10*time.Minute).UnixMilli(), 10)}}, "id-later"))
	// s1 received twice and then in flight; s2 received once.
	for i := 0; i < 2; i++ {
		if b := std.receive(true); b != "s1" {
			t.Fatalf("old receive %d: %s", i, b)
		}
	}
	std.receive(false)
	if b := std.receive(true); b != "s2" {
		t.Fatalf("old receive: %s", b)
	}

	fifo := writeOldQueue(t, st, "f.fifo", map[string]string{"FifoQueue": "true", "VisibilityTimeout": "60"})
	dedup := func(id string) store.Header {
		return store.Header{hdrGroupID: {strings.TrimRight(id, "0123456789")}, hdrDedupID: {id}, hdrDedupKey: {"d:q:" + id}}
	}
	ga, gb := groupHash("a"), groupHash("b")
	// Group a: a1's backlog original left behind by a crash, its head (in
	// flight), a2 and a3 in the backlog.
	a1 := fifo.put("f."+ga, "a1", "d:q:a1", dedup("a1"))
	head := dedup("a1")
	head.Set(hdrMessageID, fifoMessageID(fifo.key, a1))
	head.Set(hdrSeqNum, sequenceNumber(a1))
	head.Set(hdrOrigin, strconv.FormatUint(a1, 10))
	fifo.put("m."+ga, "a1", "h:"+strconv.FormatUint(a1, 10), head)
	a2 := fifo.put("f."+ga, "a2", "d:q:a2", dedup("a2"))
	fifo.put("f."+ga, "a3", "d:q:a3", dedup("a3"))
	// Group b: b1 was received and deleted (its marker), b2 is the head,
	// b3 waits.
	b1 := uint64(100)
	fifo.put("x", "", "", store.Header{hdrDedupKey: {"d:q:b1"}, hdrOrigin: {strconv.FormatUint(b1, 10)}})
	b2 := fifo.put("f."+gb, "b2", "d:q:b2", dedup("b2"))
	head = dedup("b2")
	head.Set(hdrMessageID, fifoMessageID(fifo.key, b2))
	head.Set(hdrSeqNum, sequenceNumber(b2))
	head.Set(hdrOrigin, strconv.FormatUint(b2, 10))
	if err := fifo.stream.DeleteMsg(ctx, b2); err != nil {
		t.Fatal(err)
	}
	fifo.put("m."+gb, "b2", "", head)
	fifo.put("f."+gb, "b3", "d:q:b3", dedup("b3"))
	if b := fifo.receive(false); b != "a1" {
		t.Fatalf("old FIFO receive: %s", b)
	}
	oldLast := fifo.put("x", "", "", store.Header{hdrDedupKey: {"d:q:gone"}, hdrOrigin: {"1"}, hdrSent: {"1"}}) // expired marker

	// A queue whose stream an earlier attempt deleted already.
	writeOldQueue(t, st, "empty", nil)
	if err := st.DeleteStream(ctx, "SQS_"+queueKey(queueID{Scope{"000000000000", "us-east-1"}, "empty"}, 0)); err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	// An earlier attempt at std that stored a copy of s3 and crashed
	// before deleting the original: the copy is not made twice.
	if err := st.EnsureStreamWith(ctx, shardConfig(shardOf(std.key)), shardFeatures); err != nil {
		t.Fatal(err)
	}
	s3 := &store.Msg{Subject: newLayout(std.key).ready(), ID: "mig:" + std.key + ":3", Data: []byte("s3"),
		Header: store.Header{hdrMessageID: {"id-s3"}, hdrSent: {"1"}, store.HeaderTTL: {"3600s"}}}
	if err := st.Publish(ctx, s3); err != nil {
		t.Fatal(err)
	}
	st.Close()

	e.start()
	t.Cleanup(e.stop)
	for _, name := range []string{"std", "f.fifo", "empty"} {
		if !e.svc.Exists(Scope{"000000000000", "us-east-1"}, name) {
			t.Fatalf("queue %s gone", name)
		}
		q := e.svc.lookup(queueID{Scope{"000000000000", "us-east-1"}, name})
		if _, err := e.st.OpenStream(ctx, "SQS_"+q.rec.Key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: old stream still there: %v", name, err)
		}
	}
	base := e.srv.URL + "/000000000000/"
	a := e.attributes(base+"std", types.QueueAttributeNameAll)
	if a["ApproximateNumberOfMessages"] != "3" || a["ApproximateNumberOfMessagesDelayed"] != "1" || a["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("std counts %v", a)
	}
	got := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(base + "std"), MaxNumberOfMessages: 10,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}, MessageAttributeNames: []string{"All"}})
	var seen []string
	for _, m := range got {
		seen = append(seen, fmt.Sprintf("%s/%s/%s", aws.ToString(m.Body), aws.ToString(m.MessageId), m.Attributes["ApproximateReceiveCount"]))
		if aws.ToString(m.Body) == "s1" && aws.ToString(m.MessageAttributes["n"].StringValue) != "1" {
			t.Errorf("s1 attributes %v", m.MessageAttributes)
		}
	}
	// s1: in flight at the upgrade (counted once, the old consumer could
	// not tell more); s2: received once before. (s3 was copied by the
	// earlier attempt, so it comes first.)
	if got := strings.Join(sortedCopy(seen), " "); got != "s1/id-s1/2 s2/id-s2/2 s3/id-s3/1" {
		t.Errorf("std after the upgrade: %s", got)
	}

	var order []string
	for i := 0; i < 5 && len(order) < 5; i++ {
		for _, m := range e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(base + "f.fifo"), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}}) {
			order = append(order, fmt.Sprintf("%s/%s/%s", aws.ToString(m.Body), strings.TrimLeft(m.Attributes["SequenceNumber"], "0"), m.Attributes["ApproximateReceiveCount"]))
			if aws.ToString(m.Body) == "a1" && aws.ToString(m.MessageId) != fifoMessageID(fifo.key, a1) {
				t.Errorf("a1's id %s", aws.ToString(m.MessageId))
			}
			if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(base + "f.fifo"), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
	byGroup := map[byte][]string{}
	for _, o := range order {
		byGroup[o[0]] = append(byGroup[o[0]], o)
	}
	if got := strings.Join(byGroup['a'], " "); got != fmt.Sprintf("a1/%d/2 a2/%d/1 a3/%d/1", a1, a2, a2+1) {
		t.Errorf("group a after the upgrade: %s", got)
	}
	if got := strings.Join(byGroup['b'], " "); got != fmt.Sprintf("b2/%d/1 b3/%d/1", b2, b2+2) {
		t.Errorf("group b after the upgrade: %s", got)
	}
	// b1 (deleted before the upgrade) and a2 (deleted after it) are still
	// duplicates; a new message's SequenceNumber follows the old ones.
	if out := e.sendFifo(base+"f.fifo", "b1 again", "b", "b1"); aws.ToString(out.MessageId) != fifoMessageID(fifo.key, b1) {
		t.Errorf("b1 again: %s, want the original's id", aws.ToString(out.MessageId))
	}
	if out := e.sendFifo(base+"f.fifo", "a2 again", "a", "a2"); aws.ToString(out.SequenceNumber) != sequenceNumber(a2) {
		t.Errorf("a2 again: %s, want %s", aws.ToString(out.SequenceNumber), sequenceNumber(a2))
	}
	if out := e.sendFifo(base+"f.fifo", "new", "a", "new"); aws.ToString(out.SequenceNumber) <= sequenceNumber(oldLast) {
		t.Errorf("new message's SequenceNumber %s, old ones went up to %d", aws.ToString(out.SequenceNumber), oldLast)
	}
	// Nothing moves again on the next start.
	e.restart()
	if got := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(base + "std"), MaxNumberOfMessages: 10}); len(got) != 0 {
		t.Errorf("after a restart std hands out %v (in flight, 60 s)", bodiesOf(got))
	}
	if a := e.attributes(base+"std", types.QueueAttributeNameAll); a["ApproximateNumberOfMessagesNotVisible"] != "3" || a["ApproximateNumberOfMessagesDelayed"] != "1" {
		t.Errorf("std after a restart %v", a)
	}
}

func withID(h store.Header, id string) store.Header {
	if h == nil {
		h = store.Header{}
	}
	h.Set(hdrMessageID, id)
	return h
}
