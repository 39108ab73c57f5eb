// Command replay measures archives and replays on a running Switchyard:
//
//  1. ingest cost of archiving: N events are put on a bus without an
//     archive, then N on a bus with one, each as fast as 16 clients can;
//     the time until the router has handled them all is compared
//     (/_switchyard/stats);
//
//  2. the archive's storage per event (DescribeArchive SizeBytes /
//     EventCount);
//
//  3. replay: a rule with a queue target is added and the whole archive is
//     replayed to it; it reports events/s re-injected (StartReplay until
//     COMPLETED) and events/s delivered (until the queue holds them all).
//
//     go run ./bench/replay -endpoint http://127.0.0.1:4010 -events 1000000
//
// With -pid (the server's process id, on Linux) it also reports the
// server's CPU time per event in each phase, which is steadier than
// throughput on a machine shared with other work.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
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
	endpoint := flag.String("endpoint", "http://127.0.0.1:4010", "Switchyard endpoint")
	n := flag.Int("events", 1000000, "events to archive")
	clients := flag.Int("clients", 16, "concurrent PutEvents clients")
	pid := flag.Int("pid", 0, "server process id: report its CPU time per event (Linux)")
	flag.Parse()
	cpu := func() time.Duration { return cpuTime(*pid) }
	ctx := context.Background()
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("000000000000", "x", "")}
	eb := eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) { o.BaseEndpoint = endpoint })
	sq := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = endpoint })
	stamp := strconv.FormatInt(time.Now().Unix(), 36)
	plain, archived := "plain-"+stamp, "archived-"+stamp
	for _, b := range []string{plain, archived} {
		check(eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(b)}))
	}
	archive := "bench-" + stamp
	out := check(eb.CreateArchive(ctx, &eventbridge.CreateArchiveInput{ArchiveName: aws.String(archive),
		EventSourceArn: aws.String("arn:aws:events:us-east-1:000000000000:event-bus/" + archived)}))

	base := routed(*endpoint)
	c0 := cpu()
	tPlain := put(ctx, eb, *endpoint, plain, *n, *clients, base)
	c1 := cpu()
	base = routed(*endpoint)
	start := time.Now()
	tArch := put(ctx, eb, *endpoint, archived, *n, *clients, base)
	c2 := cpu()
	for {
		d := check(eb.DescribeArchive(ctx, &eventbridge.DescribeArchiveInput{ArchiveName: aws.String(archive)}))
		if d.EventCount >= int64(*n) {
			fmt.Printf("archive: %d events, %d bytes, %.0f bytes/event (stream storage), archived within %.1fs of the first put\n",
				d.EventCount, d.SizeBytes, float64(d.SizeBytes)/float64(d.EventCount), time.Since(start).Seconds())
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Printf("ingest+route: without archive %.0f events/s, with archive %.0f events/s (archiving adds %.1f%%)\n",
		float64(*n)/tPlain.Seconds(), float64(*n)/tArch.Seconds(), 100*(tArch.Seconds()/tPlain.Seconds()-1))
	if *pid > 0 {
		fmt.Printf("server CPU per event: without archive %.1f µs, with archive %.1f µs (archiving adds %.1f%%)\n",
			perEvent(c1-c0, *n), perEvent(c2-c1, *n), 100*(float64(c2-c1)/float64(c1-c0)-1))
	}

	q := check(sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("replay-" + stamp)}))
	check(eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("all"), EventBusName: aws.String(archived), EventPattern: aws.String(`{"source":["bench"]}`)}))
	check(eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("all"), EventBusName: aws.String(archived),
		Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String("arn:aws:sqs:us-east-1:000000000000:replay-" + stamp)}}}))
	start = time.Now()
	c3 := cpu()
	check(eb.StartReplay(ctx, &eventbridge.StartReplayInput{
		ReplayName: aws.String("bench-" + stamp), EventSourceArn: out.ArchiveArn,
		EventStartTime: aws.Time(start.Add(-24 * time.Hour)), EventEndTime: aws.Time(start.Add(time.Hour)),
		Destination: &ebtypes.ReplayDestination{Arn: aws.String("arn:aws:events:us-east-1:000000000000:event-bus/" + archived)},
	}))
	var injected, delivered time.Duration
	for injected == 0 || delivered == 0 {
		if injected == 0 {
			d := check(eb.DescribeReplay(ctx, &eventbridge.DescribeReplayInput{ReplayName: aws.String("bench-" + stamp)}))
			if d.State == ebtypes.ReplayStateCompleted || d.State == ebtypes.ReplayStateFailed {
				injected = time.Since(start)
				fmt.Printf("replay %s: re-injected %d events in %.1fs: %.0f events/s\n", d.State, *n, injected.Seconds(), float64(*n)/injected.Seconds())
				if *pid > 0 {
					fmt.Printf("server CPU per event until the replay completed: %.1f µs (re-injection, routing and deliveries meanwhile)\n", perEvent(cpu()-c3, *n))
				}
			}
		}
		if delivered == 0 {
			a := check(sq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
				AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}}))
			if c, _ := strconv.Atoi(a.Attributes["ApproximateNumberOfMessages"]); c >= *n {
				delivered = time.Since(start)
				fmt.Printf("replay: %d events in the queue after %.1fs: %.0f events/s delivered\n", c, delivered.Seconds(), float64(*n)/delivered.Seconds())
				if *pid > 0 {
					fmt.Printf("server CPU per event replayed and delivered: %.1f µs\n", perEvent(cpu()-c3, *n))
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// put sends n events to a bus from the given number of clients, in
// batches of 10, and returns the time until the router has handled them.
func put(ctx context.Context, eb *eventbridge.Client, endpoint, bus string, n, clients int, base int64) time.Duration {
	detail := `{"order":{"id":"o-12345","total":129.5,"currency":"EUR","items":[{"sku":"A-1","qty":2},{"sku":"B-7","qty":1}]},"customer":{"id":"c-987","tier":"gold"}}`
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(10) - 10
				if i >= int64(n) {
					return
				}
				entries := make([]ebtypes.PutEventsRequestEntry, 0, 10)
				for j := i; j < min(i+10, int64(n)); j++ {
					entries = append(entries, ebtypes.PutEventsRequestEntry{EventBusName: aws.String(bus), Source: aws.String("bench"),
						DetailType: aws.String("Order Placed"), Detail: aws.String(detail)})
				}
				out := check(eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries}))
				if out.FailedEntryCount > 0 {
					fmt.Fprintln(os.Stderr, "failed entries:", out.FailedEntryCount)
				}
			}
		}()
	}
	wg.Wait()
	for routed(endpoint)-base < int64(n) {
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// routed reads the router's handled-event count.
func routed(endpoint string) int64 {
	resp, err := http.Get(endpoint + "/_switchyard/stats")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	var st struct {
		Router struct {
			Events int64 `json:"events"`
		} `json:"router"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&st)
	return st.Router.Events
}

func check[T any](v T, err error) T {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return v
}

// cpuTime is the user and system CPU time a process has used so far, from
// /proc/<pid>/stat (in clock ticks of 10 ms); zero without a pid.
func cpuTime(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The command name (field 2) may hold spaces; the fields after it are
	// numbers: utime and stime are fields 14 and 15.
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

func perEvent(d time.Duration, n int) float64 { return float64(d.Microseconds()) / float64(n) }
