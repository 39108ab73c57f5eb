package target

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
)

// QueueMessage is what an SQS target sends.
type QueueMessage struct {
	Body string
	// GroupID is the target's SqsParameters.MessageGroupId (FIFO queues).
	GroupID string
	// DeduplicationID is set for FIFO queues (the event id).
	DeduplicationID string
	Attributes      map[string]QueueAttribute
}

// QueueAttribute is an SQS message attribute.
type QueueAttribute struct {
	DataType, StringValue string
}

// QueueSend delivers a message to a built-in queue. It returns
// ErrNoSuchQueue when the queue does not exist.
type QueueSend func(ctx context.Context, account, region, queue string, m QueueMessage) error

// ErrNoSuchQueue reports a missing built-in queue.
var ErrNoSuchQueue = errors.New("queue does not exist")

// SQSKind delivers events to built-in queues.
func SQSKind(send QueueSend) Kind {
	return func(a ARN) Target {
		return &sqsTarget{send: send, arn: a}
	}
}

type sqsTarget struct {
	send QueueSend
	arn  ARN
}

type sqsParams struct {
	SqsParameters *struct {
		MessageGroupId string `json:"MessageGroupId"`
	} `json:"SqsParameters"`
}

func (s *sqsTarget) Invoke(ctx context.Context, inv *Invocation) error {
	var p sqsParams
	_ = json.Unmarshal(inv.Config, &p)
	m := QueueMessage{Body: string(inv.Payload)}
	if p.SqsParameters != nil {
		m.GroupID = p.SqsParameters.MessageGroupId
	}
	if strings.HasSuffix(s.arn.Resource, ".fifo") {
		// EventBridge de-duplicates FIFO deliveries by event id.
		m.DeduplicationID = inv.EventID
	}
	err := s.send(ctx, s.arn.Account, s.arn.Region, s.arn.Resource, m)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNoSuchQueue):
		return &Error{Code: CodeNotFound, Message: "The specified queue does not exist: " + s.arn.Resource}
	default:
		var te *Error
		if errors.As(err, &te) {
			return te
		}
		return &Error{Code: CodeSDKClient, Message: err.Error(), Retryable: true}
	}
}

// ElasticConcurrency lets the lane of a built-in queue run more sends at
// once than the configured target concurrency while they complete fast: a
// send is a local store write, and a backlog of events (a replay, a burst)
// otherwise spills into the DELIVERIES stream.
func (s *sqsTarget) ElasticConcurrency() bool { return true }
