package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Messages a queue acknowledged survive SIGKILL: senders run while the
// server is killed, and messages received but not deleted before the kill
// come back after their visibility timeout, counted as received twice.
// Standard and FIFO queues; FIFO groups keep their order.
func TestQueueKill9LosesNothingSent(t *testing.T) {
	k, e := startKillable(t)
	// Three restarts and the drain take longer than ctx's minute on a busy
	// machine.
	c, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	urls := map[string]string{}
	for _, name := range []string{"plain", "ordered.fifo"} {
		attrs := map[string]string{"VisibilityTimeout": "3"}
		if name == "ordered.fifo" {
			attrs["FifoQueue"] = "true"
		}
		out, err := e.sqs.CreateQueue(c, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
		if err != nil {
			t.Fatal(err)
		}
		urls[name] = *out.QueueUrl
	}

	// Received (and left undeleted) before any kill.
	for name, url := range urls {
		in := &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(name + "-inflight")}
		if name == "ordered.fifo" {
			in.MessageGroupId, in.MessageDeduplicationId = aws.String("g-inflight"), aws.String("inflight")
		}
		if _, err := e.sqs.SendMessage(c, in); err != nil {
			t.Fatal(err)
		}
		out, err := e.sqs.ReceiveMessage(c, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 2})
		if err != nil || len(out.Messages) != 1 {
			t.Fatalf("%s: receive before the kill: %v %v", name, out, err)
		}
	}

	var mu sync.Mutex
	accepted := map[string]bool{}  // bodies SQS acknowledged
	groupSeq := map[string][]int{} // FIFO: the order each group's sends were acknowledged in
	send := func(ctx context.Context, worker int) {
		for n := 0; ctx.Err() == nil; n++ {
			body := fmt.Sprintf("w%d-%d", worker, n)
			name := "plain"
			in := &sqs.SendMessageInput{MessageBody: aws.String(body)}
			if n%2 == 1 {
				name = "ordered.fifo"
				in.MessageGroupId, in.MessageDeduplicationId = aws.String(fmt.Sprint("g", worker)), aws.String(body)
			}
			in.QueueUrl = aws.String(urls[name])
			if _, err := e.sqs.SendMessage(ctx, in); err != nil {
				// Not acknowledged: the client may retry with the same
				// deduplication id, as an SDK would after a crash.
				time.Sleep(20 * time.Millisecond)
				continue
			}
			mu.Lock()
			accepted[name+"/"+body] = true
			if name == "ordered.fifo" {
				groupSeq[fmt.Sprint("g", worker)] = append(groupSeq[fmt.Sprint("g", worker)], n)
			}
			mu.Unlock()
		}
	}
	k.killDuring(c, send)
	if len(accepted) == 0 {
		t.Fatal("no messages acknowledged")
	}

	drainStart := time.Now()
	got := map[string]int{}
	inflightCount := map[string]string{}
	order := map[string][]string{}
	deadline := time.Now().Add(2 * time.Minute)
	// missingIn counts what a queue has still to return: acknowledged
	// sends, and the message in flight at the first kill.
	missingIn := func(name string) int {
		n := 0
		for k := range accepted {
			if q, _, _ := strings.Cut(k, "/"); q == name && got[k] == 0 {
				n++
			}
		}
		if inflightCount[name] == "" {
			n++
		}
		return n
	}
	missing := func() int { return missingIn("plain") + missingIn("ordered.fifo") }
	for missing() > 0 && time.Now().Before(deadline) {
		for name, url := range urls {
			// A FIFO receive returns one message per group: poll only the
			// queues that still owe messages, or an empty queue's long
			// poll paces the other's drain.
			if missingIn(name) == 0 {
				continue
			}
			out, err := e.sqs.ReceiveMessage(c, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
				MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"All"}})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range out.Messages {
				body := *m.Body
				if body == name+"-inflight" {
					inflightCount[name] = m.Attributes["ApproximateReceiveCount"]
				} else {
					got[name+"/"+body]++
					if g := m.Attributes["MessageGroupId"]; g != "" {
						order[g] = append(order[g], body)
					}
				}
				if _, err := e.sqs.DeleteMessage(c, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if n := missing(); n > 0 {
		byQueue := map[string]int{}
		var sample []string
		for k := range accepted {
			if got[k] == 0 {
				q, _, _ := strings.Cut(k, "/")
				byQueue[q]++
				if len(sample) < 10 {
					sample = append(sample, k)
				}
			}
		}
		t.Logf("missing by queue %v, e.g. %v; received per group: %v", byQueue, sample, groupCounts(order))
		t.Fatalf("%d acknowledged messages never came back (of %d; in-flight ones seen: %v)", n, len(accepted), inflightCount)
	}
	for name, count := range inflightCount {
		if count != "2" {
			t.Errorf("%s: the message in flight at the kill came back with ApproximateReceiveCount %s", name, count)
		}
	}
	// Each group's acknowledged sends arrive in the order they were sent
	// (a send that failed and was not retried may still have been stored,
	// so only the acknowledged ones are checked, as a subsequence).
	for g, seq := range groupSeq {
		w := g[1:]
		i := 0
		for _, body := range order[g] {
			if i < len(seq) && body == fmt.Sprintf("w%s-%d", w, seq[i]) {
				i++
			}
		}
		if i != len(seq) {
			t.Errorf("group %s: acknowledged sends %v arrived as %v", g, seq, order[g])
		}
	}
	t.Logf("%d messages acknowledged across 3 kill -9 restarts; all received in %v", len(accepted), time.Since(drainStart).Round(time.Millisecond))
}

func groupCounts(order map[string][]string) map[string]int {
	out := map[string]int{}
	for g, b := range order {
		out[g] = len(b)
	}
	return out
}
