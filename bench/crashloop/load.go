package main

import (
	"context"
	"fmt"
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
	"github.com/switchyard/switchyard/internal/sdkhttp"
)

// clients are the AWS SDK clients for the server under test. The SDK's
// own retries are off: a retried request would resend the same payload
// ids, and an attempt that was stored but not acknowledged would then
// look like a duplicate the server made. The load retries itself, with
// new payload ids (FIFO: the same ones, as deduplication intends).
type clients struct {
	eb  *eventbridge.Client
	sqs *sqs.Client
}

func newClients(endpoint string) clients {
	hc := sdkhttp.New(128)
	creds := credentials.NewStaticCredentialsProvider("000000000000", "secret", "")
	return clients{
		eb: eventbridge.New(eventbridge.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(endpoint),
			HTTPClient: hc, RetryMaxAttempts: 1}),
		sqs: sqs.New(sqs.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(endpoint),
			HTTPClient: hc, RetryMaxAttempts: 1}),
	}
}

// load is the traffic that runs across the kills.
type load struct {
	c       clients
	t0      time.Time
	stopped atomic.Bool
	wg      sync.WaitGroup
	pad     string
	groups  int
	timeout time.Duration // per request
	retry   time.Duration // sleep after a failed request

	events, standard, fifo *ledger
	standardURL, fifoURL   string
}

func (l *load) since() time.Duration { return time.Since(l.t0) }

// run starts the clients; stop stops them once their requests in flight
// are answered, so every acknowledgement is recorded.
func (l *load) run(ctx context.Context, putClients, sendClients int) {
	for c := range putClients {
		l.wg.Add(1)
		go func() { defer l.wg.Done(); l.putEvents(ctx, c) }()
	}
	for c := range sendClients {
		l.wg.Add(2)
		go func() { defer l.wg.Done(); l.sendStandard(ctx, c) }()
		go func() { defer l.wg.Done(); l.sendFifo(ctx, c) }()
	}
}

func (l *load) stop() {
	l.stopped.Store(true)
	l.wg.Wait()
}

func (l *load) running(ctx context.Context) bool { return !l.stopped.Load() && ctx.Err() == nil }

func (l *load) failed(ld *ledger) {
	ld.requestErrors.Add(1)
	time.Sleep(l.retry)
}

// body is a message body (or event detail) carrying its payload id.
func (l *load) body(pid, group string) string {
	return `{"pid":"` + pid + `","group":"` + group + `","pad":"` + l.pad + `"}`
}

// putEvents sends PutEvents batches of ten to the default bus; each
// attempt has new payload ids (EventBridge does not deduplicate, so a
// retried entry is a new event).
func (l *load) putEvents(ctx context.Context, c int) {
	entries := make([]ebtypes.PutEventsRequestEntry, 10)
	pids := make([]string, 10)
	for n := 0; l.running(ctx); n++ {
		for i := range entries {
			pids[i] = fmt.Sprintf("e%d-%d-%d", c, n, i)
			entries[i] = ebtypes.PutEventsRequestEntry{Source: aws.String("crashloop"), DetailType: aws.String("Load"),
				Detail: aws.String(l.body(pids[i], ""))}
		}
		start := l.since()
		rctx, cancel := context.WithTimeout(ctx, l.timeout)
		out, err := l.c.eb.PutEvents(rctx, &eventbridge.PutEventsInput{Entries: entries})
		cancel()
		if err != nil {
			l.failed(l.events)
			continue
		}
		now := l.since()
		for i, e := range out.Entries {
			if i >= len(pids) {
				break
			}
			if e.EventId == nil || *e.EventId == "" || e.ErrorCode != nil {
				l.events.failedEntries.Add(1)
				continue
			}
			l.events.ack(pids[i], sent{id: *e.EventId, firstSend: start, acked: now})
		}
	}
}

// sendStandard sends SendMessageBatch batches of ten to the standard
// queue; each attempt has new payload ids.
func (l *load) sendStandard(ctx context.Context, c int) {
	entries := make([]sqstypes.SendMessageBatchRequestEntry, 10)
	pids := map[string]string{} // entry id -> payload id
	for n := 0; l.running(ctx); n++ {
		for i := range entries {
			pid := fmt.Sprintf("s%d-%d-%d", c, n, i)
			pids[strconv.Itoa(i)] = pid
			entries[i] = sqstypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(l.body(pid, ""))}
		}
		start := l.since()
		rctx, cancel := context.WithTimeout(ctx, l.timeout)
		out, err := l.c.sqs.SendMessageBatch(rctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(l.standardURL), Entries: entries})
		cancel()
		if err != nil {
			l.failed(l.standard)
			continue
		}
		now := l.since()
		l.standard.failedEntries.Add(int64(len(out.Failed)))
		for _, e := range out.Successful {
			if pid, ok := pids[aws.ToString(e.Id)]; ok {
				l.standard.ack(pid, sent{id: aws.ToString(e.MessageId), firstSend: start, acked: now})
			}
		}
	}
}

// sendFifo sends SendMessageBatch batches of ten to the FIFO queue, entry
// i of a batch to group i mod groups, so every client sends to every group
// concurrently with the others. MessageDeduplicationId is the payload id.
// A batch that failed, or that reported any entry failed, is sent again
// whole with the same ids until every entry is acknowledged (entries
// acknowledged before are deduplicated and must be answered with the same
// MessageId and SequenceNumber), so a client never sends past an entry
// the server did not acknowledge.
func (l *load) sendFifo(ctx context.Context, c int) {
	entries := make([]sqstypes.SendMessageBatchRequestEntry, 10)
	pids := map[string]string{}
	groups := map[string]string{}
	for n := 0; l.running(ctx); n++ {
		for i := range entries {
			pid := fmt.Sprintf("f%d-%d-%d", c, n, i)
			group := "g" + strconv.Itoa(i%l.groups)
			id := strconv.Itoa(i)
			pids[id], groups[id] = pid, group
			entries[i] = sqstypes.SendMessageBatchRequestEntry{Id: aws.String(id), MessageBody: aws.String(l.body(pid, group)),
				MessageGroupId: aws.String(group), MessageDeduplicationId: aws.String(pid)}
		}
		first := l.since()
		for attempt := 0; l.running(ctx); attempt++ {
			floor := l.fifo.maxSeq.Load()
			rctx, cancel := context.WithTimeout(ctx, l.timeout)
			out, err := l.c.sqs.SendMessageBatch(rctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(l.fifoURL), Entries: entries})
			cancel()
			if err != nil {
				l.failed(l.fifo)
				continue
			}
			now := l.since()
			for _, e := range out.Successful {
				id := aws.ToString(e.Id)
				seq, _ := strconv.ParseUint(strings.TrimLeft(aws.ToString(e.SequenceNumber), "0"), 10, 64)
				if l.fifo.ack(pids[id], sent{id: aws.ToString(e.MessageId), group: groups[id], seq: seq, firstSend: first, acked: now}) && attempt > 0 {
					l.fifo.retried.Add(1)
					if seq < floor {
						l.fifo.storedBefore.Add(1)
					}
				}
			}
			if len(out.Failed) == 0 {
				break
			}
			l.fifo.failedEntries.Add(int64(len(out.Failed)))
			time.Sleep(l.retry)
		}
	}
}
