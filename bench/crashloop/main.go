// Command crashloop checks Switchyard's core promise under repeated
// kill -9: an event that got an EventId from PutEvents reaches its target,
// and a message whose SendMessageBatch entry was acknowledged is received,
// however often the server is killed while the load runs.
//
// It builds cmd/switchyard (or runs -bin), starts it on a free loopback
// port with a temporary data directory, and sets up with the AWS SDK for
// Go v2: a rule on the default bus matching source "crashloop" with a
// standard queue as target ("events"), a standard queue ("standard") and a
// FIFO queue ("fifo", content-based deduplication off) for direct sends.
// Then, for the whole run:
//
//   - -put-clients clients send PutEvents batches of ten and record every
//     entry that came back with an EventId and no error;
//   - -send-clients clients send SendMessageBatch batches of ten to the
//     standard queue and as many to the FIFO queue, and record every entry
//     reported Successful with its MessageId (FIFO: and SequenceNumber).
//     FIFO entry i goes to group i mod -groups, so every client sends to
//     every group concurrently; its MessageDeduplicationId is its payload
//     id, and a FIFO batch is retried whole with the same ids until every
//     entry is acknowledged.
//
// Every body (event detail) carries a payload id unique to the attempt
// that sent it (FIFO: to the message, across its retries), so a received
// message is matched to its send. Failed requests (the server is down part
// of the time) are retried after -retry; the SDK's own retries are off.
//
// Meanwhile the server is killed with SIGKILL -kills times, each after a
// pause drawn uniformly from [every/2, every*3/2] once the previous start
// was healthy, and started again at once on the same port and data
// directory. One more pause after the last restart the load stops
// (requests in flight are answered first) and the drain begins.
//
// -receivers receivers per queue receive (ReceiveMessage of ten, one
// second of long polling, all system attributes), record each message and
// then delete them (DeleteMessageBatch). By default they run during the
// load too, so receives, deletes, messages in flight and FIFO promotions
// are also cut by the kills (a delete lost to a kill shows as a
// duplicate); with -consume=false nothing is received before the drain.
// The drain ends when every acknowledged payload was received and a
// receive on each queue then came back empty, or when -drain has passed.
// The queues' VisibilityTimeout (-visibility) bounds how long a message in
// flight at a kill takes to come back.
//
// Per stream it reports: accepted (acknowledged payloads), received
// distinct, lost (accepted, never received: must be 0), duplicates
// (receipts beyond the first; how many of them came as another SQS
// message, i.e. were stored twice, or for events delivered to the queue
// twice; how many came with ApproximateReceiveCount 1: the server lost
// count of the earlier delivery, or it is another message), received but
// never acknowledged (allowed: a
// request cut off by a kill may have been stored), id mismatches (received
// with another EventId or MessageId than acknowledged), request errors and
// failed entries. Lost payloads are listed with their timing relative to
// the kills (acknowledged how long after which kill, how long before the
// next). For FIFO it also reports, per group, order violations (order.go
// defines them precisely): a message received while an acknowledged
// message of its group with a smaller SequenceNumber had not been, a
// causal violation (received before a message whose acknowledgement came
// before its own first send), SequenceNumbers that go backwards against
// that causal order, and retried entries answered with another MessageId
// or SequenceNumber. Only first receipts are judged (a message the server
// delivers again after a kill lost its delete is a duplicate, not a
// reordering), and a first receipt that is already a redelivery
// (ApproximateReceiveCount > 1: handed out to a receive whose answer a
// kill cut off) is left out.
//
// At the end it reads the server process's open descriptors
// (/proc/<pid>/fd), RSS and peak RSS, threads and CPU time, and the data
// directory's size by stream; the same (without the data directory) for
// each process just before its kill and once each restart is healthy.
// Every 250 ms it samples the running server's RSS with each stream's
// backlog (acknowledged, not received yet) into rss.tsv and reports the
// largest RSS per phase (load, restart, drain). The summary is JSON on
// stdout, progress on stderr. It
// exits 1 if anything was lost (with -strict also on duplicates, id
// mismatches or FIFO order violations), 2 if the run itself failed (the
// server did not come back, say). The temporary directory (data/,
// server.log, rss.tsv) is kept when the exit status is not 0, or with
// -keep.
//
//	go run ./bench/crashloop                        # 10 kills, about every 3 s
//	go run ./bench/crashloop -kills 20 -every 2s -put-clients 8 -send-clients 4
//	go run ./bench/crashloop -bin ./switchyard -kills 3 -drain 1m
//	go run ./bench/crashloop -consume=false     # store everything, read it all back after the last restart
//
// Linux only (/proc).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/switchyard/switchyard/internal/serverproc"
)

type options struct {
	kills        int
	every        time.Duration
	putClients   int
	sendClients  int
	groups       int
	drain        time.Duration
	receivers    int
	bin          string
	bodySize     int
	retry        time.Duration
	sample       int
	consume      bool
	visibility   time.Duration
	strict, keep bool
}

func main() {
	var o options
	flag.IntVar(&o.kills, "kills", 10, "times the server is killed with SIGKILL")
	flag.DurationVar(&o.every, "every", 3*time.Second, "mean pause between a healthy start and the next kill (jittered ±50%)")
	flag.IntVar(&o.putClients, "put-clients", 4, "concurrent PutEvents clients")
	flag.IntVar(&o.sendClients, "send-clients", 2, "concurrent SendMessageBatch clients per queue (standard and FIFO)")
	flag.IntVar(&o.groups, "groups", 4, "FIFO message groups")
	flag.DurationVar(&o.drain, "drain", 3*time.Minute, "how long the drain may take")
	flag.IntVar(&o.receivers, "receivers", 2, "concurrent receivers per queue")
	flag.BoolVar(&o.consume, "consume", true, "receive and delete during the load too (false: only in the drain after it)")
	flag.DurationVar(&o.visibility, "visibility", 20*time.Second, "VisibilityTimeout of the queues")
	flag.StringVar(&o.bin, "bin", "", "switchyard binary to run (empty: go build ./cmd/switchyard)")
	flag.IntVar(&o.bodySize, "body", 200, "padding in every message body and event detail, bytes")
	flag.DurationVar(&o.retry, "retry", 25*time.Millisecond, "sleep after a failed request before the next")
	flag.IntVar(&o.sample, "sample", 20, "lost payloads and order violations listed in the summary")
	flag.BoolVar(&o.strict, "strict", false, "exit 1 also on duplicates, id mismatches and FIFO order violations")
	flag.BoolVar(&o.keep, "keep", false, "keep the data directory and server log")
	flag.Parse()
	if o.kills < 0 || o.every <= 0 || o.putClients < 0 || o.sendClients < 0 || o.groups < 1 || o.receivers < 1 {
		fmt.Fprintln(os.Stderr, "crashloop: invalid flags")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crashloop:", err)
	}
	os.Exit(code)
}

// summary is the JSON printed on stdout.
type summary struct {
	Kills         int                     `json:"kills"`
	Every         string                  `json:"every"`
	PutClients    int                     `json:"put_clients"`
	SendClients   int                     `json:"send_clients"`
	Groups        int                     `json:"fifo_groups"`
	KillAtS       []float64               `json:"kill_at_s"`
	RestartMS     []float64               `json:"restart_ms"`
	LoadSeconds   float64                 `json:"load_seconds"`
	DrainSeconds  float64                 `json:"drain_seconds"`
	DrainComplete bool                    `json:"drain_complete"`
	TotalSeconds  float64                 `json:"total_seconds"`
	Streams       map[string]streamReport `json:"streams"`
	ServerStart   procStats               `json:"server_after_setup"`
	ServerEnd     procStats               `json:"server_end"`
	// RSSPeaks is the largest RSS sampled (every 250 ms) in each phase:
	// load, restart (from a kill until healthy), drain; rss.tsv in the
	// kept directory has every sample.
	RSSPeaks map[string]rssPeak `json:"rss_peaks"`
	// BeforeKill is each killed process just before its kill, WhenHealthy
	// each restarted one once healthy (peak RSS: over its life so far).
	BeforeKill     []procStats `json:"server_before_kill"`
	WhenHealthy    []procStats `json:"server_when_healthy"`
	Lost           int         `json:"lost"`
	OK             bool        `json:"ok"`
	KeptDir        string      `json:"kept_dir,omitempty"`
	ServerLogLines int         `json:"server_log_lines"`
}

func run(ctx context.Context, o options) (int, error) {
	t0 := time.Now()
	dir, err := os.MkdirTemp("", "crashloop-")
	if err != nil {
		return 2, err
	}
	keep := o.keep
	defer func() {
		if !keep {
			os.RemoveAll(dir)
		}
	}()
	bin := o.bin
	if bin == "" {
		logf("building cmd/switchyard")
		if bin, err = serverproc.Build(ctx, dir); err != nil {
			return 2, err
		}
	}
	addr, err := serverproc.FreePort()
	if err != nil {
		return 2, err
	}
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return 2, err
	}
	defer logFile.Close()
	srv := &server{bin: bin, addr: addr, dataDir: filepath.Join(dir, "data"), log: logFile}
	defer srv.stop()
	if _, err := srv.start(ctx); err != nil {
		return 2, err
	}
	c := newClients(srv.url())
	ld := &load{c: c, pad: strings.Repeat("x", o.bodySize), groups: o.groups, timeout: 10 * time.Second, retry: o.retry,
		events: newLedger("events"), standard: newLedger("standard"), fifo: newLedger("fifo")}
	targetURL, err := setup(ctx, c, ld, o.visibility)
	if err != nil {
		keep = true
		return 2, fmt.Errorf("setup: %w", err)
	}
	sum := summary{Kills: o.kills, Every: o.every.String(), PutClients: o.putClients, SendClients: o.sendClients, Groups: o.groups,
		Streams: map[string]streamReport{}}
	sum.ServerStart, _ = readProcStats(srv.pid(), srv.dataDir)
	logf("server %s pid %d, data %s; load: %d PutEvents clients, %d SendMessageBatch clients per queue, %d FIFO groups",
		srv.addr, srv.pid(), srv.dataDir, o.putClients, o.sendClients, o.groups)

	queues := []drainQueue{
		{url: targetURL, l: ld.events, parse: parseEvent},
		{url: ld.standardURL, l: ld.standard, parse: parseMessage},
		{url: ld.fifoURL, l: ld.fifo, parse: parseMessage},
	}
	ld.t0 = time.Now()
	smp, err := startSampler(srv, []*ledger{ld.events, ld.standard, ld.fifo}, ld.t0, filepath.Join(dir, "rss.tsv"), 250*time.Millisecond)
	if err != nil {
		return 2, err
	}
	defer smp.finish()
	var cs *consumers
	if o.consume {
		cs = startConsumers(ctx, c.sqs, queues, o.receivers)
	}
	ld.run(ctx, o.putClients, o.sendClients)
	var kills []time.Duration
	pause := func() time.Duration { return o.every/2 + rand.N(o.every+1) }
	for k := 1; k <= o.kills; k++ {
		if !sleep(ctx, pause()) {
			break
		}
		if st, err := readProcStats(srv.pid(), ""); err == nil {
			sum.BeforeKill = append(sum.BeforeKill, st)
		}
		smp.setPhase("restart")
		if err := srv.kill(); err != nil {
			ld.stop()
			stopConsumers(cs)
			keep = true
			return 2, fmt.Errorf("kill %d: %w", k, err)
		}
		at := ld.since()
		kills = append(kills, at)
		took, err := srv.start(ctx)
		if err != nil {
			ld.stop()
			stopConsumers(cs)
			keep = true
			return 2, fmt.Errorf("restart after kill %d: %w", k, err)
		}
		smp.setPhase("load")
		if st, err := readProcStats(srv.pid(), ""); err == nil {
			sum.WhenHealthy = append(sum.WhenHealthy, st)
		}
		sum.KillAtS = append(sum.KillAtS, round(at.Seconds(), 3))
		sum.RestartMS = append(sum.RestartMS, round(float64(took.Microseconds())/1000, 1))
		logf("kill %d/%d at %.1fs, healthy again after %s; acknowledged so far: events %d, standard %d, fifo %d",
			k, o.kills, at.Seconds(), took.Round(time.Millisecond), ld.events.ackedN.Load(), ld.standard.ackedN.Load(), ld.fifo.ackedN.Load())
	}
	sleep(ctx, pause())
	ld.stop()
	sum.LoadSeconds = round(ld.since().Seconds(), 2)
	if err := ctx.Err(); err != nil {
		stopConsumers(cs)
		keep = true
		return 2, err
	}
	logf("load stopped after %.1fs: acknowledged events %d, standard %d, fifo %d; draining (up to %s)",
		sum.LoadSeconds, ld.events.ackedN.Load(), ld.standard.ackedN.Load(), ld.fifo.ackedN.Load(), o.drain)

	drainStart := time.Now()
	smp.setPhase("drain")
	progressDone := make(chan struct{})
	go progress(progressDone, ld)
	if cs == nil {
		cs = startConsumers(ctx, c.sqs, queues, o.receivers)
	}
	cs.drain(drainStart.Add(o.drain))
	close(progressDone)
	sum.DrainSeconds = round(time.Since(drainStart).Seconds(), 2)
	sum.DrainComplete = ld.events.complete() && ld.standard.complete() && ld.fifo.complete()

	sum.RSSPeaks = smp.finish()
	sum.ServerEnd, err = readProcStats(srv.pid(), srv.dataDir)
	if err != nil {
		logf("reading /proc/%d: %v", srv.pid(), err)
	}
	for _, l := range []*ledger{ld.events, ld.standard, ld.fifo} {
		r := l.report(kills, o.sample)
		if l == ld.fifo {
			r.FIFO = l.fifoOrder(o.sample)
		}
		sum.Streams[l.name] = r
		sum.Lost += r.Lost
	}
	sum.TotalSeconds = round(time.Since(t0).Seconds(), 2)
	sum.ServerLogLines = countLines(logFile.Name())

	code := 0
	if sum.Lost > 0 {
		code = 1
	}
	if o.strict && anomalies(sum) > 0 {
		code = 1
	}
	sum.OK = code == 0
	if code != 0 {
		keep = true
	}
	if keep {
		sum.KeptDir = dir
	}
	human(sum)
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(sum); err != nil {
		return 2, err
	}
	if sum.Lost > 0 {
		return code, errors.New("acknowledged payloads were lost")
	}
	return code, nil
}

// setup creates the queues, the rule and its target; it returns the
// target queue's URL.
func setup(ctx context.Context, c clients, ld *load, visibility time.Duration) (string, error) {
	// Long enough that a message received is deleted before it comes back
	// (unless a kill lost the delete), short enough that what was in
	// flight at a kill comes back within the drain.
	vis := map[string]string{"VisibilityTimeout": strconv.Itoa(int(visibility.Seconds()))}
	create := func(name string, attrs map[string]string) (string, error) {
		for k, v := range vis {
			attrs[k] = v
		}
		out, err := c.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
		if err != nil {
			return "", fmt.Errorf("CreateQueue %s: %w", name, err)
		}
		return aws.ToString(out.QueueUrl), nil
	}
	targetURL, err := create("crashloop-target", map[string]string{})
	if err != nil {
		return "", err
	}
	if ld.standardURL, err = create("crashloop-standard", map[string]string{}); err != nil {
		return "", err
	}
	if ld.fifoURL, err = create("crashloop-fifo.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "false"}); err != nil {
		return "", err
	}
	attrs, err := c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(targetURL),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		return "", err
	}
	if _, err := c.eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("crashloop"),
		EventPattern: aws.String(`{"source":["crashloop"]}`)}); err != nil {
		return "", fmt.Errorf("PutRule: %w", err)
	}
	out, err := c.eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("crashloop"),
		Targets: []ebtypes.Target{{Id: aws.String("queue"), Arn: aws.String(attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)])}}})
	if err != nil {
		return "", fmt.Errorf("PutTargets: %w", err)
	}
	if out.FailedEntryCount > 0 {
		return "", fmt.Errorf("PutTargets: %d failed", out.FailedEntryCount)
	}
	return targetURL, nil
}

// stopConsumers ends the consumers at once, if they run.
func stopConsumers(cs *consumers) {
	if cs != nil {
		cs.drain(time.Now())
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// progress logs the drain every five seconds until done is closed.
func progress(done chan struct{}, ld *load) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			var parts []string
			for _, l := range []*ledger{ld.events, ld.standard, ld.fifo} {
				parts = append(parts, fmt.Sprintf("%s %d/%d", l.name, l.gotAckedN.Load(), l.ackedN.Load()))
			}
			logf("draining: received %s", strings.Join(parts, ", "))
		}
	}
}

// anomalies counts what -strict fails on besides losses.
func anomalies(s summary) int {
	n := 0
	for _, r := range s.Streams {
		n += r.Duplicates + r.IDMismatches
		if r.FIFO != nil {
			n += r.FIFO.OrderViolations + r.FIFO.CausalViolations + r.FIFO.SequenceInversions + r.FIFO.ReackMismatches + r.FIFO.SeqMismatches
		}
	}
	return n
}

// human prints the summary's main lines on stderr.
func human(s summary) {
	logf("%d kills; load %.1fs, drain %.1fs (complete: %v), total %.1fs", len(s.KillAtS), s.LoadSeconds, s.DrainSeconds, s.DrainComplete, s.TotalSeconds)
	for _, name := range []string{"events", "standard", "fifo"} {
		r := s.Streams[name]
		logf("%-8s accepted %d, received %d, lost %d, duplicates %d (as another message %d, receive count 1 %d), unacknowledged received %d, id mismatches %d, request errors %d, failed entries %d, receive errors %d",
			name, r.Accepted, r.ReceivedDistinct, r.Lost, r.Duplicates, r.DuplicatesNewID, r.DuplicatesCount1, r.Unacknowledged, r.IDMismatches, r.RequestErrors, r.FailedEntries, r.ReceiveErrors)
		if f := r.FIFO; f != nil {
			logf("%-8s order violations %d, causal order violations %d, sequence inversions at send %d, redelivered (left out) %d, sequence number mismatches %d, re-acknowledged %d (changed %d), retried %d (stored by an earlier attempt %d)",
				"", f.OrderViolations, f.CausalViolations, f.SequenceInversions, f.ExcludedRedelivered, f.SeqMismatches, f.Reacks, f.ReackMismatches, f.Retried, f.StoredBefore)
		}
		if r.Lost > 0 {
			logf("%-8s LOST by epoch (after kill i): %v", "", r.LostByEpoch)
		}
	}
	peak, startPeak := 0.0, 0.0
	for _, st := range s.BeforeKill {
		peak = max(peak, st.PeakRSSMiB)
	}
	for _, st := range s.WhenHealthy {
		startPeak = max(startPeak, st.PeakRSSMiB)
	}
	logf("killed processes: peak RSS up to %.1f MiB; restarted ones up to %.1f MiB by the time they were healthy; sampled peaks %v", peak, startPeak, s.RSSPeaks)
	e := s.ServerEnd
	logf("server at the end: %d descriptors, RSS %.1f MiB (peak %.1f), %d threads, %.1f s CPU since its last start, data %.1f MiB",
		e.FDs, e.RSSMiB, e.PeakRSSMiB, e.Threads, e.CPUSeconds, e.DataDirMiB)
	if s.KeptDir != "" {
		logf("kept %s (data/, server.log)", s.KeptDir)
	}
}

func countLines(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return strings.Count(string(b), "\n")
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "crashloop: "+format+"\n", args...)
}

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}
