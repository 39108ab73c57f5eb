package queue

import (
	"context"
	"errors"

	"github.com/switchyard/switchyard/internal/awsproto"
)

// operations lists every operation of the SQS model; those without a
// handler answer UnsupportedOperation.
var operations = []string{
	"AddPermission", "CancelMessageMoveTask", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch",
	"CreateQueue", "DeleteMessage", "DeleteMessageBatch", "DeleteQueue", "GetQueueAttributes", "GetQueueUrl",
	"ListDeadLetterSourceQueues", "ListMessageMoveTasks", "ListQueueTags", "ListQueues", "PurgeQueue",
	"ReceiveMessage", "RemovePermission", "SendMessage", "SendMessageBatch", "SetQueueAttributes",
	"StartMessageMoveTask", "TagQueue", "UntagQueue",
}

// JSONService returns the awsJson1.0 service to register on an
// awsproto.Mux (X-Amz-Target "AmazonSQS.<Operation>").
func (s *Service) JSONService() *awsproto.JSONService {
	known := make(map[string]bool, len(operations))
	for _, op := range operations {
		known[op] = true
	}
	return &awsproto.JSONService{
		TargetPrefix: "AmazonSQS",
		JSONVersion:  "1.0",
		TypePrefix:   "com.amazonaws.sqs#",
		InternalCode: "InternalError",
		Known:        known,
		NotImplemented: func(op string) *awsproto.Error {
			return errUnsupportedOperation(op)
		},
		Operations: map[string]awsproto.Operation{
			"CreateQueue":             jsonOp(s.createQueue),
			"GetQueueUrl":             jsonOp(s.getQueueURL),
			"ListQueues":              jsonOp(s.listQueues),
			"DeleteQueue":             jsonOp(s.deleteQueue),
			"GetQueueAttributes":      jsonOp(s.getQueueAttributes),
			"PurgeQueue":              jsonOp(s.purgeQueue),
			"SendMessage":             jsonOp(s.sendMessage),
			"ReceiveMessage":          jsonOp(s.receiveMessage),
			"DeleteMessage":           jsonOp(s.deleteMessage),
			"ChangeMessageVisibility": jsonOp(s.changeMessageVisibility),

			"SendMessageBatch":             jsonOp(s.sendMessageBatch),
			"DeleteMessageBatch":           jsonOp(s.deleteMessageBatch),
			"ChangeMessageVisibilityBatch": jsonOp(s.changeMessageVisibilityBatch),
			"SetQueueAttributes":           jsonOp(s.setQueueAttributes),
			"TagQueue":                     jsonOp(s.tagQueue),
			"UntagQueue":                   jsonOp(s.untagQueue),
			"ListQueueTags":                jsonOp(s.listQueueTags),
			"AddPermission":                jsonOp(s.addPermission),
			"RemovePermission":             jsonOp(s.removePermission),
			"ListDeadLetterSourceQueues":   jsonOp(s.listDeadLetterSourceQueues),
			"StartMessageMoveTask":         jsonOp(s.startMessageMoveTask),
			"ListMessageMoveTasks":         jsonOp(s.listMessageMoveTasks),
			"CancelMessageMoveTask":        jsonOp(s.cancelMessageMoveTask),
		},
	}
}

// validator is implemented by requests with required members.
type validator interface{ validate() error }

// jsonOp adapts a protocol-neutral handler to an awsJson operation: decode
// the body, check required members, call. An awsQuery adapter can call the
// same handlers with requests decoded from form parameters.
func jsonOp[Req any](h func(context.Context, *awsproto.Request, *Req) (any, error)) awsproto.Operation {
	return func(ctx context.Context, r *awsproto.Request) (any, error) {
		req, err := decodeRequest[Req](r)
		if err != nil {
			return nil, err
		}
		resp, err := h(ctx, r, req)
		if errors.Is(err, ErrQueueNotFound) {
			return nil, errQueueDoesNotExist()
		}
		return resp, err
	}
}

// decodeRequest decodes an awsJson body and checks its required members.
func decodeRequest[Req any](r *awsproto.Request) (*Req, error) {
	req := new(Req)
	if f, ok := any(req).(fastDecoder); !ok || !f.decodeFast(r.Body) {
		// The fast path (fastjson.go) may have filled in part of req
		// before it gave up.
		req = new(Req)
		if err := awsproto.DecodeJSON(r, req); err != nil {
			return nil, err
		}
	}
	if v, ok := any(req).(validator); ok {
		if err := v.validate(); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// noResult is the answer of an operation without output members: an empty
// object, or err.
func noResult(err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// scope is the caller's account and region.
func scope(r *awsproto.Request) Scope {
	return Scope{Account: r.Caller.Account, Region: r.Caller.Region}
}

// resolve finds the queue a QueueUrl names, in the caller's region.
func (s *Service) resolve(r *awsproto.Request, queueURL string) (*queue, error) {
	account, name, ok := parseQueueURL(queueURL)
	if !ok {
		return nil, errQueueDoesNotExist()
	}
	q := s.lookup(queueID{Scope{account, r.Caller.Region}, name})
	if q == nil {
		return nil, errQueueDoesNotExist()
	}
	return q, nil
}
