package queue

import (
	"context"
	"fmt"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// roundTrips runs workers SDK clients, each looping over round until n
// messages went through, and reports msgs/s: messages sent, received and
// deleted.
func roundTrips(b *testing.B, e *env, workers int, round func(c *sqs.Client, w int) (int, error)) {
	clients := make([]*sqs.Client, workers)
	for i := range clients {
		clients[i] = e.newClient(16)
	}
	var done atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done.Load() < int64(b.N) {
				n, err := round(clients[w], w)
				if err != nil {
					b.Error(err)
					return
				}
				done.Add(int64(n))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(done.Load())/elapsed.Seconds(), "msgs/s")
}

// sendReceiveDelete is one message through SendMessage, ReceiveMessage and
// DeleteMessage.
func sendReceiveDelete(ctx context.Context, c *sqs.Client, in *sqs.SendMessageInput) (int, error) {
	url := in.QueueUrl
	if _, err := c.SendMessage(ctx, in); err != nil {
		return 0, err
	}
	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, WaitTimeSeconds: 1})
	if err != nil {
		return 0, err
	}
	for _, m := range out.Messages {
		if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: m.ReceiptHandle}); err != nil {
			return 0, err
		}
	}
	return len(out.Messages), nil
}

// batchRound is ten messages through SendMessageBatch, ReceiveMessage (up
// to ten) and DeleteMessageBatch.
func batchRound(ctx context.Context, c *sqs.Client, url, body *string) (int, error) {
	entries := make([]types.SendMessageBatchRequestEntry, 10)
	for i := range entries {
		entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: body}
	}
	if _, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: url, Entries: entries}); err != nil {
		return 0, err
	}
	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
	if err != nil || len(out.Messages) == 0 {
		return 0, err
	}
	del := make([]types.DeleteMessageBatchRequestEntry, len(out.Messages))
	for i, m := range out.Messages {
		del[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
	}
	res, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: url, Entries: del})
	if err != nil {
		return 0, err
	}
	if len(res.Failed) > 0 {
		return 0, fmt.Errorf("delete batch: %+v", res.Failed[0])
	}
	return len(out.Messages), nil
}

// BenchmarkSendReceiveDelete measures the full SQS round trip of messages
// through SDK clients, HTTP and the store on one queue: one message at a
// time (SendMessage, ReceiveMessage, DeleteMessage) and in batches of ten
// (SendMessageBatch, ReceiveMessage of ten, DeleteMessageBatch), by 1 to 64
// concurrent clients. msgs/s counts messages through all three calls.
func BenchmarkSendReceiveDelete(b *testing.B) {
	body := aws.String(strings.Repeat("x", 512))
	for _, mode := range []string{"single", "batch"} {
		for _, workers := range []int{1, 16, 64} {
			b.Run(fmt.Sprintf("%s/clients=%d", mode, workers), func(b *testing.B) {
				e := newEnv(b)
				ctx := context.Background()
				url := aws.String(e.createQueue("bench", nil))
				roundTrips(b, e, workers, func(c *sqs.Client, _ int) (int, error) {
					if mode == "batch" {
						return batchRound(ctx, c, url, body)
					}
					return sendReceiveDelete(ctx, c, &sqs.SendMessageInput{QueueUrl: url, MessageBody: body})
				})
			})
		}
	}
	b.Run("fifo/clients=16", func(b *testing.B) {
		e := newEnv(b)
		ctx := context.Background()
		url := aws.String(e.createQueue("bench.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}))
		var n atomic.Int64
		roundTrips(b, e, 16, func(c *sqs.Client, w int) (int, error) {
			body := aws.String("m" + strconv.FormatInt(n.Add(1), 10))
			return sendReceiveDelete(ctx, c, &sqs.SendMessageInput{QueueUrl: url, MessageBody: body, MessageGroupId: aws.String("g" + strconv.Itoa(w))})
		})
	})
}

// BenchmarkThousandQueues measures messages/s across 1,000 queues (64
// clients, each round on the next queue) and the memory 1,000 queues take
// once each has been received from (Go heap of the whole process, which
// holds the embedded JetStream server, after GC: queue records and the
// receive consumers a receive creates), and again once each queue has had
// a message. (The previous layout, a stream per queue: 68.8 and 319.6
// MiB, 535 msgs/s; this one: 32.5 and 34.3 MiB, 893 msgs/s, on a loaded
// 2-core machine. Idle queues without consumers: TestThousandQueuesCostMemoryOnly.)
func BenchmarkThousandQueues(b *testing.B) {
	const queues = 1000
	e := newEnv(b)
	ctx := context.Background()
	heap := func() uint64 {
		goruntime.GC()
		goruntime.GC()
		var ms goruntime.MemStats
		goruntime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	urls := make([]*string, queues)
	parallel(queues, func(i int) {
		urls[i] = aws.String(e.createQueue(fmt.Sprintf("q-%04d", i), nil))
		// The first receive creates the queue's consumer.
		e.receive(&sqs.ReceiveMessageInput{QueueUrl: urls[i]})
	})
	idle := heap() - before
	parallel(queues, func(i int) {
		// Warm up: the first message creates the stream's files.
		if n, err := sendReceiveDelete(ctx, e.client, &sqs.SendMessageInput{QueueUrl: urls[i], MessageBody: aws.String("warm-up")}); err != nil || n != 1 {
			b.Errorf("warm-up of %s: %d %v", *urls[i], n, err)
		}
	})
	used := heap() - before
	body := aws.String(strings.Repeat("x", 512))
	var next atomic.Int64
	roundTrips(b, e, 64, func(c *sqs.Client, _ int) (int, error) {
		return sendReceiveDelete(ctx, c, &sqs.SendMessageInput{QueueUrl: urls[next.Add(1)%queues], MessageBody: body})
	})
	b.ReportMetric(float64(idle)/(1<<20), "MiB/1000-idle-queues")
	b.ReportMetric(float64(used)/(1<<20), "MiB/1000-used-queues")
}
