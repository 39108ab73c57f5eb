// Command sqs compares Switchyard's built-in SQS-compatible queues and
// SNS-compatible topics with moto_server, driving both with the official
// AWS SDK for Go v2 in the same run. It measures:
//
//   - send+receive+delete throughput on one queue (messages/s; a message
//     counts once it was sent, received and deleted) with 1, 16 and 64
//     concurrent clients, with single-message calls (SendMessage,
//     ReceiveMessage, DeleteMessage) and with batch calls of ten
//     (SendMessageBatch, ReceiveMessage of up to ten, DeleteMessageBatch);
//   - receive latency: from just before SendMessage to the ReceiveMessage
//     (long polling) that returned the message, at a fixed send rate, as
//     p50/p90/p99;
//   - the single-message round trip across 1,000 queues, 64 clients, each
//     round on the next queue;
//   - SNS fan-out: clients publish to one topic with 10 SQS subscriptions
//     while consumers drain the queues; publishes/s and deliveries/s.
//
// Every configuration runs -runs times (runs alternate between the
// servers) and the table reports medians. moto is much slower, so its runs
// are capped (-moto-duration, -moto-max) and everything is reported as a
// rate.
//
// By default it builds and starts Switchyard (go build ./cmd/switchyard,
// then switchyard serve on a free port with a temporary data directory) and
// starts moto_server (from PATH) on a free port; -switchyard and -moto
// point it at running servers instead ("-moto none" skips moto). Run it
// from the repository:
//
//	go run ./bench/sqs
//	go run ./bench/sqs -workloads 'batch' -runs 5
//	go run ./bench/sqs -switchyard http://127.0.0.1:4010 -moto none
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/switchyard/switchyard/internal/sdkhttp"
	"github.com/switchyard/switchyard/internal/serverproc"
)

var (
	switchyardURL = flag.String("switchyard", "", "endpoint of a running Switchyard (empty: start one)")
	switchyardBin = flag.String("bin", "", "switchyard binary to start (empty: go build ./cmd/switchyard)")
	motoURL       = flag.String("moto", "", `endpoint of a running moto_server (empty: start one; "none": skip moto)`)
	durability    = flag.String("durability", "process", "--durability of the Switchyard this program starts")
	runs          = flag.Int("runs", 3, "runs of every configuration (the table shows medians)")
	duration      = flag.Duration("duration", 5*time.Second, "length of a Switchyard run")
	motoDuration  = flag.Duration("moto-duration", 3*time.Second, "length of a moto run")
	motoMax       = flag.Int64("moto-max", 3000, "messages (or SNS deliveries) after which a moto run stops early")
	clientList    = flag.String("clients", "1,16,64", "concurrent clients of the one-queue workloads")
	bodySize      = flag.Int("body", 512, "message body size in bytes")
	latencyRate   = flag.Int("latency-rate", 100, "messages/s sent in the latency workload")
	queueCount    = flag.Int("queues", 1000, "queues of the many-queues workload")
	subscriptions = flag.Int("subscriptions", 10, "SQS subscriptions of the SNS topic")
	snsRaw        = flag.Bool("sns-raw", false, "subscribe with RawMessageDelivery (default: the JSON envelope)")
	workloadRE    = flag.String("workloads", "", "run only workloads whose name matches this regular expression")
)

// target is one server under test.
type target struct {
	name     string
	endpoint string
	sqs      *sqs.Client
	sns      *sns.Client
	// duration and maxMsgs bound one run (maxMsgs 0: no cap).
	duration time.Duration
	maxMsgs  int64
	// many holds the queues of the many-queues workload, created once.
	many []*string
	// pid is the server's process when this program started it (0
	// otherwise): its CPU time per message is reported.
	pid int
}

// result is one run of a workload: its metrics by name, and the errors
// seen.
type result struct {
	values map[string]float64
	errors int64
	first  error // the first error seen
}

// cpuMetric is the server's CPU time per message, when this program started
// the server.
const cpuMetric = "server CPU µs/msg"

// cpuTime returns the CPU time (user and system) a process used so far,
// from /proc (Linux), or 0.
func cpuTime(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may contain spaces): state is
	// field 3, utime and stime are fields 14 and 15, in clock ticks.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	// USER_HZ is 100 on every Linux architecture Go supports.
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// metric is a row of the table.
type metric struct {
	name string
	// lowerBetter marks latencies: the ratio is then moto / Switchyard.
	lowerBetter bool
}

type workload struct {
	name    string
	metrics []metric
	run     func(ctx context.Context, t *target) (result, error)
}

func main() {
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "sqs bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var targets []*target
	var cleanups []func()
	defer func() {
		for _, c := range slices.Backward(cleanups) {
			c()
		}
	}()

	syURL, syPID := *switchyardURL, 0
	if syURL == "" {
		u, pid, stop, err := startSwitchyard(ctx)
		if err != nil {
			return err
		}
		cleanups = append(cleanups, stop)
		syURL, syPID = u, pid
	}
	// Switchyard takes the account from the access key id.
	targets = append(targets, newTarget("Switchyard", syURL, "000000000000", *duration, 0))
	targets[0].pid = syPID

	if *motoURL != "none" {
		mURL, mPID := *motoURL, 0
		if mURL == "" {
			u, pid, stop, err := startMoto(ctx)
			if err != nil {
				return err
			}
			cleanups = append(cleanups, stop)
			mURL, mPID = u, pid
		}
		// moto takes a 12-digit access key id as the account.
		t := newTarget("moto", mURL, "123456789012", *motoDuration, *motoMax)
		t.pid = mPID
		targets = append(targets, t)
	}
	for _, t := range targets {
		if err := waitReady(ctx, t); err != nil {
			return fmt.Errorf("%s at %s: %w", t.name, t.endpoint, err)
		}
	}

	workloads, err := selectWorkloads()
	if err != nil {
		return err
	}
	// results[workload][target] holds the runs.
	results := make([][][]result, len(workloads))
	for wi, w := range workloads {
		results[wi] = make([][]result, len(targets))
		for r := 0; r < *runs; r++ {
			for ti, t := range targets {
				if err := ctx.Err(); err != nil {
					return err
				}
				res, err := w.run(ctx, t)
				if err != nil {
					return fmt.Errorf("%s on %s: %w", w.name, t.name, err)
				}
				results[wi][ti] = append(results[wi][ti], res)
				fmt.Fprintf(os.Stderr, "%-28s %-10s run %d: %s\n", w.name, t.name, r+1, res)
			}
		}
	}
	printTable(workloads, targets, results)
	return nil
}

func (r result) String() string {
	names := make([]string, 0, len(r.values))
	for n := range r.values {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s=%.1f ", n, r.values[n])
	}
	if r.errors > 0 {
		fmt.Fprintf(&b, "errors=%d (first: %v)", r.errors, r.first)
	}
	return strings.TrimSpace(b.String())
}

// errorCount counts errors and keeps the first.
type errorCount struct {
	n     atomic.Int64
	first atomic.Pointer[error]
}

func (c *errorCount) add(err error) {
	c.n.Add(1)
	c.first.CompareAndSwap(nil, &err)
}

func (c *errorCount) err() error {
	if p := c.first.Load(); p != nil {
		return *p
	}
	return nil
}

func newTarget(name, endpoint, account string, d time.Duration, maxMsgs int64) *target {
	hc := sdkhttp.New(256)
	creds := credentials.NewStaticCredentialsProvider(account, "secret", "")
	return &target{
		name: name, endpoint: endpoint, duration: d, maxMsgs: maxMsgs,
		sqs: sqs.New(sqs.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(endpoint),
			HTTPClient: hc, RetryMaxAttempts: 1}),
		sns: sns.New(sns.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(endpoint),
			HTTPClient: hc, RetryMaxAttempts: 1}),
	}
}

func selectWorkloads() ([]workload, error) {
	var re *regexp.Regexp
	if *workloadRE != "" {
		var err error
		if re, err = regexp.Compile(*workloadRE); err != nil {
			return nil, err
		}
	}
	var clients []int
	for _, f := range strings.Split(*clientList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-clients: %q", f)
		}
		clients = append(clients, n)
	}
	rate := []metric{{name: "msgs/s"}, {name: cpuMetric, lowerBetter: true}}
	var all []workload
	for _, mode := range []string{"single", "batch"} {
		for _, n := range clients {
			all = append(all, workload{
				name:    fmt.Sprintf("%s, %d clients", mode, n),
				metrics: rate,
				run: func(ctx context.Context, t *target) (result, error) {
					return oneQueue(ctx, t, mode == "batch", n)
				},
			})
		}
	}
	all = append(all,
		workload{
			name:    fmt.Sprintf("latency at %d msgs/s", *latencyRate),
			metrics: []metric{{"p50 ms", true}, {"p90 ms", true}, {"p99 ms", true}},
			run:     latency,
		},
		workload{
			name:    fmt.Sprintf("single, %d queues, 64 clients", *queueCount),
			metrics: rate,
			run:     manyQueues,
		},
		workload{
			name:    fmt.Sprintf("SNS, %d SQS subscriptions, 16 clients", *subscriptions),
			metrics: []metric{{name: "publishes/s"}, {name: "deliveries/s"}},
			run:     fanOut,
		},
	)
	var out []workload
	for _, w := range all {
		if re == nil || re.MatchString(w.name) {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no workload matches -workloads")
	}
	return out, nil
}

func body() string {
	return strings.Repeat("x", *bodySize)
}

// uniqueName returns a queue or topic name that no earlier run used.
func uniqueName(prefix string) string {
	return prefix + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
}

func createQueue(ctx context.Context, t *target, name string) (*string, error) {
	out, err := t.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		return nil, err
	}
	return out.QueueUrl, nil
}

// rounds runs clients workers, each calling round until the run's time is
// up or the target's message cap is reached, and returns the messages the
// rounds reported per second.
func rounds(ctx context.Context, t *target, clients int, round func(w int) (int, error)) result {
	var done atomic.Int64
	var errs errorCount
	deadline := time.Now().Add(t.duration)
	var wg sync.WaitGroup
	cpu0 := cpuTime(t.pid)
	start := time.Now()
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && ctx.Err() == nil && (t.maxMsgs == 0 || done.Load() < t.maxMsgs) {
				n, err := round(w)
				if err != nil {
					errs.add(err)
					time.Sleep(10 * time.Millisecond)
					continue
				}
				done.Add(int64(n))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	res := result{values: map[string]float64{"msgs/s": float64(done.Load()) / elapsed.Seconds()}, errors: errs.n.Load(), first: errs.err()}
	if cpu1 := cpuTime(t.pid); cpu1 > 0 && done.Load() > 0 {
		res.values[cpuMetric] = float64((cpu1 - cpu0).Microseconds()) / float64(done.Load())
	}
	return res
}

// oneQueue is send+receive+delete on one new queue by clients workers.
func oneQueue(ctx context.Context, t *target, batch bool, clients int) (result, error) {
	url, err := createQueue(ctx, t, uniqueName("bench"))
	if err != nil {
		return result{}, err
	}
	defer func() { _, _ = t.sqs.DeleteQueue(context.WithoutCancel(ctx), &sqs.DeleteQueueInput{QueueUrl: url}) }()
	b := aws.String(body())
	return rounds(ctx, t, clients, func(int) (int, error) {
		if batch {
			return batchRound(ctx, t.sqs, url, b)
		}
		return singleRound(ctx, t.sqs, url, b)
	}), nil
}

// singleRound is SendMessage, ReceiveMessage and a DeleteMessage per
// message received; it returns the messages deleted.
func singleRound(ctx context.Context, c *sqs.Client, url, b *string) (int, error) {
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: b}); err != nil {
		return 0, err
	}
	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, WaitTimeSeconds: 1})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range out.Messages {
		if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: m.ReceiptHandle}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// batchRound is SendMessageBatch of ten, ReceiveMessage of up to ten and
// DeleteMessageBatch; it returns the messages deleted.
func batchRound(ctx context.Context, c *sqs.Client, url, b *string) (int, error) {
	entries := make([]types.SendMessageBatchRequestEntry, 10)
	for i := range entries {
		entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: b}
	}
	if _, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: url, Entries: entries}); err != nil {
		return 0, err
	}
	return receiveAndDelete(ctx, c, url, nil)
}

// receiveAndDelete receives up to ten messages (waiting up to a second),
// calls seen for each and deletes them in one batch; it returns the
// messages deleted.
func receiveAndDelete(ctx context.Context, c *sqs.Client, url *string, seen func(types.Message)) (int, error) {
	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
	if err != nil || len(out.Messages) == 0 {
		return 0, err
	}
	del := make([]types.DeleteMessageBatchRequestEntry, len(out.Messages))
	for i, m := range out.Messages {
		if seen != nil {
			seen(m)
		}
		del[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
	}
	res, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: url, Entries: del})
	if err != nil {
		return 0, err
	}
	if len(res.Failed) > 0 {
		return len(res.Successful), fmt.Errorf("DeleteMessageBatch: %s", aws.ToString(res.Failed[0].Code))
	}
	return len(del), nil
}

// consume runs workers consumers per queue that receive, pass each message
// to seen (if not nil), delete in batches and report the count deleted to
// got, until the returned function is called (which waits for them).
func consume(ctx context.Context, c *sqs.Client, urls []*string, workers int, errs *errorCount, seen func(types.Message), got func(n int)) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, url := range urls {
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-done:
						return
					default:
					}
					n, err := receiveAndDelete(ctx, c, url, seen)
					if n > 0 {
						got(n)
					}
					if err != nil {
						errs.add(err)
						time.Sleep(10 * time.Millisecond)
					}
				}
			}()
		}
	}
	return func() {
		close(done)
		wg.Wait()
	}
}

// latency sends -latency-rate messages/s from one client, each carrying
// its send time, while four consumers long-poll, and reports the
// percentiles of send -> received.
func latency(ctx context.Context, t *target) (result, error) {
	url, err := createQueue(ctx, t, uniqueName("latency"))
	if err != nil {
		return result{}, err
	}
	defer func() { _, _ = t.sqs.DeleteQueue(context.WithoutCancel(ctx), &sqs.DeleteQueueInput{QueueUrl: url}) }()
	pad := body()
	var mu sync.Mutex
	var lat []time.Duration
	var sent, received atomic.Int64
	var errs errorCount
	stopConsumers := consume(ctx, t.sqs, []*string{url}, 4, &errs, func(m types.Message) {
		now := time.Now()
		ts, _, _ := strings.Cut(aws.ToString(m.Body), " ")
		if ns, err := strconv.ParseInt(ts, 10, 64); err == nil {
			mu.Lock()
			lat = append(lat, now.Sub(time.Unix(0, ns)))
			mu.Unlock()
		}
	}, func(n int) { received.Add(int64(n)) })
	interval := time.Second / time.Duration(*latencyRate)
	n := int64(t.duration / interval)
	if t.maxMsgs > 0 {
		n = min(n, t.maxMsgs)
	}
	next := time.Now()
	for i := int64(0); i < n && ctx.Err() == nil; i++ {
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		next = next.Add(interval)
		b := strconv.FormatInt(time.Now().UnixNano(), 10) + " " + pad
		if _, err := t.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String(b)}); err != nil {
			errs.add(err)
			continue
		}
		sent.Add(1)
	}
	for until := time.Now().Add(10 * time.Second); received.Load() < sent.Load() && time.Now().Before(until); {
		time.Sleep(10 * time.Millisecond)
	}
	stopConsumers()
	if len(lat) == 0 {
		return result{}, errors.New("no message received")
	}
	slices.Sort(lat)
	q := func(p float64) float64 {
		return float64(lat[min(int(p*float64(len(lat))), len(lat)-1)].Microseconds()) / 1000
	}
	return result{values: map[string]float64{"p50 ms": q(0.50), "p90 ms": q(0.90), "p99 ms": q(0.99)}, errors: errs.n.Load(), first: errs.err()}, nil
}

// manyQueues is the single-message round trip by 64 clients, each round on
// the next of -queues queues (created and warmed up once per target: the
// first message creates a queue's files).
func manyQueues(ctx context.Context, t *target) (result, error) {
	if t.many == nil {
		start := time.Now()
		urls := make([]*string, *queueCount)
		prefix := uniqueName("many")
		var firstErr error
		var mu sync.Mutex
		var wg sync.WaitGroup
		sem := make(chan struct{}, 16)
		for i := range urls {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				url, err := createQueue(ctx, t, fmt.Sprintf("%s-%04d", prefix, i))
				if err == nil {
					var n int
					n, err = singleRound(ctx, t.sqs, url, aws.String("warm-up"))
					if err == nil && n != 1 {
						err = fmt.Errorf("warm-up of %s received %d messages", *url, n)
					}
				}
				if err != nil {
					mu.Lock()
					firstErr = cmpOr(firstErr, err)
					mu.Unlock()
				}
				urls[i] = url
			}()
		}
		wg.Wait()
		if firstErr != nil {
			return result{}, firstErr
		}
		fmt.Fprintf(os.Stderr, "%s: created %d queues in %s\n", t.name, len(urls), time.Since(start).Round(time.Millisecond))
		t.many = urls
	}
	b := aws.String(body())
	var next atomic.Int64
	return rounds(ctx, t, 64, func(int) (int, error) {
		return singleRound(ctx, t.sqs, t.many[next.Add(1)%int64(len(t.many))], b)
	}), nil
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// fanOut publishes to a new topic with -subscriptions new queues
// subscribed while two consumers per queue drain them. publishes/s is over
// the publishing time, deliveries/s from the first publish to the last
// delivery received.
func fanOut(ctx context.Context, t *target) (result, error) {
	topic, err := t.sns.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(uniqueName("fanout"))})
	if err != nil {
		return result{}, err
	}
	defer func() {
		_, _ = t.sns.DeleteTopic(context.WithoutCancel(ctx), &sns.DeleteTopicInput{TopicArn: topic.TopicArn})
	}()
	urls := make([]*string, *subscriptions)
	for i := range urls {
		url, err := createQueue(ctx, t, uniqueName(fmt.Sprintf("fanout-%d", i)))
		if err != nil {
			return result{}, err
		}
		defer func() { _, _ = t.sqs.DeleteQueue(context.WithoutCancel(ctx), &sqs.DeleteQueueInput{QueueUrl: url}) }()
		attrs, err := t.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url,
			AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
		if err != nil {
			return result{}, err
		}
		in := &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
			Endpoint: aws.String(attrs.Attributes[string(types.QueueAttributeNameQueueArn)])}
		if *snsRaw {
			in.Attributes = map[string]string{"RawMessageDelivery": "true"}
		}
		if _, err := t.sns.Subscribe(ctx, in); err != nil {
			return result{}, err
		}
		urls[i] = url
	}

	var published, delivered atomic.Int64
	var errs errorCount
	var lastDelivery atomic.Int64
	stopConsumers := consume(ctx, t.sqs, urls, 2, &errs, nil, func(n int) {
		delivered.Add(int64(n))
		lastDelivery.Store(time.Now().UnixNano())
	})

	subs := int64(len(urls))
	msg := aws.String(body())
	start := time.Now()
	deadline := start.Add(t.duration)
	var pwg sync.WaitGroup
	for range 16 {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			for time.Now().Before(deadline) && ctx.Err() == nil && (t.maxMsgs == 0 || published.Load()*subs < t.maxMsgs) {
				if _, err := t.sns.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: msg}); err != nil {
					errs.add(err)
					time.Sleep(10 * time.Millisecond)
					continue
				}
				published.Add(1)
			}
		}()
	}
	pwg.Wait()
	publishing := time.Since(start)
	for until := time.Now().Add(60 * time.Second); delivered.Load() < published.Load()*subs && time.Now().Before(until) && ctx.Err() == nil; {
		time.Sleep(10 * time.Millisecond)
	}
	stopConsumers()
	if got, want := delivered.Load(), published.Load()*subs; got < want {
		fmt.Fprintf(os.Stderr, "%s: only %d of %d deliveries arrived\n", t.name, got, want)
	}
	delivering := time.Duration(lastDelivery.Load() - start.UnixNano())
	return result{values: map[string]float64{
		"publishes/s":  float64(published.Load()) / publishing.Seconds(),
		"deliveries/s": float64(delivered.Load()) / delivering.Seconds(),
	}, errors: errs.n.Load(), first: errs.err()}, nil
}

func printTable(workloads []workload, targets []*target, results [][][]result) {
	fmt.Printf("\nmedians of %d runs (Switchyard %s per run; moto %s or %d messages per run)\n\n", *runs, *duration, *motoDuration, *motoMax)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 1, ' ', tabwriter.Debug)
	header := "workload\tmetric"
	for _, t := range targets {
		header += "\t" + t.name
	}
	if len(targets) == 2 {
		header += "\tratio"
	}
	fmt.Fprintln(tw, header)
	for wi, w := range workloads {
		for _, m := range w.metrics {
			line := w.name + "\t" + m.name
			meds := make([]float64, len(targets))
			for ti := range targets {
				var vals []float64
				var errs int64
				for _, r := range results[wi][ti] {
					if v, ok := r.values[m.name]; ok {
						vals = append(vals, v)
					}
					errs += r.errors
				}
				if len(vals) == 0 {
					meds[ti] = math.NaN()
					line += "\t—"
					continue
				}
				meds[ti] = median(vals)
				line += "\t" + format(meds[ti])
				if errs > 0 {
					line += fmt.Sprintf(" (%d errors)", errs)
				}
			}
			if len(targets) == 2 {
				ratio := meds[0] / meds[1]
				if m.lowerBetter {
					ratio = meds[1] / meds[0]
				}
				if math.IsNaN(ratio) {
					line += "\t—"
				} else {
					line += fmt.Sprintf("\t%.1f×", ratio)
				}
			}
			fmt.Fprintln(tw, line)
		}
	}
	_ = tw.Flush()
	if len(targets) == 2 {
		fmt.Println("\nratio: Switchyard/moto for rates, moto/Switchyard for latencies (how many times better Switchyard is)")
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func format(v float64) string {
	switch {
	case v >= 100:
		return addCommas(strconv.FormatFloat(v, 'f', 0, 64))
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

func addCommas(s string) string {
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func startSwitchyard(ctx context.Context) (string, int, func(), error) {
	dir, err := os.MkdirTemp("", "switchyard-bench-")
	if err != nil {
		return "", 0, nil, err
	}
	bin := *switchyardBin
	if bin == "" {
		if bin, err = serverproc.Build(ctx, dir); err != nil {
			os.RemoveAll(dir)
			return "", 0, nil, err
		}
	}
	addr, err := serverproc.FreePort()
	if err != nil {
		os.RemoveAll(dir)
		return "", 0, nil, err
	}
	cmd := exec.Command(bin, "serve", "--listen", addr, "--data-dir", filepath.Join(dir, "data"),
		"--durability", *durability, "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return "", 0, nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		waitOrKill(cmd, 15*time.Second)
		os.RemoveAll(dir)
	}
	return "http://" + addr, cmd.Process.Pid, stop, nil
}

// startMoto starts moto_server from PATH on a free port.
func startMoto(ctx context.Context) (string, int, func(), error) {
	addr, err := serverproc.FreePort()
	if err != nil {
		return "", 0, nil, err
	}
	host, port, _ := net.SplitHostPort(addr)
	cmd := exec.CommandContext(ctx, "moto_server", "-H", host, "-p", port)
	// moto logs every request; keep only its errors out of the way.
	cmd.Stdout, cmd.Stderr = nil, nil
	// Its own process group, so stopping it also stops whatever the
	// moto_server launcher started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return "", 0, nil, fmt.Errorf("moto_server: %w", err)
	}
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		waitOrKill(cmd, 10*time.Second)
	}
	// The launcher on PATH may be a shim that execs Python: same process.
	return "http://" + addr, cmd.Process.Pid, stop, nil
}

func waitOrKill(cmd *exec.Cmd, grace time.Duration) {
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-done
	}
}

// waitReady waits until the target answers ListQueues.
func waitReady(ctx context.Context, t *target) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, err := t.sqs.ListQueues(ctx, &sqs.ListQueuesInput{})
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}
