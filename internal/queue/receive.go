package queue

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/store"
)

// Message system attribute names (the model's MessageSystemAttributeName).
const (
	sysAll                              = "All"
	sysSenderID                         = "SenderId"
	sysSentTimestamp                    = "SentTimestamp"
	sysApproximateReceiveCount          = "ApproximateReceiveCount"
	sysApproximateFirstReceiveTimestamp = "ApproximateFirstReceiveTimestamp"
	sysMessageDeduplicationID           = "MessageDeduplicationId"
	sysMessageGroupID                   = "MessageGroupId"
	sysAWSTraceHeader                   = "AWSTraceHeader"
	sysSequenceNumber                   = "SequenceNumber"
	sysDeadLetterQueueSourceArn         = "DeadLetterQueueSourceArn"
)

// maxDeadLetterRounds bounds the fetches of one ReceiveMessage that found
// only messages to move to the dead-letter queue.
const maxDeadLetterRounds = 10

func (s *Service) receiveMessage(ctx context.Context, r *awsproto.Request, req *receiveMessageRequest) (any, error) {
	q, err := s.resolve(r, req.QueueUrl)
	if err != nil {
		return nil, err
	}
	n := 1
	if req.MaxNumberOfMessages != nil {
		n = int(*req.MaxNumberOfMessages)
		if n < 1 || n > 10 {
			return nil, errInvalidParameterValue("Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", n)
		}
	}
	wait := attrInt(q.rec.Attributes, attrReceiveMessageWaitTimeSeconds)
	if req.WaitTimeSeconds != nil {
		wait = int(*req.WaitTimeSeconds)
		if wait < 0 || wait > 20 {
			return nil, errInvalidParameterValue("Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.", wait)
		}
	}
	queueVT := attrInt(q.rec.Attributes, attrVisibilityTimeout)
	vt := queueVT
	if req.VisibilityTimeout != nil {
		vt = int(*req.VisibilityTimeout)
		if vt < 0 || vt > 43_200 {
			return nil, errInvalidParameterValue("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.", vt)
		}
	}
	if req.ReceiveRequestAttemptId != "" {
		// Accepted (and checked) only: receive attempts are not replayed.
		if err := checkGroupID("ReceiveRequestAttemptId", req.ReceiveRequestAttemptId); err != nil {
			return nil, err
		}
	}
	got, err := s.take(ctx, q, n, time.Duration(wait)*time.Second)
	if err != nil {
		return nil, s.gone(q, err)
	}
	// Deliveries come with the queue's visibility timeout as AckWait; a
	// different one (or 0, which AckWait cannot be) is a delayed negative
	// acknowledgement right away (once per token on a FIFO queue).
	override := vt != queueVT || vt == 0
	var released map[string]bool
	sel := newSelection(req)
	now := time.Now()
	res := &receiveMessageResult{Messages: make([]wireMessage, 0, len(got))}
	for _, t := range got {
		if override && !released[t.release] {
			if released == nil {
				released = map[string]bool{}
			}
			released[t.release] = true
			if err := s.st.Reply(ctx, t.release, "-NAK", time.Duration(vt)*time.Second); err != nil {
				s.log.Warn("setting the visibility timeout of a received message failed", "err", err)
			}
		}
		res.Messages = append(res.Messages, s.render(q, t, sel, now))
	}
	return res, nil
}

// taken is a message a receive hands out.
type taken struct {
	msg    *store.Msg // as stored: subject, data, headers, sequence
	count  uint64     // ApproximateReceiveCount
	handle string     // receipt handle
	// release is the reply subject whose negative acknowledgement changes
	// the message's visibility: its delivery's, or on a FIFO queue its
	// token's.
	release string
}

// take takes up to n messages, waiting up to wait for the first.
func (s *Service) take(ctx context.Context, q *queue, n int, wait time.Duration) ([]taken, error) {
	if q.rt.fifo != nil {
		return s.takeFifo(ctx, q, n, wait)
	}
	return s.takeStandard(ctx, q, n, wait)
}

// receiveBase returns the receives counted before a message was moved to
// the shared streams (migrate.go).
func receiveBase(h store.Header) uint64 {
	n, _ := strconv.ParseUint(h.Get(hdrReceiveBase), 10, 64)
	return n
}

// takeStandard takes up to n messages of a standard queue, waiting up to
// wait for the first. A message received more than the RedrivePolicy's
// maxReceiveCount goes to the dead-letter queue instead, and the receive
// fetches again.
func (s *Service) takeStandard(ctx context.Context, q *queue, n int, wait time.Duration) ([]taken, error) {
	deadline := time.Now().Add(wait)
	var out []taken
	for round := 0; ; round++ {
		got, err := s.fetch(ctx, q, n-len(out), max(time.Until(deadline), 0))
		if err != nil && len(got) == 0 {
			if len(out) > 0 {
				break
			}
			return nil, err
		}
		moved := 0
		for _, d := range got {
			h := d.Headers()
			count, seq := uint64(1), uint64(0)
			if md, err := d.Metadata(); err == nil {
				count, seq = md.NumDelivered, md.Sequence.Stream
			}
			count += receiveBase(h)
			m := &store.Msg{Subject: d.Subject(), Data: d.Data(), Header: h, Seq: seq}
			if q.redrive != nil && count > uint64(q.redrive.maxReceiveCount) {
				ok, err := s.deadLetter(ctx, q, m)
				if err == nil && ok {
					err = s.st.Reply(ctx, d.Reply(), "+ACK", 0)
					// The copy carries a Nats-Msg-Id: a retry does not
					// duplicate it.
				}
				if err != nil {
					s.log.Warn("moving a message to the dead-letter queue failed", "queue", q.rec.Name, "err", err)
				} else if ok {
					s.firstRecv.del(q.rt.key, seq)
					moved++
					continue
				}
			}
			out = append(out, taken{msg: m, count: count, handle: q.rt.encodeReceipt(receipt{subject: d.Reply()}), release: d.Reply()})
		}
		if len(out) > 0 || moved == 0 || round >= maxDeadLetterRounds {
			break
		}
	}
	return out, nil
}

// selection is what a ReceiveMessage asked to see of each message.
type selection struct {
	system     map[string]bool
	allSystem  bool
	attrs      []string // exact names
	prefixes   []string // from "prefix.*"
	allAttrs   bool
	wantsAttrs bool
}

func newSelection(req *receiveMessageRequest) selection {
	sel := selection{system: map[string]bool{}}
	for _, names := range [][]string{req.AttributeNames, req.MessageSystemAttributeNames} {
		for _, n := range names {
			if n == sysAll {
				sel.allSystem = true
			}
			sel.system[n] = true
		}
	}
	for _, n := range req.MessageAttributeNames {
		sel.wantsAttrs = true
		switch {
		case n == "All" || n == ".*":
			sel.allAttrs = true
		case strings.HasSuffix(n, ".*"):
			sel.prefixes = append(sel.prefixes, strings.TrimSuffix(n, "*"))
		default:
			sel.attrs = append(sel.attrs, n)
		}
	}
	return sel
}

func (sel *selection) wantSystem(name string) bool { return sel.allSystem || sel.system[name] }

// attributeNames returns the names of attrs the selection asks for, sorted.
func (sel *selection) attributeNames(attrs map[string]Attribute) []string {
	if !sel.wantsAttrs || len(attrs) == 0 {
		return nil
	}
	names := sortedNames(attrs)
	if sel.allAttrs {
		return names
	}
	out := names[:0:0]
	for _, n := range names {
		match := false
		for _, a := range sel.attrs {
			match = match || a == n
		}
		for _, p := range sel.prefixes {
			match = match || strings.HasPrefix(n, p)
		}
		if match {
			out = append(out, n)
		}
	}
	return out
}

// render turns a message handed out into the wire message.
func (s *Service) render(q *queue, t taken, sel selection, now time.Time) wireMessage {
	h := t.msg.Header
	data, encAttrs := unpackAttributes(h, t.msg.Data)
	body := string(data)
	m := wireMessage{
		MessageId:     h.Get(hdrMessageID),
		ReceiptHandle: t.handle,
		Body:          body,
		MD5OfBody:     h.Get(hdrMD5Body),
	}
	if m.MD5OfBody == "" {
		m.MD5OfBody = md5Hex(body)
	}
	delivered, seq := t.count, t.msg.Seq
	var seqNum string
	if q.rt.fifo != nil {
		n := q.rt.sequence(t.msg)
		seqNum = sequenceNumber(n)
		if m.MessageId == "" {
			m.MessageId = fifoMessageID(q.rt.key, n)
		}
	}
	var sys map[string]string
	setSys := func(name, value string) {
		if sys == nil {
			sys = make(map[string]string, 4)
		}
		sys[name] = value
	}
	sent := h.Get(hdrSent)
	if sel.wantSystem(sysSentTimestamp) {
		setSys(sysSentTimestamp, sent)
	}
	if sel.wantSystem(sysSenderID) {
		setSys(sysSenderID, h.Get(hdrSender))
	}
	if sel.wantSystem(sysApproximateReceiveCount) {
		setSys(sysApproximateReceiveCount, strconv.FormatUint(delivered, 10))
	}
	if delivered <= 1 {
		q.rt.firstReceived.Store(true)
		s.firstRecv.set(q.rt.key, seq, now.UnixMilli())
	}
	if sel.wantSystem(sysApproximateFirstReceiveTimestamp) {
		first, ok := s.firstRecv.get(q.rt.key, seq)
		if !ok {
			// Received before a restart or on another node: the send time
			// is the best lower bound we have.
			first, _ = strconv.ParseInt(sent, 10, 64)
		}
		setSys(sysApproximateFirstReceiveTimestamp, strconv.FormatInt(first, 10))
	}
	if g := h.Get(hdrGroupID); g != "" && sel.wantSystem(sysMessageGroupID) {
		setSys(sysMessageGroupID, g)
	}
	if dd := h.Get(hdrDedupID); dd != "" && sel.wantSystem(sysMessageDeduplicationID) {
		setSys(sysMessageDeduplicationID, dd)
	}
	if t := h.Get(hdrTrace); t != "" && sel.wantSystem(sysAWSTraceHeader) {
		setSys(sysAWSTraceHeader, t)
	}
	if seqNum != "" && sel.wantSystem(sysSequenceNumber) {
		setSys(sysSequenceNumber, seqNum)
	}
	if src := h.Get(hdrDLQSource); src != "" && sel.wantSystem(sysDeadLetterQueueSourceArn) {
		setSys(sysDeadLetterQueueSourceArn, src)
	}
	if len(sys) > 0 {
		m.Attributes = sys
	}
	if sel.wantsAttrs {
		attrs, err := decodeAttributes(encAttrs)
		if err != nil {
			s.log.Error("unreadable message attributes", "queue", q.rec.Name, "seq", seq, "err", err)
		}
		if names := sel.attributeNames(attrs); len(names) > 0 {
			m.MessageAttributes = toWireAttributes(attrs, names)
			if len(names) == len(attrs) && h.Get(hdrMD5Attrs) != "" {
				m.MD5OfMessageAttributes = h.Get(hdrMD5Attrs)
			} else {
				m.MD5OfMessageAttributes = md5OfAttributes(attrs, names)
			}
		}
	}
	return m
}

func (s *Service) deleteMessage(ctx context.Context, r *awsproto.Request, req *deleteMessageRequest) (any, error) {
	q, err := s.resolve(r, req.QueueUrl)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, deleteTimeout)
	defer cancel()
	return noResult(s.deleteOne(ctx, q, req.ReceiptHandle))
}

// deleteTimeout bounds a DeleteMessage or DeleteMessageBatch.
const deleteTimeout = 10 * time.Second

// deleteOne deletes the message a receipt handle names. ctx should have a
// deadline (deleteTimeout).
func (s *Service) deleteOne(ctx context.Context, q *queue, handle string) error {
	rc, ok := q.rt.parseReceipt(handle)
	if !ok {
		return errReceiptHandleIsInvalid(handle)
	}
	if q.rt.fifo != nil {
		return s.deleteFifo(ctx, q, rc)
	}
	// Deleting a message that is gone already succeeds, as in SQS.
	err := s.st.Reply(ctx, rc.subject, "+ACK", 0)
	if store.ConsumerGone(err) {
		// The consumer was removed while the queue was idle: nothing was
		// in flight, so the message is visible (or gone). Delete it.
		err = q.rt.msgs.DeleteMsg(ctx, rc.seq)
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
	}
	if err != nil {
		return s.gone(q, err)
	}
	s.firstRecv.del(q.rt.key, rc.seq)
	return nil
}

func (s *Service) changeMessageVisibility(ctx context.Context, r *awsproto.Request, req *changeMessageVisibilityRequest) (any, error) {
	q, err := s.resolve(r, req.QueueUrl)
	if err != nil {
		return nil, err
	}
	return noResult(s.changeVisibilityOne(ctx, q, req.ReceiptHandle, int(*req.VisibilityTimeout)))
}

// changeVisibilityOne changes the visibility timeout of the message a
// receipt handle names (on a FIFO queue: of every message handed out with
// it).
func (s *Service) changeVisibilityOne(ctx context.Context, q *queue, handle string, vt int) error {
	if vt < 0 || vt > 43_200 {
		return errInvalidParameterValue("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.", vt)
	}
	rc, ok := q.rt.parseReceipt(handle)
	if !ok {
		return errReceiptHandleIsInvalid(handle)
	}
	seq := rc.seq
	if q.rt.fifo != nil {
		seq = rc.member
	}
	// A deleted message is gone from the stream.
	if _, err := q.rt.msgs.GetMsg(ctx, seq); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			if s.gone(q, err) == ErrQueueNotFound {
				return ErrQueueNotFound
			}
			return errInvalidParameterValue("Value %s for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.", handle)
		}
		return s.gone(q, err)
	}
	err := s.st.Reply(ctx, rc.subject, "-NAK", time.Duration(vt)*time.Second)
	if store.ConsumerGone(err) {
		return nil // removed while idle: the message is visible
	}
	if err != nil {
		return s.gone(q, err)
	}
	return nil
}

// firstReceiveCache remembers when this node first handed out a message, for
// ApproximateFirstReceiveTimestamp. It is bounded (the oldest entries go
// first) and not durable: the attribute is approximate.
//
// Entries live in two generations of up to size/2 each; when the current
// one is full, the previous one is dropped whole and a new one started.
// (Evicting one entry per insert from one map, as a ring would, fills the
// map with deleted slots that every lookup of a missing key then probes:
// that cost about a microsecond per received message.)
type firstReceiveCache struct {
	mu        sync.Mutex
	half      int
	cur, prev map[firstReceiveKey]int64
	curPeak   int
}

// firstReceiveKey is a queue incarnation's key and a stream sequence.
type firstReceiveKey struct {
	queue string
	seq   uint64
}

func newFirstReceiveCache(size int) *firstReceiveCache {
	return &firstReceiveCache{half: max(size/2, 1), cur: map[firstReceiveKey]int64{}}
}

func (c *firstReceiveCache) set(queue string, seq uint64, ms int64) {
	k := firstReceiveKey{queue, seq}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cur[k]; ok {
		return
	}
	if _, ok := c.prev[k]; ok {
		return
	}
	if len(c.cur) >= c.half {
		c.prev, c.cur = c.cur, map[firstReceiveKey]int64{}
		c.curPeak = 0
	}
	c.cur[k] = ms
	c.curPeak = max(c.curPeak, len(c.cur))
}

func (c *firstReceiveCache) get(queue string, seq uint64) (int64, bool) {
	k := firstReceiveKey{queue, seq}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.cur[k]; ok {
		return v, true
	}
	v, ok := c.prev[k]
	return v, ok
}

func (c *firstReceiveCache) del(queue string, seq uint64) {
	k := firstReceiveKey{queue, seq}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.cur, k)
	delete(c.prev, k)
}

// dropQueue removes a deleted queue's entries.
func (c *firstReceiveCache) dropQueue(queue string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range []map[firstReceiveKey]int64{c.cur, c.prev} {
		for k := range m {
			if k.queue == queue {
				delete(m, k)
			}
		}
	}
	c.cur = shrink(c.cur, &c.curPeak)
	if len(c.prev) == 0 {
		c.prev = nil
	}
}
