package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// drainQueue is one queue to receive into its ledger. parse returns a
// received message's payload id and the id it is matched by (the event
// id inside an event, or the message's MessageId).
type drainQueue struct {
	url   string
	l     *ledger
	parse func(m sqstypes.Message) (pid, id string)
}

// consumers receive, record and delete messages, workers receivers per
// queue, from when they are started (with the load, or after it) until
// drain ends them.
type consumers struct {
	cancel   context.CancelFunc
	draining chan struct{} // closed when the load has stopped
	wg       sync.WaitGroup
}

func startConsumers(ctx context.Context, c *sqs.Client, queues []drainQueue, workers int) *consumers {
	ctx, cancel := context.WithCancel(ctx)
	cs := &consumers{cancel: cancel, draining: make(chan struct{})}
	for _, q := range queues {
		var finished atomic.Bool
		for range workers {
			cs.wg.Add(1)
			go func() {
				defer cs.wg.Done()
				cs.consume(ctx, c, q, &finished)
			}()
		}
	}
	return cs
}

// consume receives from q until q is finished: once the load has stopped,
// every payload its ledger acknowledged was received and a receive then
// came back empty.
func (cs *consumers) consume(ctx context.Context, c *sqs.Client, q drainQueue, finished *atomic.Bool) {
	for ctx.Err() == nil && !finished.Load() {
		draining := false
		select {
		case <-cs.draining:
			draining = true
		default:
		}
		complete := draining && q.l.complete()
		n, err := receiveOnce(ctx, c, q)
		if err != nil {
			q.l.receiveErrors.Add(1)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if n == 0 && complete {
			finished.Store(true)
		}
	}
}

// drain tells the consumers that the load has stopped and waits until
// every queue is finished, or until the deadline.
func (cs *consumers) drain(deadline time.Time) {
	close(cs.draining)
	done := make(chan struct{})
	go func() { cs.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Until(deadline)):
	}
	cs.cancel()
	<-done
}

// receiveOnce receives up to ten messages, records them and deletes them;
// it returns how many it received.
func receiveOnce(ctx context.Context, c *sqs.Client, q drainQueue) (int, error) {
	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q.url), MaxNumberOfMessages: 10,
		WaitTimeSeconds: 1, MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"All"}})
	if err != nil {
		return 0, err
	}
	if len(out.Messages) == 0 {
		return 0, nil
	}
	entries := make([]sqstypes.DeleteMessageBatchRequestEntry, len(out.Messages))
	for i, m := range out.Messages {
		pid, id := q.parse(m)
		seq, _ := strconv.ParseUint(strings.TrimLeft(m.Attributes["SequenceNumber"], "0"), 10, 64)
		count, _ := strconv.Atoi(m.Attributes["ApproximateReceiveCount"])
		q.l.receive(pid, id, aws.ToString(m.MessageId), seq, count)
		entries[i] = sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
	}
	// A delete that fails leaves the message to come back after its
	// visibility timeout: it is then counted as a duplicate.
	_, err = c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(q.url), Entries: entries})
	return len(out.Messages), err
}

// parseMessage reads the payload id from a message body sent by the load.
func parseMessage(m sqstypes.Message) (string, string) {
	var b struct {
		PID string `json:"pid"`
	}
	_ = json.Unmarshal([]byte(aws.ToString(m.Body)), &b)
	return b.PID, aws.ToString(m.MessageId)
}

// parseEvent reads the event id and the payload id from an event the rule
// delivered to the target queue.
func parseEvent(m sqstypes.Message) (string, string) {
	var ev struct {
		ID     string `json:"id"`
		Detail struct {
			PID string `json:"pid"`
		} `json:"detail"`
	}
	_ = json.Unmarshal([]byte(aws.ToString(m.Body)), &ev)
	return ev.Detail.PID, ev.ID
}
