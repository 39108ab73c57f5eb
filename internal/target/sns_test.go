package target

import (
	"context"
	"errors"
	"testing"

	"github.com/switchyard/switchyard/internal/arn"
	"github.com/switchyard/switchyard/internal/awsproto"
)

func TestSNSTarget(t *testing.T) {
	var got TopicMessage
	var gotTopic string
	var fail error
	kind := SNSKind(func(ctx context.Context, account, region, topic string, m TopicMessage) (string, error) {
		gotTopic, got = account+"/"+region+"/"+topic, m
		return "m-1", fail
	})
	invoke := func(v, config string) error {
		a, err := arn.Parse(v)
		if err != nil {
			t.Fatal(err)
		}
		return kind(a).Invoke(context.Background(), &Invocation{TargetArn: v, EventID: "ev-1", Payload: []byte("hello"), Config: []byte(config)})
	}

	if err := invoke("arn:aws:sns:eu-west-1:111122223333:alerts", `{}`); err != nil {
		t.Fatal(err)
	}
	if gotTopic != "111122223333/eu-west-1/alerts" || got != (TopicMessage{Message: "hello"}) {
		t.Errorf("standard topic: %s %+v", gotTopic, got)
	}
	// FIFO topics get the target's group and the event id for deduplication.
	if err := invoke("arn:aws:sns:eu-west-1:111122223333:orders.fifo", `{"SqsParameters":{"MessageGroupId":"g1"}}`); err != nil {
		t.Fatal(err)
	}
	if got != (TopicMessage{Message: "hello", GroupID: "g1", DeduplicationID: "ev-1"}) {
		t.Errorf("FIFO topic: %+v", got)
	}

	for _, c := range []struct {
		err       error
		code      string
		retryable bool
	}{
		{ErrNoSuchTopic, CodeNotFound, false},
		{&awsproto.Error{Code: "InvalidParameter", Message: "Invalid parameter: Message too long"}, CodeInvalidParam, false},
		{&awsproto.Error{Code: "InternalError", Message: "oops", Status: 500}, CodeSDKClient, true},
		{errors.New("store unavailable"), CodeSDKClient, true},
	} {
		fail = c.err
		err := invoke("arn:aws:sns:eu-west-1:111122223333:alerts", `{}`)
		var te *Error
		if !errors.As(err, &te) || te.Code != c.code || Retryable(err) != c.retryable {
			t.Errorf("%v: got %v (retryable %v), want %s retryable %v", c.err, err, Retryable(err), c.code, c.retryable)
		}
	}
}
