package queue

import (
	"context"
	"strconv"
	"time"

	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/store"
)

// sendParams is one message to send, from either API.
type sendParams struct {
	body             string
	attrs            map[string]Attribute
	trace            *Attribute // the AWSTraceHeader system attribute
	groupID, dedupID string
	delay            *int32 // per-message DelaySeconds
	sender           string
}

// SendResult is what SendMessage reports about a stored message.
type SendResult struct {
	MessageID string
	// SequenceNumber is set for FIFO queues: it increases with every
	// message sent to the queue.
	SequenceNumber string
}

// Send appends a message to a queue, as SendMessage does, and returns its
// message id. It returns ErrQueueNotFound if the queue does not exist, and an
// *awsproto.Error with SQS's code and message if SQS would refuse the
// message.
func (s *Service) Send(ctx context.Context, sc Scope, name string, m Message) (string, error) {
	res, err := s.SendMessage(ctx, sc, name, m)
	return res.MessageID, err
}

// SendMessage is Send, also reporting a FIFO queue's sequence number. On a
// FIFO queue a message whose deduplication id (or, with
// ContentBasedDeduplication, body) was seen in the last five minutes is not
// stored again: the result is the original's.
func (s *Service) SendMessage(ctx context.Context, sc Scope, name string, m Message) (SendResult, error) {
	q := s.lookup(queueID{sc, name})
	if q == nil {
		return SendResult{}, ErrQueueNotFound
	}
	if m.Body == "" {
		return SendResult{}, errMissingParameter("MessageBody")
	}
	res, err := s.send(ctx, q, sendParams{
		body: m.Body, attrs: m.Attributes,
		groupID: m.GroupID, dedupID: m.DeduplicationID,
		sender: sc.Account,
	})
	if err != nil {
		return SendResult{}, err
	}
	return SendResult{MessageID: res.MessageId, SequenceNumber: res.SequenceNumber}, nil
}

func (s *Service) sendMessage(ctx context.Context, r *awsproto.Request, req *sendMessageRequest) (any, error) {
	q, err := s.resolve(r, req.QueueUrl)
	if err != nil {
		return nil, err
	}
	p, err := sendParams{
		body: req.MessageBody, groupID: req.MessageGroupId, dedupID: req.MessageDeduplicationId,
		delay: req.DelaySeconds, sender: senderID(r.Caller),
	}.withAttributes(req.MessageAttributes, req.MessageSystemAttributes)
	if err != nil {
		return nil, err
	}
	return s.send(ctx, q, p)
}

// withAttributes adds a request's message attributes and its AWSTraceHeader
// system attribute to p, checked as SQS checks them.
func (p sendParams) withAttributes(attrs, system map[string]messageAttributeValue) (sendParams, error) {
	var err error
	if p.attrs, err = wireAttributes(attrs); err != nil {
		return p, err
	}
	trace, ok, err := checkSystemAttributes(system)
	if err != nil {
		return p, err
	}
	if ok {
		p.trace = &trace
	}
	return p, nil
}

// senderID is what ReceiveMessage reports as SenderId: the access key id of
// a signed request (AWS reports the IAM user or role id), else the account.
func senderID(c awsproto.Caller) string {
	if c.AccessKey != "" && validHeaderText(c.AccessKey) {
		return c.AccessKey
	}
	return c.Account
}

func validHeaderText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// outgoing is a validated message ready to be stored.
type outgoing struct {
	res   *sendMessageResult
	msg   *store.Msg
	delay int
	group string // FIFO queues only
}

func (s *Service) send(ctx context.Context, q *queue, p sendParams) (*sendMessageResult, error) {
	o, err := s.prepare(q, p)
	if err != nil {
		return nil, err
	}
	if err := s.store(ctx, q, []*outgoing{o})[0]; err != nil {
		return nil, err
	}
	return o.res, nil
}

// prepare validates a message as SQS does and builds what is stored.
func (s *Service) prepare(q *queue, p sendParams) (*outgoing, error) {
	attrs := q.rec.Attributes
	fifo := isFifo(attrs)
	delay := attrInt(attrs, attrDelaySeconds)
	if p.delay != nil {
		d := int(*p.delay)
		if d < 0 || d > 900 {
			return nil, errInvalidParameterValue("Value %d for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.", d)
		}
		if fifo && d != 0 {
			return nil, errInvalidParameterValue("Value %d for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.", d)
		}
		delay = d
	}
	if p.groupID != "" {
		if err := checkGroupID("MessageGroupId", p.groupID); err != nil {
			return nil, err
		}
	}
	if fifo {
		if p.groupID == "" {
			return nil, errMissingParameter("MessageGroupId")
		}
		if p.dedupID == "" && attrs[attrContentBasedDeduplication] != "true" {
			return nil, errInvalidParameterValue("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
		}
		if p.dedupID != "" {
			if err := checkGroupID("MessageDeduplicationId", p.dedupID); err != nil {
				return nil, err
			}
		}
	} else if p.dedupID != "" {
		return nil, errInvalidParameterValue("The request include parameter MessageDeduplicationId which is not valid for this queue type")
	}
	if r := firstInvalidChar(p.body); r >= 0 {
		return nil, errInvalidMessageContents(r)
	}
	attrSize, err := checkAttributes(p.attrs)
	if err != nil {
		return nil, err
	}
	if maxSize := attrInt(attrs, attrMaximumMessageSize); len(p.body)+attrSize > maxSize {
		return nil, errInvalidParameterValue("One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", maxSize)
	}

	now := time.Now()
	data := []byte(p.body)
	res := &sendMessageResult{MD5OfMessageBody: md5HexBytes(data)}
	// One backing array for the values every message has.
	vals := []string{strconv.FormatInt(now.UnixMilli(), 10), p.sender, res.MD5OfMessageBody, "", ttlHeader(retention(q.rec))}
	h := store.Header{
		hdrSent:         vals[0:1:1],
		hdrSender:       vals[1:2:2],
		hdrMD5Body:      vals[2:3:3],
		store.HeaderTTL: vals[4:5:5],
	}
	msg := &store.Msg{Subject: q.rt.ready(), Data: data, Header: h}
	if !fifo {
		// A FIFO message's id derives from its sequence number (fifo.go).
		res.MessageId = newMessageID()
		vals[3] = res.MessageId
		h[hdrMessageID] = vals[3:4:4]
	}
	if len(p.attrs) > 0 {
		enc, err := encodeAttributes(p.attrs)
		if err != nil {
			return nil, err
		}
		res.MD5OfMessageAttributes = md5OfAttributes(p.attrs, sortedNames(p.attrs))
		h[hdrMD5Attrs] = []string{res.MD5OfMessageAttributes}
		msg.Data = packAttributes(h, enc, p.body)
	}
	if p.trace != nil {
		sys := map[string]Attribute{"AWSTraceHeader": *p.trace}
		res.MD5OfMessageSystemAttributes = md5OfAttributes(sys, []string{"AWSTraceHeader"})
		h[hdrTrace] = []string{p.trace.StringValue}
	}
	if p.groupID != "" {
		h[hdrGroupID] = []string{p.groupID}
	}
	if fifo {
		dedup := p.dedupID
		if dedup == "" {
			dedup = contentDedupID(p.body)
		}
		h[hdrDedupID] = []string{dedup}
		msg.ID = dedupMsgID(attrs, p.groupID, dedup)
		h[hdrDedupKey] = []string{msg.ID}
	}
	if delay > 0 {
		delayMessage(q, msg, now.Add(time.Duration(delay)*time.Second))
	}
	return &outgoing{res: res, msg: msg, delay: delay, group: p.groupID}, nil
}

// ttlHeader is the Nats-TTL value of a message kept for d.
func ttlHeader(d time.Duration) string {
	h := store.Header{}
	store.SetTTL(h, d)
	return h.Get(store.HeaderTTL)
}

// store stores prepared messages and returns an error per message. Messages
// of a standard queue are published pipelined; a FIFO queue's one after
// the other, in order.
func (s *Service) store(ctx context.Context, q *queue, out []*outgoing) []error {
	errs := make([]error, len(out))
	if q.rt.fifo != nil {
		for i, o := range out {
			n, err := s.fifoEnqueue(ctx, q, o.msg, o.group)
			if err != nil {
				errs[i] = s.gone(q, err)
				continue
			}
			o.res.MessageId = fifoMessageID(q.rt.key, n)
			o.res.SequenceNumber = sequenceNumber(n)
		}
		return errs
	}
	msgs := make([]*store.Msg, len(out))
	for i, o := range out {
		msgs[i] = o.msg
	}
	if err := s.st.Publish(ctx, msgs...); err != nil {
		err = s.gone(q, err)
		for i, m := range msgs {
			if m.Seq == 0 { // not stored
				errs[i] = err
			}
		}
	}
	return errs
}

// gone returns ErrQueueNotFound instead of err if the queue was deleted (or
// deleted and created again) while the request was under way.
func (s *Service) gone(q *queue, err error) error {
	if cur := s.lookup(q.rec.id()); cur == nil || cur.rec.Key != q.rec.Key {
		return ErrQueueNotFound
	}
	return err
}
