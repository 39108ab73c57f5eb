package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/switchyard/switchyard/internal/config"
)

// A rule whose target is an SNS topic: the target's payload is published
// as the message, and the topic fans it out to its subscriptions (here
// two queues, one with SNS's JSON envelope, one raw), filtered by their
// filter policies.
func TestEventBridgeToSNS(t *testing.T) {
	e := start(t)
	c := ctx(t)
	topics := sns.NewFromConfig(e.cfg, func(o *sns.Options) { o.BaseEndpoint = aws.String(e.srv.URL()) })

	topic, err := topics.CreateTopic(c, &sns.CreateTopicInput{Name: aws.String("sales")})
	if err != nil {
		t.Fatal(err)
	}
	envURL, envArn := e.queue("sales-envelope")
	rawURL, rawArn := e.queue("sales-raw")
	_, otherArn := e.queue("sales-other")
	if _, err := topics.Subscribe(c, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(envArn)}); err != nil {
		t.Fatal(err)
	}
	if _, err := topics.Subscribe(c, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(rawArn),
		Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}
	// A body-scoped filter policy that the message does not satisfy.
	if _, err := topics.Subscribe(c, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(otherArn),
		Attributes: map[string]string{"RawMessageDelivery": "true", "FilterPolicyScope": "MessageBody", "FilterPolicy": `{"tier":["free"]}`}}); err != nil {
		t.Fatal(err)
	}

	if _, err := e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String("premium"), EventPattern: aws.String(`{"detail":{"tier":["premium"]}}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: aws.String("premium"), Targets: []ebtypes.Target{{
		Id: aws.String("sns"), Arn: topic.TopicArn, InputPath: aws.String("$.detail"),
	}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eb.PutEvents(c, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{Source: aws.String("users"), DetailType: aws.String("Registered"), Detail: aws.String(`{"user":"u1","tier":"premium"}`)},
	}}); err != nil {
		t.Fatal(err)
	}

	raw := e.receive(rawURL, 1, 10*time.Second)
	if len(raw) != 1 || raw[0] != `{"user":"u1","tier":"premium"}` {
		t.Fatalf("raw subscription got %q", raw)
	}
	got := e.receive(envURL, 1, 10*time.Second)
	if len(got) != 1 {
		t.Fatalf("envelope subscription got %d messages", len(got))
	}
	var env struct {
		Type, MessageId, TopicArn, Message, Signature, SigningCertURL, SignatureVersion string
	}
	if err := json.Unmarshal([]byte(got[0]), &env); err != nil {
		t.Fatal(err)
	}
	if env.Type != "Notification" || env.TopicArn != *topic.TopicArn || env.Message != raw[0] ||
		env.Signature == "" || env.SignatureVersion != "1" || env.MessageId == "" {
		t.Errorf("envelope %s", got[0])
	}
	var stats struct {
		Topics map[string]int64 `json:"topics"`
	}
	// A delivery is counted once its send returned, a moment after the
	// message can be received.
	for deadline := time.Now().Add(5 * time.Second); ; {
		resp, err := http.Get(e.srv.URL() + "/_switchyard/stats")
		if err != nil {
			t.Fatal(err)
		}
		_ = json.NewDecoder(resp.Body).Decode(&stats)
		resp.Body.Close()
		if stats.Topics["delivered"] >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if stats.Topics["delivered"] != 2 || stats.Topics["filtered"] != 1 {
		t.Errorf("topic stats %v", stats.Topics)
	}

	// A missing topic is a missing resource: straight to the DLQ.
	dlqURL, dlqArn := e.queue("sns-dlq")
	if _, err := e.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: aws.String("premium"), Targets: []ebtypes.Target{{
		Id: aws.String("gone"), Arn: aws.String("arn:aws:sns:us-east-1:" + testAccount + ":gone"),
		DeadLetterConfig: &ebtypes.DeadLetterConfig{Arn: aws.String(dlqArn)},
	}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eb.PutEvents(c, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{Source: aws.String("users"), DetailType: aws.String("Registered"), Detail: aws.String(`{"user":"u2","tier":"premium"}`)},
	}}); err != nil {
		t.Fatal(err)
	}
	dead := e.adDeadLetters(t, dlqURL, 1)
	if len(dead) != 1 || dead[0]["ERROR_CODE"] != "NO_RESOURCE" {
		t.Errorf("dead letters %v", dead)
	}
}

// A lambda subscription invokes a function from the configuration with
// the event SNS sends Lambda: Records[0].Sns carries the message.
func TestSNSToLambda(t *testing.T) {
	got := make(chan []byte, 4)
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
	}))
	defer fn.Close()
	e := start(t, func(c *config.Config) {
		c.Targets.Lambda = map[string]config.LambdaFunction{"notify": {URL: fn.URL}}
	})
	c := ctx(t)
	topics := sns.NewFromConfig(e.cfg, func(o *sns.Options) { o.BaseEndpoint = aws.String(e.srv.URL()) })
	topic, err := topics.CreateTopic(c, &sns.CreateTopicInput{Name: aws.String("alerts")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := topics.Subscribe(c, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("lambda"),
		Endpoint: aws.String("arn:aws:lambda:us-east-1:" + testAccount + ":function:notify")}); err != nil {
		t.Fatal(err)
	}
	if _, err := topics.Publish(c, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("disk full"), Subject: aws.String("ops"),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{"severity": {DataType: aws.String("String"), StringValue: aws.String("high")}}}); err != nil {
		t.Fatal(err)
	}
	var body []byte
	select {
	case body = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("the function was not invoked")
	}
	var ev struct {
		Records []struct {
			EventSource string
			Sns         struct {
				Type, TopicArn, Subject, Message string
				MessageAttributes                map[string]struct{ Type, Value string }
			}
		}
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if len(ev.Records) != 1 || ev.Records[0].EventSource != "aws:sns" {
		t.Fatalf("event %s", body)
	}
	s := ev.Records[0].Sns
	if s.Type != "Notification" || s.TopicArn != *topic.TopicArn || s.Subject != "ops" || s.Message != "disk full" ||
		s.MessageAttributes["severity"].Value != "high" || s.MessageAttributes["severity"].Type != "String" {
		t.Errorf("event %s", body)
	}
}
