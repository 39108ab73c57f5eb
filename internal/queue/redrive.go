package queue

import (
	"context"
	"encoding/json"
	"errors"
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

// deadLetter copies a message that was received more than
// maxReceiveCount times to the queue's dead-letter queue, keeping its id,
// body, attributes and sent time, and adding the source queue's ARN; the
// caller then removes it from the queue. It reports false, and copies
// nothing, when the dead-letter queue does not exist. The copy carries a
// Nats-Msg-Id, so a retry after a crash does not duplicate it.
func (s *Service) deadLetter(ctx context.Context, q *queue, m *store.Msg) (bool, error) {
	dlq := s.lookup(q.redrive.target)
	if dlq == nil {
		return false, nil
	}
	h := copyHeader(m.Header)
	h.Set(hdrDLQSource, q.arn())
	if q.rt.fifo != nil && h.Get(hdrMessageID) == "" {
		h.Set(hdrMessageID, fifoMessageID(q.rt.key, q.rt.sequence(m)))
	}
	id := "dlq:" + q.rt.key + ":" + strconv.FormatUint(m.Seq, 10)
	if err := s.copyTo(ctx, dlq, m.Data, h, id); err != nil {
		return false, err
	}
	return true, nil
}

// deadLetterFifo moves FIFO messages to the dead-letter queue, in order,
// and deletes them from the queue. It reports whether it moved them all.
func (s *Service) deadLetterFifo(ctx context.Context, q *queue, members []*store.Msg) (bool, error) {
	for _, m := range members {
		ok, err := s.deadLetter(ctx, q, m)
		if err != nil || !ok {
			return false, err
		}
		if err := q.rt.msgs.DeleteMsg(ctx, m.Seq); err != nil && !errors.Is(err, store.ErrNotFound) {
			return false, err
		}
		if err := s.writeMarker(ctx, q, m); err != nil {
			s.log.Warn("writing a FIFO deduplication marker failed", "queue", q.rec.Name, "err", err)
		}
		s.firstRecv.del(q.rt.key, m.Seq)
	}
	return true, nil
}

// copyTo stores a copy of a message (its data and headers as stored) in
// another queue: at the end of its group on a FIFO queue, which gives it a
// new sequence number. id de-duplicates retries.
func (s *Service) copyTo(ctx context.Context, dst *queue, data []byte, h store.Header, id string) error {
	for _, k := range []string{hdrOrigin, hdrSeqNum, hdrVisibleAt, hdrDedupKey, hdrReceiveBase} {
		delete(h, k)
	}
	h.Set(store.HeaderTTL, ttlHeader(retention(dst.rec)))
	msg := &store.Msg{Data: data, Header: h, ID: id}
	if dst.rt.fifo != nil {
		_, err := s.fifoEnqueue(ctx, dst, msg, h.Get(hdrGroupID))
		return err
	}
	msg.Subject = dst.rt.ready()
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
