package queue

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// BenchmarkSendReceiveDelete measures the full SQS round trip of one
// message through the SDK client, HTTP and the store: SendMessage,
// ReceiveMessage, DeleteMessage, by several clients on one queue. msgs/s
// counts messages through all three calls.
func BenchmarkSendReceiveDelete(b *testing.B) {
	for _, workers := range []int{1, 16} {
		b.Run("workers="+strconv.Itoa(workers), func(b *testing.B) {
			e := newEnv(b)
			ctx := context.Background()
			url := aws.String(e.createQueue("bench", nil))
			body := aws.String(strings.Repeat("x", 512))
			var next, done atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for next.Add(1) <= int64(b.N) {
						if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: body}); err != nil {
							b.Error(err)
							return
						}
						out, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, WaitTimeSeconds: 1})
						if err != nil {
							b.Error(err)
							return
						}
						for _, m := range out.Messages {
							if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: m.ReceiptHandle}); err != nil {
								b.Error(err)
								return
							}
							done.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(done.Load())/elapsed.Seconds(), "msgs/s")
		})
	}
}
