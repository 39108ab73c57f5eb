// Command soak creates and deletes rules and queues on an in-process
// Switchyard server, in rounds, and reports what the process holds at each
// step: open file descriptors, goroutines, live heap (after a forced
// collection) and resident memory. Resources that outlive what they
// belong to show as growth from round to round; a per-queue cost shows as
// descriptors or goroutines that rise with the queue count.
//
//	go run ./bench/soak -rules 10000 -queues 1000 -rounds 2
//
// Each round creates -buses buses with -rules rules spread over them (each
// with a pattern and an input transformer targeting one of the queues),
// creates -queues queues, puts an event matching every rule and sends a
// message to every queue, lets them be delivered, then deletes it all and
// waits -settle for idle state to be swept.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/switchyard/switchyard/internal/config"
	"github.com/switchyard/switchyard/internal/server"
)

type sample struct {
	Step       string  `json:"step"`
	FDs        int     `json:"fds"`
	Goroutines int     `json:"goroutines"`
	HeapMB     float64 `json:"heap_mb"`
	RSSMB      float64 `json:"rss_mb"`
}

func main() {
	rules := flag.Int("rules", 10000, "rules per round")
	buses := flag.Int("buses", 100, "buses the rules are spread over")
	queues := flag.Int("queues", 1000, "queues per round")
	rounds := flag.Int("rounds", 2, "create/delete rounds")
	settle := flag.Duration("settle", 70*time.Second, "wait after deleting, for idle state to be swept")
	workers := flag.Int("workers", 16, "concurrent API clients")
	profiles := flag.String("heapprofile", "", "directory to write a heap profile at each step into")
	flag.Parse()

	dir, err := os.MkdirTemp("", "soak-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = dir
	srv := server.New(cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	ctx := context.Background()
	if err := srv.Start(ctx); err != nil {
		fail(err)
	}
	defer srv.Close(ctx)

	awsCfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("000000000000", "secret", "")}
	eb := eventbridge.NewFromConfig(awsCfg, func(o *eventbridge.Options) { o.BaseEndpoint = aws.String(srv.URL()) })
	sq := sqs.NewFromConfig(awsCfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(srv.URL()) })

	var out []sample
	take := func(step string) {
		s := measure(step)
		if *profiles != "" {
			f, err := os.Create(filepath.Join(*profiles, strings.NewReplacer(" ", "-", ":", "").Replace(step)+".pprof"))
			must(err)
			must(pprof.Lookup("heap").WriteTo(f, 0))
			f.Close()
		}
		out = append(out, s)
		fmt.Fprintf(os.Stderr, "%-28s fds %5d  goroutines %6d  heap %7.1f MB  rss %7.1f MB\n", s.Step, s.FDs, s.Goroutines, s.HeapMB, s.RSSMB)
	}
	take("start")
	for round := 1; round <= *rounds; round++ {
		start := time.Now()
		queueURLs := make([]string, *queues)
		parallel(*queues, *workers, func(i int) {
			q, err := sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(fmt.Sprintf("soak-%d-%d", round, i))})
			must(err)
			queueURLs[i] = *q.QueueUrl
		})
		parallel(*buses, *workers, func(b int) {
			_, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(fmt.Sprintf("soak-%d", b))})
			must(err)
		})
		parallel(*rules, *workers, func(i int) {
			bus := aws.String(fmt.Sprintf("soak-%d", i%*buses))
			name := aws.String(fmt.Sprintf("r-%d", i))
			_, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: name, EventBusName: bus,
				EventPattern: aws.String(fmt.Sprintf(`{"source":["soak"],"detail":{"rule":[%d]}}`, i))})
			must(err)
			q := i % *queues
			_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: name, EventBusName: bus, Targets: []ebtypes.Target{{
				Id: aws.String("q"), Arn: aws.String(fmt.Sprintf("arn:aws:sqs:us-east-1:000000000000:soak-%d-%d", round, q)),
				InputTransformer: &ebtypes.InputTransformer{InputPathsMap: map[string]string{"r": "$.detail.rule"},
					InputTemplate: aws.String(fmt.Sprintf(`{"rule":<r>,"n":%d}`, i))},
			}}})
			must(err)
		})
		take(fmt.Sprintf("round %d: created", round))
		parallel(*rules/10, *workers, func(j int) {
			var entries []ebtypes.PutEventsRequestEntry
			for i := j * 10; i < j*10+10; i++ {
				detail, _ := json.Marshal(map[string]int{"rule": i})
				entries = append(entries, ebtypes.PutEventsRequestEntry{Source: aws.String("soak"), DetailType: aws.String("t"),
					Detail: aws.String(string(detail)), EventBusName: aws.String(fmt.Sprintf("soak-%d", i%*buses))})
			}
			res, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
			must(err)
			if res.FailedEntryCount > 0 {
				fail(fmt.Errorf("%d entries failed", res.FailedEntryCount))
			}
		})
		parallel(*queues, *workers, func(i int) {
			_, err := sq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURLs[i]), MessageBody: aws.String("hello")})
			must(err)
		})
		// Receive (and delete) at least one message from every queue, so
		// each queue's receive path has been used.
		parallel(*queues, *workers, func(i int) {
			for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
				r, err := sq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURLs[i]), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
				must(err)
				for _, m := range r.Messages {
					_, err := sq.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURLs[i]), ReceiptHandle: m.ReceiptHandle})
					must(err)
				}
				if len(r.Messages) > 0 {
					return
				}
			}
		})
		take(fmt.Sprintf("round %d: used", round))
		parallel(*rules, *workers, func(i int) {
			bus := aws.String(fmt.Sprintf("soak-%d", i%*buses))
			name := aws.String(fmt.Sprintf("r-%d", i))
			_, err := eb.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: name, EventBusName: bus, Ids: []string{"q"}})
			must(err)
			_, err = eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: name, EventBusName: bus})
			must(err)
		})
		parallel(*buses, *workers, func(b int) {
			_, err := eb.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: aws.String(fmt.Sprintf("soak-%d", b))})
			must(err)
		})
		parallel(*queues, *workers, func(i int) {
			_, err := sq.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(queueURLs[i])})
			must(err)
		})
		take(fmt.Sprintf("round %d: deleted", round))
		time.Sleep(*settle)
		take(fmt.Sprintf("round %d: settled", round))
		fmt.Fprintf(os.Stderr, "round %d took %v\n", round, time.Since(start).Round(time.Second))
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(map[string]any{"rules": *rules, "buses": *buses, "queues": *queues, "samples": out})
}

func measure(step string) sample {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fds, _ := os.ReadDir("/proc/self/fd")
	return sample{Step: step, FDs: len(fds), Goroutines: runtime.NumGoroutine(),
		HeapMB: float64(ms.HeapAlloc) / (1 << 20), RSSMB: rss()}
}

// rss reads the resident set size from /proc/self/status (0 elsewhere).
func rss() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb float64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &kb)
			return kb / 1024
		}
	}
	return 0
}

// parallel runs fn(0..n-1) on w goroutines.
func parallel(n, w int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

func must(err error) {
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "soak:", err)
	os.Exit(1)
}
