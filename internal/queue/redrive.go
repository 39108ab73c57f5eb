package queue

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/store"
)

// redrivePolicy is a queue's parsed RedrivePolicy.
type redrivePolicy struct {
	maxReceiveCount int
	target          queueID
	targetArn       string
}

// parseRedrivePolicy reads a RedrivePolicy that validation accepted (nil for
// none or one that does not parse).
func parseRedrivePolicy(v string) *redrivePolicy {
	if v == "" {
		return nil
	}
	var doc struct {
		Target string          `json:"deadLetterTargetArn"`
		Count  json.RawMessage `json:"maxReceiveCount"`
	}
	if err := json.Unmarshal([]byte(v), &doc); err != nil {
		return nil
	}
	n, err := strconv.Atoi(strings.Trim(string(doc.Count), `"`))
	id, ok := parseArn(doc.Target)
	if err != nil || n < 1 || !ok {
		return nil
	}
	return &redrivePolicy{maxReceiveCount: n, target: id, targetArn: doc.Target}
}

// parseArn reads a queue ARN: arn:<partition>:sqs:<region>:<account>:<name>.
func parseArn(arn string) (queueID, bool) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "sqs" || parts[3] == "" || parts[4] == "" || parts[5] == "" {
		return queueID{}, false
	}
	return queueID{Scope{Account: parts[4], Region: parts[3]}, parts[5]}, true
}

func (q *queue) arn() string { return Arn(q.rec.id().Scope, q.rec.Name) }

// checkRedriveAllowed enforces the dead-letter queue's RedriveAllowPolicy
// when a queue (sourceArn) sets a RedrivePolicy that targets it.
func (s *Service) checkRedriveAllowed(sourceArn, policy string) error {
	p := parseRedrivePolicy(policy)
	if p == nil {
		return nil
	}
	dlq := s.lookup(p.target)
	if dlq == nil {
		return nil // validation reported it
	}
	allow := dlq.rec.Attributes[attrRedriveAllowPolicy]
	if allow == "" {
		return nil
	}
	var doc struct {
		RedrivePermission string   `json:"redrivePermission"`
		SourceQueueArns   []string `json:"sourceQueueArns"`
	}
	if err := json.Unmarshal([]byte(allow), &doc); err != nil {
		return nil
	}
	switch doc.RedrivePermission {
	case "denyAll":
	case "byQueue":
		if slices.Contains(doc.SourceQueueArns, sourceArn) {
			return nil
		}
	default:
		return nil
	}
	return errInvalidParameterValue("Value %s for parameter RedrivePolicy is invalid. Reason: Queue %s does not allow this queue to use it as a dead-letter queue.", policy, p.targetArn)
}

// deadLetter moves a delivery that was received more than maxReceiveCount
// times to the queue's dead-letter queue, keeping its id, body, attributes
// and sent time, and adding the source queue's ARN. It reports false, and
// leaves the message alone, when the dead-letter queue does not exist.
func (s *Service) deadLetter(ctx context.Context, q *queue, d store.Delivery) (bool, error) {
	dlq := s.lookup(q.redrive.target)
	if dlq == nil {
		return false, nil
	}
	md, err := d.Metadata()
	if err != nil {
		return false, err
	}
	h := copyHeader(d.Headers())
	h.Set(hdrDLQSource, q.arn())
	id := "dlq:" + q.rec.Stream + ":" + strconv.FormatUint(md.Sequence.Stream, 10)
	if err := s.copyTo(ctx, dlq, d.Data(), h, id); err != nil {
		return false, err
	}
	if err := s.st.Reply(ctx, d.Reply(), "+ACK", 0); err != nil {
		// The copy carries a Nats-Msg-Id: a retry does not duplicate it.
		return false, err
	}
	s.firstRecv.del(firstReceiveKey{q.rec.Stream, md.Sequence.Stream})
	if err := s.fifoAfterHead(ctx, q, &store.Msg{Subject: d.Subject(), Header: d.Headers()}); err != nil {
		s.log.Warn("promoting the next FIFO message after a dead letter failed", "queue", q.rec.Name, "err", err)
	}
	return true, nil
}

// copyTo stores a copy of a message (its data and headers as stored) in
// another queue: at the end of its group on a FIFO queue, which gives it a
// new sequence number. id de-duplicates retries.
func (s *Service) copyTo(ctx context.Context, dst *queue, data []byte, h store.Header, id string) error {
	for _, k := range []string{hdrOrigin, hdrSeqNum, hdrVisibleAt, hdrDedupKey} {
		delete(h, k)
	}
	msg := &store.Msg{Data: data, Header: h, ID: id}
	if dst.rt.fifo != nil {
		_, err := s.fifoEnqueue(ctx, dst, msg, h.Get(hdrGroupID))
		return err
	}
	msg.Subject = readySubject(dst.rec.Stream)
	if err := s.st.Publish(ctx, msg); err != nil {
		return s.gone(dst, err)
	}
	return nil
}

func (s *Service) listDeadLetterSourceQueues(_ context.Context, r *awsproto.Request, req *listDeadLetterSourceQueuesRequest) (any, error) {
	dlq, err := s.resolve(r, req.QueueUrl)
	if err != nil {
		return nil, err
	}
	target := dlq.arn()
	urls, next, err := s.listURLs(r, dlq.rec.id().Scope, "", req.MaxResults, req.NextToken, func(rec *record) bool {
		p := parseRedrivePolicy(rec.Attributes[attrRedrivePolicy])
		return p != nil && p.targetArn == target
	})
	if err != nil {
		return nil, err
	}
	if urls == nil {
		urls = []string{} // a required member
	}
	return &listDeadLetterSourceQueuesResult{QueueUrls: urls, NextToken: next}, nil
}

// isDeadLetterQueue reports whether some queue's RedrivePolicy targets arn.
func (s *Service) isDeadLetterQueue(arn string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, q := range s.queues {
		if q.redrive != nil && q.redrive.targetArn == arn {
			return true
		}
	}
	return false
}
