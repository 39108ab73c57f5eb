// Command loadgen drives any EventBridge-compatible endpoint (Switchyard,
// moto_server, LocalStack, AWS itself) with the official AWS SDK: it sets
// up a bus, a rule and an SQS queue target, then N concurrent clients send
// PutEvents batches while consumers drain the queue. It reports accepted
// events per second, PutEvents request latency, and end-to-end latency
// (PutEvents sent -> message received from the queue).
//
//	go run ./bench/loadgen -endpoint http://127.0.0.1:4010 -clients 16 -duration 20s
//	go run ./bench/loadgen -endpoint http://127.0.0.1:4010 -rate 5000 -duration 20s
//
// With -rate the senders are paced to that many events per second (for
// latency at a given load); without it they send as fast as they can.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:4010", "EventBridge and SQS endpoint")
	clients := flag.Int("clients", 16, "concurrent PutEvents clients")
	consumers := flag.Int("consumers", 8, "concurrent queue consumers")
	duration := flag.Duration("duration", 20*time.Second, "how long to send")
	rate := flag.Int("rate", 0, "events per second in total (0: as fast as possible)")
	batch := flag.Int("batch", 10, "entries per PutEvents request (1-10)")
	detailSize := flag.Int("detail", 400, "approximate detail size in bytes")
	account := flag.String("account", "000000000000", "access key id (Switchyard: the account)")
	region := flag.String("region", "us-east-1", "region")
	drain := flag.Duration("drain", 30*time.Second, "how long to wait for the queue to drain after sending")
	label := flag.String("label", "", "name printed with the results")
	withRule := flag.Bool("rule", true, "create a rule and queue target (false: measure ingest alone)")
	del := flag.Bool("delete", false, "delete received messages (otherwise they are received with a long visibility timeout and left, so the measurement is not bounded by DeleteMessage calls)")
	flag.Parse()

	cfg := aws.Config{Region: *region, Credentials: credentials.NewStaticCredentialsProvider(*account, "secret", "")}
	eb := eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) { o.BaseEndpoint = endpoint })
	sq := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = endpoint })
	ctx := context.Background()

	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)
	bus, queue := "loadgen-"+suffix, "loadgen-"+suffix
	// A long visibility timeout lets consumers leave messages undeleted
	// (see -delete) without them coming back during the run.
	q, err := sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(queue), Attributes: map[string]string{"VisibilityTimeout": "900"}})
	check(err)
	attrs, err := sq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypesName{"QueueArn"}})
	check(err)
	_, err = eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(bus)})
	check(err)
	if *withRule {
		_, err = eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("all"), EventBusName: aws.String(bus),
			EventPattern: aws.String(`{"source":["loadgen"],"detail":{"kind":["order"]}}`)})
		check(err)
		_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("all"), EventBusName: aws.String(bus),
			Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(attrs.Attributes["QueueArn"])}}})
		check(err)
	} else {
		*consumers = 0
		*drain = 0
	}

	pad := make([]byte, max(*detailSize-80, 0))
	for i := range pad {
		pad[i] = 'x'
	}
	var sent, accepted, failedReq atomic.Int64
	var putLat latencies
	var e2eLat latencies
	var received atomic.Int64

	stop := make(chan struct{})
	var cwg sync.WaitGroup
	for i := 0; i < *consumers; i++ {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			consume(ctx, sq, q.QueueUrl, stop, &received, &e2eLat, *del)
		}()
	}

	var interval time.Duration
	if *rate > 0 {
		interval = time.Duration(float64(time.Second) * float64(*clients**batch) / float64(*rate))
	}
	start := time.Now()
	deadline := start.Add(*duration)
	var wg sync.WaitGroup
	for c := 0; c < *clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			next := time.Now().Add(time.Duration(c) * interval / time.Duration(*clients))
			entries := make([]ebtypes.PutEventsRequestEntry, *batch)
			for n := 0; time.Now().Before(deadline); n++ {
				if interval > 0 {
					if d := time.Until(next); d > 0 {
						time.Sleep(d)
					}
					next = next.Add(interval)
				}
				now := time.Now()
				for i := range entries {
					detail := fmt.Sprintf(`{"kind":"order","sent":%d,"client":%d,"n":%d,"pad":"%s"}`, now.UnixNano(), c, n, pad)
					entries[i] = ebtypes.PutEventsRequestEntry{Source: aws.String("loadgen"), DetailType: aws.String("Order"),
						Detail: aws.String(detail), EventBusName: aws.String(bus)}
				}
				out, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
				putLat.add(time.Since(now))
				sent.Add(int64(len(entries)))
				if err != nil {
					failedReq.Add(1)
					continue
				}
				accepted.Add(int64(len(entries)) - int64(out.FailedEntryCount))
			}
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	drainUntil := time.Now().Add(*drain)
	for *withRule && received.Load() < accepted.Load() && time.Now().Before(drainUntil) {
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	cwg.Wait()

	res := map[string]any{
		"label":               *label,
		"endpoint":            *endpoint,
		"clients":             *clients,
		"batch":               *batch,
		"target_rate":         *rate,
		"seconds":             elapsed.Seconds(),
		"sent":                sent.Load(),
		"accepted":            accepted.Load(),
		"failed_requests":     failedReq.Load(),
		"accepted_per_second": float64(accepted.Load()) / elapsed.Seconds(),
		"received":            received.Load(),
		"put_ms":              putLat.summary(),
		"end_to_end_ms":       e2eLat.summary(),
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(res)
}

type sqstypesName = sqstypes.QueueAttributeName

func consume(ctx context.Context, sq *sqs.Client, url *string, stop chan struct{}, received *atomic.Int64, lat *latencies, del bool) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		out, err := sq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		now := time.Now()
		var wg sync.WaitGroup
		for _, m := range out.Messages {
			var ev struct {
				Detail struct {
					Sent int64 `json:"sent"`
				} `json:"detail"`
			}
			if json.Unmarshal([]byte(*m.Body), &ev) == nil && ev.Detail.Sent > 0 {
				lat.add(now.Sub(time.Unix(0, ev.Detail.Sent)))
			}
			received.Add(1)
			if !del {
				continue
			}
			wg.Add(1)
			go func(h *string) {
				defer wg.Done()
				_, _ = sq.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: h})
			}(m.ReceiptHandle)
		}
		wg.Wait()
	}
}

type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) summary() map[string]float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return nil
	}
	s := slices.Clone(l.d)
	slices.Sort(s)
	q := func(p float64) float64 {
		return float64(s[min(int(p*float64(len(s))), len(s)-1)].Microseconds()) / 1000
	}
	return map[string]float64{"p50": q(0.50), "p90": q(0.90), "p99": q(0.99), "max": q(1), "n": float64(len(s))}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}
