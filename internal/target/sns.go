package target

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/switchyard/switchyard/internal/awsproto"
)

// TopicMessage is what an SNS target publishes.
type TopicMessage struct {
	Message string
	// GroupID and DeduplicationID are set for FIFO topics: the target's
	// SqsParameters.MessageGroupId and the event id.
	GroupID, DeduplicationID string
}

// TopicPublish publishes to a built-in topic and returns the message id. It
// returns ErrNoSuchTopic when the topic does not exist, and an
// *awsproto.Error when SNS would refuse the message.
type TopicPublish func(ctx context.Context, account, region, topic string, m TopicMessage) (string, error)

// ErrNoSuchTopic reports a missing built-in topic.
var ErrNoSuchTopic = errors.New("topic does not exist")

// SNSKind delivers events to built-in topics: the target's payload (the
// event, or what its Input/InputPath/InputTransformer makes of it) is
// published as the message, as EventBridge does.
func SNSKind(publish TopicPublish) Kind {
	return func(a ARN) Target {
		return &snsTarget{publish: publish, arn: a}
	}
}

type snsTarget struct {
	publish TopicPublish
	arn     ARN
}

func (s *snsTarget) Invoke(ctx context.Context, inv *Invocation) error {
	m := TopicMessage{Message: string(inv.Payload)}
	if strings.HasSuffix(s.arn.Resource, ".fifo") {
		var p sqsParams
		_ = json.Unmarshal(inv.Config, &p)
		if p.SqsParameters != nil {
			m.GroupID = p.SqsParameters.MessageGroupId
		}
		m.DeduplicationID = inv.EventID
	}
	_, err := s.publish(ctx, s.arn.Account, s.arn.Region, s.arn.Resource, m)
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrNoSuchTopic) {
		return &Error{Code: CodeNotFound, Message: "Topic does not exist: " + s.arn.Resource}
	}
	var te *Error
	if errors.As(err, &te) {
		return te
	}
	var ae *awsproto.Error
	if errors.As(err, &ae) && ae.Status < 500 {
		return &Error{Code: CodeInvalidParam, Message: ae.Message}
	}
	return &Error{Code: CodeSDKClient, Message: err.Error(), Retryable: true}
}
