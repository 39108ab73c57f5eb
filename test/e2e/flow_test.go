package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// queueArn creates a queue and returns its URL and ARN.
func (e *env) queue(name string) (string, string) {
	e.t.Helper()
	c := ctx(e.t)
	out, err := e.sqs.CreateQueue(c, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		e.t.Fatal(err)
	}
	return *out.QueueUrl, "arn:aws:sqs:" + e.cfg.Region + ":" + testAccount + ":" + name
}

// receive waits for up to n messages on a queue, deleting them.
func (e *env) receive(url string, n int, wait time.Duration) []string {
	e.t.Helper()
	c := ctx(e.t)
	var bodies []string
	deadline := time.Now().Add(wait)
	for len(bodies) < n && time.Now().Before(deadline) {
		out, err := e.sqs.ReceiveMessage(c, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, m := range out.Messages {
			bodies = append(bodies, *m.Body)
			if _, err := e.sqs.DeleteMessage(c, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	return bodies
}

func TestPutEventsToQueue(t *testing.T) {
	e := start(t)
	c := ctx(t)
	url, arn := e.queue("orders")
	if _, err := e.eb.CreateEventBus(c, &eventbridge.CreateEventBusInput{Name: aws.String("shop")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eb.PutRule(c, &eventbridge.PutRuleInput{
		Name: aws.String("big-orders"), EventBusName: aws.String("shop"),
		EventPattern: aws.String(`{"source":["shop.orders"],"detail":{"total":[{"numeric":[">",100]}]}}`),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eb.PutTargets(c, &eventbridge.PutTargetsInput{
		Rule: aws.String("big-orders"), EventBusName: aws.String("shop"),
		Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(arn)}},
	}); err != nil {
		t.Fatal(err)
	}
	out, err := e.eb.PutEvents(c, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{Source: aws.String("shop.orders"), DetailType: aws.String("Order"), Detail: aws.String(`{"total": 250}`), EventBusName: aws.String("shop")},
		{Source: aws.String("shop.orders"), DetailType: aws.String("Order"), Detail: aws.String(`{"total": 5}`), EventBusName: aws.String("shop")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if out.FailedEntryCount != 0 || len(out.Entries) != 2 || out.Entries[0].EventId == nil {
		t.Fatalf("PutEvents: %+v", out)
	}
	bodies := e.receive(url, 1, 10*time.Second)
	if len(bodies) != 1 {
		t.Fatalf("got %d messages", len(bodies))
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(bodies[0]), &ev); err != nil {
		t.Fatal(err)
	}
	if ev["id"] != *out.Entries[0].EventId || ev["source"] != "shop.orders" || ev["account"] != testAccount {
		t.Fatalf("event %v", ev)
	}
	if more := e.receive(url, 1, 1500*time.Millisecond); len(more) != 0 {
		t.Fatalf("unexpected extra messages %v", more)
	}
}
