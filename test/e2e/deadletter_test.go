package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// A target that names nothing Switchyard can reach fails without retries
// and its event lands in the dead-letter queue with EventBridge's
// attributes.
func TestUnreachableTargetGoesToDeadLetterQueue(t *testing.T) {
	e := start(t)
	c := ctx(t)
	dlqURL, dlqArn := e.queue("dlq")
	if _, err := e.eb.PutRule(c, &eventbridge.PutRuleInput{
		Name: aws.String("r"), EventPattern: aws.String(`{"source":["app"]}`),
	}); err != nil {
		t.Fatal(err)
	}
	targets := []ebtypes.Target{
		{Id: aws.String("missing-queue"), Arn: aws.String("arn:aws:sqs:us-east-1:" + testAccount + ":does-not-exist"),
			DeadLetterConfig: &ebtypes.DeadLetterConfig{Arn: aws.String(dlqArn)}},
		{Id: aws.String("lambda"), Arn: aws.String("arn:aws:lambda:us-east-1:" + testAccount + ":function:f"),
			DeadLetterConfig: &ebtypes.DeadLetterConfig{Arn: aws.String(dlqArn)},
			RetryPolicy:      &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(3), MaximumEventAgeInSeconds: aws.Int32(3600)}},
	}
	if _, err := e.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: aws.String("r"), Targets: targets}); err != nil {
		t.Fatal(err)
	}
	put, err := e.eb.PutEvents(c, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{Source: aws.String("app"), DetailType: aws.String("t"), Detail: aws.String(`{"a":1}`)},
	}})
	if err != nil || put.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %v %+v", err, put)
	}
	got := map[string]map[string]string{}
	deadline := time.Now().Add(15 * time.Second)
	for len(got) < 2 && time.Now().Before(deadline) {
		out, err := e.sqs.ReceiveMessage(c, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(dlqURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageAttributeNames: []string{"All"},
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			var ev map[string]any
			if err := json.Unmarshal([]byte(*m.Body), &ev); err != nil || ev["id"] != *put.Entries[0].EventId {
				t.Fatalf("dead letter body %s", *m.Body)
			}
			attrs := map[string]string{}
			for k, v := range m.MessageAttributes {
				attrs[k] = aws.ToString(v.StringValue)
			}
			got[attrs["TARGET_ARN"]] = attrs
			checkAttr(t, m.MessageAttributes)
		}
	}
	if len(got) != 2 {
		t.Fatalf("dead letters: %v", got)
	}
	for arn, a := range got {
		if a["ERROR_CODE"] != "NO_RESOURCE" || a["RETRY_ATTEMPTS"] != "0" || a["RULE_ARN"] != "arn:aws:events:us-east-1:"+testAccount+":rule/r" || a["ERROR_MESSAGE"] == "" {
			t.Errorf("%s: attributes %v", arn, a)
		}
		if _, ok := a["EXHAUSTED_RETRY_CONDITION"]; ok {
			t.Errorf("%s: a failure without retries has EXHAUSTED_RETRY_CONDITION", arn)
		}
	}
}

func checkAttr(t *testing.T, attrs map[string]sqstypes.MessageAttributeValue) {
	t.Helper()
	for _, k := range []string{"RULE_ARN", "TARGET_ARN", "ERROR_CODE", "ERROR_MESSAGE", "RETRY_ATTEMPTS"} {
		if _, ok := attrs[k]; !ok {
			t.Errorf("missing attribute %s", k)
		}
	}
}

// Events flow from one bus to another through an event bus target and keep
// their id.
func TestBusToBusKeepsEventID(t *testing.T) {
	e := start(t)
	c := ctx(t)
	url, arn := e.queue("sink")
	if _, err := e.eb.CreateEventBus(c, &eventbridge.CreateEventBusInput{Name: aws.String("second")}); err != nil {
		t.Fatal(err)
	}
	mustRule := func(name, bus, pat string, target ebtypes.Target) {
		if _, err := e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String(name), EventBusName: aws.String(bus), EventPattern: aws.String(pat)}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: aws.String(name), EventBusName: aws.String(bus), Targets: []ebtypes.Target{target}}); err != nil {
			t.Fatal(err)
		}
	}
	mustRule("forward", "default", `{"source":["app"]}`, ebtypes.Target{Id: aws.String("b"), Arn: aws.String("arn:aws:events:us-east-1:" + testAccount + ":event-bus/second")})
	mustRule("collect", "second", `{"source":["app"]}`, ebtypes.Target{Id: aws.String("q"), Arn: aws.String(arn)})
	// A loop: second forwards back to default. Hops are bounded.
	mustRule("back", "second", `{"source":["app"]}`, ebtypes.Target{Id: aws.String("b"), Arn: aws.String("arn:aws:events:us-east-1:" + testAccount + ":event-bus/default")})
	put, err := e.eb.PutEvents(c, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{Source: aws.String("app"), DetailType: aws.String("t"), Detail: aws.String(`{}`)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	bodies := e.receive(url, 3, 10*time.Second)
	if len(bodies) < 1 {
		t.Fatal("nothing arrived on the second bus")
	}
	for _, b := range bodies {
		var ev map[string]any
		_ = json.Unmarshal([]byte(b), &ev)
		if ev["id"] != *put.Entries[0].EventId {
			t.Fatalf("id changed: %v", ev["id"])
		}
	}
	// The loop ends: no more than MaxHops round trips.
	time.Sleep(500 * time.Millisecond)
	more := e.receive(url, 100, 2*time.Second)
	if total := len(bodies) + len(more); total > 5 {
		t.Fatalf("loop not bounded: %d deliveries", total)
	}
}
