package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Every message a topic acknowledged (Publish returned a MessageId)
// reaches its queue subscription across SIGKILLs of the server.
func TestTopicKill9LosesNothingPublished(t *testing.T) {
	k, e := startKillable(t)
	// Three restarts and the drain take longer than ctx's minute on a busy
	// machine.
	c, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	topics := sns.NewFromConfig(e.cfg, func(o *sns.Options) { o.BaseEndpoint = aws.String("http://" + k.addr) })
	topic, err := topics.CreateTopic(c, &sns.CreateTopicInput{Name: aws.String("durable")})
	if err != nil {
		t.Fatal(err)
	}
	q, err := e.sqs.CreateQueue(c, &sqs.CreateQueueInput{QueueName: aws.String("durable-sub")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := topics.Subscribe(c, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
		Endpoint: aws.String("arn:aws:sqs:us-east-1:" + testAccount + ":durable-sub")}); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	accepted := map[string]bool{} // MessageIds Publish returned
	publish := func(ctx context.Context, worker int) {
		for n := 0; ctx.Err() == nil; n++ {
			out, err := topics.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(fmt.Sprintf("w%d-%d", worker, n))})
			if err != nil {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			mu.Lock()
			accepted[*out.MessageId] = true
			mu.Unlock()
		}
	}
	k.killDuring(c, publish)
	if len(accepted) == 0 {
		t.Fatal("no messages published")
	}

	got := map[string]bool{}
	missing := func() int {
		n := 0
		for id := range accepted {
			if !got[id] {
				n++
			}
		}
		return n
	}
	for deadline := time.Now().Add(2 * time.Minute); missing() > 0 && time.Now().Before(deadline); {
		out, err := e.sqs.ReceiveMessage(c, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			var env struct{ MessageId string }
			if err := json.Unmarshal([]byte(*m.Body), &env); err != nil {
				t.Fatalf("%v: %s", err, *m.Body)
			}
			got[env.MessageId] = true
			if _, err := e.sqs.DeleteMessage(c, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := missing(); n > 0 {
		t.Fatalf("%d of %d published messages never reached the subscribed queue", n, len(accepted))
	}
	t.Logf("%d messages published across 3 kill -9 restarts; all delivered", len(accepted))
}
