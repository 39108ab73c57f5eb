package topic

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// BenchmarkPublish10SQS publishes ~200-byte messages to one topic with 10
// sqs subscriptions and waits until every delivery has reached its queue.
// "publish/s" counts accepted publishes and "deliveries/s" messages landed
// in queues, both over the whole run (publishing and draining). GoAPI calls
// Service.Publish (what the EventBridge sns target uses); SDK sends Publish
// over HTTP (awsQuery) with the official client. Both from 16 goroutines.
func BenchmarkPublish10SQS(b *testing.B) {
	for _, mode := range []string{"GoAPI", "SDK"} {
		b.Run(mode, func(b *testing.B) {
			e := newEnv(b, Options{})
			ctx := context.Background()
			arn := e.createTopic("bench", nil)
			for i := 0; i < 10; i++ {
				_, qarn := e.createQueue(fmt.Sprintf("q%d", i), nil)
				e.subscribe(arn, "sqs", qarn, nil)
			}
			msg := strings.Repeat("x", 200)
			sc := Scope{Account: "000000000000", Region: "us-east-1"}
			const workers = 16
			per := b.N/workers + 1
			base := e.svc.Stats().Delivered.Load()
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < per; i++ {
						var err error
						if mode == "GoAPI" {
							_, err = e.svc.Publish(ctx, sc, "bench", PublishInput{Message: msg})
						} else {
							_, err = e.sns.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(arn), Message: aws.String(msg)})
						}
						if err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			published := time.Since(start)
			want := base + int64(per*workers*10)
			deadline := time.Now().Add(5 * time.Minute)
			for e.svc.Stats().Delivered.Load() < want && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			total := time.Since(start)
			b.StopTimer()
			if got := e.svc.Stats().Delivered.Load(); got < want {
				b.Fatalf("delivered %d of %d", got-base, want-base)
			}
			n := float64(per * workers)
			b.ReportMetric(n/published.Seconds(), "publish/s")
			b.ReportMetric(n*10/total.Seconds(), "deliveries/s")
		})
	}
}
