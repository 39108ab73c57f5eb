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

// Send appends a message to a queue, as SendMessage does, and returns its
// message id. It returns ErrQueueNotFound if the queue does not exist, and an
// *awsproto.Error with SQS's code and message if SQS would refuse the
// message.
func (s *Service) Send(ctx context.Context, sc Scope, name string, m Message) (string, error) {
	q := s.lookup(queueID{sc, name})
	if q == nil {
		return "", ErrQueueNotFound
	}
	if m.Body == "" {
		return "", errMissingParameter("MessageBody")
	}
	res, err := s.send(ctx, q, sendParams{
		body: m.Body, attrs: m.Attributes,
		groupID: m.GroupID, dedupID: m.DeduplicationID,
		sender: sc.Account,
	})
	if err != nil {
		return "", err
	}
	return res.MessageId, nil
}

func (s *Service) sendMessage(ctx context.Context, r *awsproto.Request, req *sendMessageRequest) (any, error) {
	q, err := s.resolve(r, req.QueueUrl)
	if err != nil {
		return nil, err
	}
	attrs, err := wireAttributes(req.MessageAttributes)
	if err != nil {
		return nil, err
	}
	p := sendParams{
		body: req.MessageBody, attrs: attrs,
		groupID: req.MessageGroupId, dedupID: req.MessageDeduplicationId,
		delay: req.DelaySeconds, sender: senderID(r.Caller),
	}
	trace, ok, err := checkSystemAttributes(req.MessageSystemAttributes)
	if err != nil {
		return nil, err
	}
	if ok {
		p.trace = &trace
	}
	return s.send(ctx, q, p)
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

func (s *Service) send(ctx context.Context, q *queue, p sendParams) (*sendMessageResult, error) {
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
	res := &sendMessageResult{MessageId: newMessageID(), MD5OfMessageBody: md5Hex(p.body)}
	h := store.Header{
		hdrMessageID: {res.MessageId},
		hdrSent:      {strconv.FormatInt(now.UnixMilli(), 10)},
		hdrSender:    {p.sender},
		hdrMD5Body:   {res.MD5OfMessageBody},
	}
	data := []byte(p.body)
	if len(p.attrs) > 0 {
		enc, err := encodeAttributes(p.attrs)
		if err != nil {
			return nil, err
		}
		res.MD5OfMessageAttributes = md5OfAttributes(p.attrs, sortedNames(p.attrs))
		h[hdrMD5Attrs] = []string{res.MD5OfMessageAttributes}
		data = packAttributes(h, enc, p.body)
	}
	if p.trace != nil {
		sys := map[string]Attribute{"AWSTraceHeader": *p.trace}
		res.MD5OfMessageSystemAttributes = md5OfAttributes(sys, []string{"AWSTraceHeader"})
		h[hdrTrace] = []string{p.trace.StringValue}
	}
	if p.groupID != "" {
		h[hdrGroupID] = []string{p.groupID}
	}
	if fifo && p.dedupID != "" {
		h[hdrDedupID] = []string{p.dedupID}
	}
	msg := &store.Msg{Subject: readySubject(q.rec.Stream), Data: data, Header: h}
	if delay > 0 {
		if !q.rec.Delayed {
			// From now on every node runs this queue's mover.
			err := s.update(ctx, q.rec.id(), func(rec *record) error {
				if rec.Stream != q.rec.Stream {
					return ErrQueueNotFound
				}
				rec.Delayed = true
				return nil
			})
			if err != nil {
				return nil, s.gone(q, err)
			}
		}
		msg.Subject = delayedSubject(q.rec.Stream)
		h[hdrVisibleAt] = []string{strconv.FormatInt(now.Add(time.Duration(delay)*time.Second).UnixMilli(), 10)}
	}
	if err := s.st.Publish(ctx, msg); err != nil {
		return nil, s.gone(q, err)
	}
	return res, nil
}

// gone returns ErrQueueNotFound instead of err if the queue was deleted (or
// deleted and created again) while the request was under way.
func (s *Service) gone(q *queue, err error) error {
	if cur := s.lookup(q.rec.id()); cur == nil || cur.rec.Stream != q.rec.Stream {
		return ErrQueueNotFound
	}
	return err
}
