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
	c, err := q.rt.receiver(ctx, queueVT)
	if err != nil {
		return nil, s.gone(q, err)
	}
	deadline := time.Now().Add(time.Duration(wait) * time.Second)
	var deliveries []store.Delivery
	for round := 0; ; round++ {
		got, err := c.Fetch(ctx, n-len(deliveries), max(time.Until(deadline), 0))
		if err != nil && len(got) == 0 {
			if len(deliveries) > 0 {
				break
			}
			return nil, s.gone(q, err)
		}
		moved := 0
		for _, d := range got {
			if q.redrive != nil {
				if md, err := d.Metadata(); err == nil && md.NumDelivered > uint64(q.redrive.maxReceiveCount) {
					ok, err := s.deadLetter(ctx, q, d)
					if err != nil {
						s.log.Warn("moving a message to the dead-letter queue failed", "queue", q.rec.Name, "err", err)
					}
					if ok {
						moved++
						continue
					}
				}
			}
			deliveries = append(deliveries, d)
		}
		if len(deliveries) > 0 || moved == 0 || round >= maxDeadLetterRounds {
			break
		}
	}
	// Deliveries come with the queue's visibility timeout as AckWait; a
	// different one (or 0, which AckWait cannot be) is a delayed negative
	// acknowledgement right away.
	override := vt != queueVT || vt == 0
	sel := newSelection(req)
	now := time.Now()
	res := &receiveMessageResult{Messages: make([]wireMessage, 0, len(deliveries))}
	for _, d := range deliveries {
		if override {
			if err := s.st.Reply(ctx, d.Reply(), "-NAK", time.Duration(vt)*time.Second); err != nil {
				s.log.Warn("setting the visibility timeout of a received message failed", "err", err)
			}
		}
		res.Messages = append(res.Messages, s.render(q, d, sel, now))
	}
	return res, nil
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

// render turns a delivery into the wire message.
func (s *Service) render(q *queue, d store.Delivery, sel selection, now time.Time) wireMessage {
	h := d.Headers()
	data, encAttrs := unpackAttributes(h, d.Data())
	body := string(data)
	m := wireMessage{
		MessageId:     h.Get(hdrMessageID),
		ReceiptHandle: encodeReceipt(d.Reply()),
		Body:          body,
		MD5OfBody:     h.Get(hdrMD5Body),
	}
	if m.MD5OfBody == "" {
		m.MD5OfBody = md5Hex(body)
	}
	delivered, seq := uint64(1), uint64(0)
	if md, err := d.Metadata(); err == nil {
		delivered, seq = md.NumDelivered, md.Sequence.Stream
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
	key := firstReceiveKey{q.rec.Stream, seq}
	if delivered <= 1 {
		s.firstRecv.set(key, now.UnixMilli())
	}
	if sel.wantSystem(sysApproximateFirstReceiveTimestamp) {
		first, ok := s.firstRecv.get(key)
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
	if sn := h.Get(hdrSeqNum); sn != "" && sel.wantSystem(sysSequenceNumber) {
		setSys(sysSequenceNumber, sn)
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
			s.log.Error("unreadable message attributes", "stream", q.rec.Stream, "seq", seq, "err", err)
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
	rc, ok := parseReceipt(handle, q.rec.Stream)
	if !ok {
		return errReceiptHandleIsInvalid(handle)
	}
	var head *store.Msg
	if q.rt.fifo != nil {
		// The head's group is promoted next.
		m, err := s.st.GetMsg(ctx, q.rec.Stream, rc.seq)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return s.gone(q, err)
		}
		head = m
	}
	// Deleting a message that is gone already succeeds, as in SQS.
	if err := s.st.Reply(ctx, rc.subject, "+ACK", 0); err != nil {
		return s.gone(q, err)
	}
	s.firstRecv.del(firstReceiveKey{q.rec.Stream, rc.seq})
	if head != nil {
		if err := s.fifoAfterHead(ctx, q, head); err != nil {
			s.log.Warn("promoting the next FIFO message failed", "queue", q.rec.Name, "err", err)
		}
	}
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
// receipt handle names.
func (s *Service) changeVisibilityOne(ctx context.Context, q *queue, handle string, vt int) error {
	if vt < 0 || vt > 43_200 {
		return errInvalidParameterValue("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.", vt)
	}
	rc, ok := parseReceipt(handle, q.rec.Stream)
	if !ok {
		return errReceiptHandleIsInvalid(handle)
	}
	// A deleted (acknowledged) message is gone from the work-queue stream.
	if _, err := s.st.GetMsg(ctx, q.rec.Stream, rc.seq); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			if s.gone(q, err) == ErrQueueNotFound {
				return ErrQueueNotFound
			}
			return errInvalidParameterValue("Value %s for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.", handle)
		}
		return s.gone(q, err)
	}
	if err := s.st.Reply(ctx, rc.subject, "-NAK", time.Duration(vt)*time.Second); err != nil {
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
}

type firstReceiveKey struct {
	stream string
	seq    uint64
}

func newFirstReceiveCache(size int) *firstReceiveCache {
	return &firstReceiveCache{half: max(size/2, 1), cur: map[firstReceiveKey]int64{}}
}

func (c *firstReceiveCache) set(k firstReceiveKey, ms int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cur[k]; ok {
		return
	}
	if _, ok := c.prev[k]; ok {
		return
	}
	if len(c.cur) >= c.half {
		c.prev, c.cur = c.cur, make(map[firstReceiveKey]int64, c.half)
	}
	c.cur[k] = ms
}

func (c *firstReceiveCache) get(k firstReceiveKey) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.cur[k]; ok {
		return v, true
	}
	v, ok := c.prev[k]
	return v, ok
}

func (c *firstReceiveCache) del(k firstReceiveKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.cur, k)
	delete(c.prev, k)
}
