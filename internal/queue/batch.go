package queue

import (
	"context"
	"errors"
	"slices"

	"github.com/switchyard/switchyard/internal/awsproto"
)

const (
	// maxBatchEntries is SQS's limit of entries per batch request.
	maxBatchEntries = 10
	// maxBatchSize bounds the bodies and attributes of a SendMessageBatch.
	maxBatchSize = 1 << 20
)

// checkBatch applies SQS's checks of a batch's entry ids, in SQS's order.
func checkBatch(entryShape string, ids []string) error {
	if len(ids) == 0 {
		return errEmptyBatchRequest(entryShape)
	}
	if len(ids) > maxBatchEntries {
		return errTooManyEntriesInBatchRequest(len(ids))
	}
	for _, id := range ids {
		if !validBatchID(id) {
			return errInvalidBatchEntryID()
		}
	}
	// At most ten: comparing pairs is cheaper than a map.
	for i, id := range ids {
		if slices.Contains(ids[:i], id) {
			return errBatchEntryIdsNotDistinct(id)
		}
	}
	return nil
}

// batchEntry is an entry of a batch request.
type batchEntry interface {
	entryID() string
}

func (e sendMessageBatchRequestEntry) entryID() string             { return e.Id }
func (e deleteMessageBatchRequestEntry) entryID() string           { return e.Id }
func (e changeMessageVisibilityBatchRequestEntry) entryID() string { return e.Id }

// entryIDs lists the ids of a batch's entries.
func entryIDs[E batchEntry](entries []E) []string {
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.entryID()
	}
	return ids
}

// resolveBatch resolves a batch request's queue and then checks its entry
// ids (checkBatch).
func (s *Service) resolveBatch(r *awsproto.Request, queueURL, entryShape string, ids []string) (*queue, error) {
	q, err := s.resolve(r, queueURL)
	if err != nil {
		return nil, err
	}
	if err := checkBatch(entryShape, ids); err != nil {
		return nil, err
	}
	return q, nil
}

// validBatchID: 1 to 80 letters, digits, hyphens and underscores.
func validBatchID(id string) bool {
	if id == "" || len(id) > 80 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// batchError turns an entry's error into its Failed entry.
func batchError(id string, err error) batchResultErrorEntry {
	var e *awsproto.Error
	if errors.Is(err, ErrQueueNotFound) {
		e = errQueueDoesNotExist()
	} else if !errors.As(err, &e) {
		e = errInternal()
	}
	code := e.QueryCode
	if code == "" {
		code = e.Code
	}
	return batchResultErrorEntry{Id: id, SenderFault: !e.Receiver, Code: code, Message: e.Message}
}

func (s *Service) sendMessageBatch(ctx context.Context, r *awsproto.Request, req *sendMessageBatchRequest) (any, error) {
	q, err := s.resolveBatch(r, req.QueueUrl, "SendMessageBatchRequestEntry", entryIDs(req.Entries))
	if err != nil {
		return nil, err
	}
	size := 0
	for _, e := range req.Entries {
		size += len(e.MessageBody)
		for name, a := range e.MessageAttributes {
			size += len(name) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
		}
	}
	if size > maxBatchSize {
		return nil, errBatchRequestTooLong(size)
	}
	res := &sendMessageBatchResult{Successful: []sendMessageBatchResultEntry{}, Failed: []batchResultErrorEntry{}}
	var out []*outgoing
	var outIDs []string
	sender := senderID(r.Caller)
	for _, e := range req.Entries {
		o, err := s.prepareEntry(q, e, sender)
		if err != nil {
			res.Failed = append(res.Failed, batchError(e.Id, err))
			continue
		}
		out = append(out, o)
		outIDs = append(outIDs, e.Id)
	}
	if len(out) > 0 {
		for i, err := range s.store(ctx, q, out) {
			if err != nil {
				if errors.Is(err, ErrQueueNotFound) {
					return nil, err
				}
				res.Failed = append(res.Failed, batchError(outIDs[i], err))
				continue
			}
			o := out[i].res
			res.Successful = append(res.Successful, sendMessageBatchResultEntry{
				Id: outIDs[i], MessageId: o.MessageId, MD5OfMessageBody: o.MD5OfMessageBody,
				MD5OfMessageAttributes: o.MD5OfMessageAttributes, MD5OfMessageSystemAttributes: o.MD5OfMessageSystemAttributes,
				SequenceNumber: o.SequenceNumber,
			})
		}
	}
	return res, nil
}

// prepareEntry validates one SendMessageBatch entry like a SendMessage.
func (s *Service) prepareEntry(q *queue, e sendMessageBatchRequestEntry, sender string) (*outgoing, error) {
	if e.MessageBody == "" {
		return nil, errMissingParameter("MessageBody")
	}
	p, err := sendParams{
		body: e.MessageBody, groupID: e.MessageGroupId, dedupID: e.MessageDeduplicationId,
		delay: e.DelaySeconds, sender: sender,
	}.withAttributes(e.MessageAttributes, e.MessageSystemAttributes)
	if err != nil {
		return nil, err
	}
	return s.prepare(q, p)
}

func (s *Service) deleteMessageBatch(ctx context.Context, r *awsproto.Request, req *deleteMessageBatchRequest) (any, error) {
	ids := entryIDs(req.Entries)
	q, err := s.resolveBatch(r, req.QueueUrl, "DeleteMessageBatchRequestEntry", ids)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, deleteTimeout)
	defer cancel()
	return s.eachEntry(ctx, ids, func(ctx context.Context, i int) error {
		e := req.Entries[i]
		if e.ReceiptHandle == "" {
			return errMissingParameter("ReceiptHandle")
		}
		return s.deleteOne(ctx, q, e.ReceiptHandle)
	})
}

func (s *Service) changeMessageVisibilityBatch(ctx context.Context, r *awsproto.Request, req *changeMessageVisibilityBatchRequest) (any, error) {
	ids := entryIDs(req.Entries)
	q, err := s.resolveBatch(r, req.QueueUrl, "ChangeMessageVisibilityBatchRequestEntry", ids)
	if err != nil {
		return nil, err
	}
	return s.eachEntry(ctx, ids, func(ctx context.Context, i int) error {
		e := req.Entries[i]
		if e.ReceiptHandle == "" {
			return errMissingParameter("ReceiptHandle")
		}
		vt := 0
		if e.VisibilityTimeout != nil {
			vt = int(*e.VisibilityTimeout)
		}
		return s.changeVisibilityOne(ctx, q, e.ReceiptHandle, vt)
	})
}

// eachEntry runs an operation on every entry of a batch concurrently and
// collects per-entry results in entry order. A queue deleted meanwhile
// fails the whole request.
func (s *Service) eachEntry(ctx context.Context, ids []string, op func(context.Context, int) error) (any, error) {
	errs := make([]error, len(ids))
	done := make(chan struct{}, len(ids))
	for i := range ids {
		go func() {
			errs[i] = op(ctx, i)
			done <- struct{}{}
		}()
	}
	for range ids {
		<-done
	}
	res := &batchResult{Successful: []batchResultEntry{}, Failed: []batchResultErrorEntry{}}
	for i, err := range errs {
		switch {
		case err == nil:
			res.Successful = append(res.Successful, batchResultEntry{Id: ids[i]})
		case errors.Is(err, ErrQueueNotFound):
			return nil, err
		default:
			res.Failed = append(res.Failed, batchError(ids[i], err))
		}
	}
	return res, nil
}
