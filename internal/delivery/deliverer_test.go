package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/store"
	"github.com/switchyard/switchyard/internal/store/storetest"
	"github.com/switchyard/switchyard/internal/target"
)

type flaky struct {
	calls atomic.Int64
	fail  func(n int64) error
}

func (f *flaky) Invoke(ctx context.Context, inv *target.Invocation) error {
	return f.fail(f.calls.Add(1))
}

type dlqRecorder struct {
	mu   sync.Mutex
	msgs []target.QueueMessage
}

func (d *dlqRecorder) send(ctx context.Context, arn string, m target.QueueMessage) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.msgs = append(d.msgs, m)
	return nil
}

func (d *dlqRecorder) wait(t *testing.T, n int) []target.QueueMessage {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		d.mu.Lock()
		if len(d.msgs) >= n {
			out := append([]target.QueueMessage(nil), d.msgs...)
			d.mu.Unlock()
			return out
		}
		d.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no dead letter after 10s")
	return nil
}

func setup(t *testing.T, tg target.Target) (*store.Store, *Deliverer, *dlqRecorder) {
	t.Helper()
	ctx := context.Background()
	st := openStore(t)
	reg := target.NewRegistry()
	reg.Register("test", func(target.ARN) target.Target { return tg })
	rec := &dlqRecorder{}
	d := New(st, reg, rec.send,
		slog.New(slog.NewTextHandler(io.Discard, nil)),
		Options{Workers: 4, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Stop)
	return st, d, rec
}

func file(t *testing.T, st *store.Store, raw string) {
	t.Helper()
	task := Task{
		EventID: "e1", Scope: catalog.Scope{Account: "1", Region: "r"}, Rule: "r", RuleArn: "arn:rule",
		Target:   catalog.Target{ID: "t", Arn: "arn:aws:test:r:1:x", Raw: json.RawMessage(raw)},
		Ingested: time.Now(),
	}
	hdr, _ := json.Marshal(&task)
	if err := st.Publish(context.Background(), &store.Msg{Subject: Subject("1"), ID: task.MessageID(), Data: []byte(`{"id":"e1"}`), Header: store.Header{HeaderTask: {string(hdr)}, HeaderTarget: {task.Target.Arn}}}); err != nil {
		t.Fatal(err)
	}
}

func TestRetriesThenSucceeds(t *testing.T) {
	tg := &flaky{fail: func(n int64) error {
		if n < 3 {
			return &target.Error{Code: target.CodeThrottled, Message: "busy", Retryable: true}
		}
		return nil
	}}
	st, d, _ := setup(t, tg)
	file(t, st, `{}`)
	eventually(10*time.Second, func() bool { return d.Stats.Delivered.Load() > 0 })
	if d.Stats.Delivered.Load() != 1 || tg.calls.Load() != 3 || d.Stats.Retried.Load() != 2 {
		t.Fatalf("delivered %d calls %d retried %d", d.Stats.Delivered.Load(), tg.calls.Load(), d.Stats.Retried.Load())
	}
}

func TestRetriesExhausted(t *testing.T) {
	tg := &flaky{fail: func(int64) error {
		return &target.Error{Code: target.CodeThrottled, Message: "busy", Retryable: true}
	}}
	st, _, rec := setup(t, tg)
	file(t, st, `{"RetryPolicy":{"MaximumRetryAttempts":2},"DeadLetterConfig":{"Arn":"arn:aws:sqs:r:1:dlq"}}`)
	msgs := rec.wait(t, 1)
	a := msgs[0].Attributes
	if a["EXHAUSTED_RETRY_CONDITION"].StringValue != "MaximumRetryAttempts" || a["RETRY_ATTEMPTS"].StringValue != "2" ||
		a["ERROR_CODE"].StringValue != "THROTTLING" || a["RULE_ARN"].StringValue != "arn:rule" || a["TARGET_ARN"].StringValue != "arn:aws:test:r:1:x" {
		t.Fatalf("attributes %+v", a)
	}
	if tg.calls.Load() != 3 {
		t.Fatalf("calls = %d, want 3 (1 + 2 retries)", tg.calls.Load())
	}
	if msgs[0].Body != `{"id":"e1"}` {
		t.Fatalf("body %q", msgs[0].Body)
	}
}

func TestEventAgeExhausted(t *testing.T) {
	tg := &flaky{fail: func(int64) error {
		return &target.Error{Code: target.CodeThrottled, Message: "busy", Retryable: true}
	}}
	st, _, rec := setup(t, tg)
	task := Task{EventID: "old", RuleArn: "arn:rule", Ingested: time.Now().Add(-2 * time.Minute),
		Target: catalog.Target{ID: "t", Arn: "arn:aws:test:r:1:x", Raw: json.RawMessage(`{"RetryPolicy":{"MaximumEventAgeInSeconds":60},"DeadLetterConfig":{"Arn":"arn:aws:sqs:r:1:dlq"}}`)}}
	hdr, _ := json.Marshal(&task)
	if err := st.Publish(context.Background(), &store.Msg{Subject: Subject("1"), Data: []byte(`{}`), Header: store.Header{HeaderTask: {string(hdr)}, HeaderTarget: {task.Target.Arn}}}); err != nil {
		t.Fatal(err)
	}
	msgs := rec.wait(t, 1)
	if c := msgs[0].Attributes["EXHAUSTED_RETRY_CONDITION"].StringValue; c != "MaximumEventAgeInSeconds" {
		t.Fatalf("condition %q", c)
	}
}

func TestBackoff(t *testing.T) {
	for n := 1; n < 40; n++ {
		d := backoff(n, 100*time.Millisecond, 5*time.Minute)
		if d < 50*time.Millisecond || d > 5*time.Minute {
			t.Fatalf("backoff(%d) = %v", n, d)
		}
	}
}

type retryAfterErr time.Duration

func (e retryAfterErr) Error() string             { return "busy" }
func (e retryAfterErr) RetryAfter() time.Duration { return time.Duration(e) }

// A target's Retry-After lengthens the backoff, but never past the event's
// age limit.
func TestDelayHonoursRetryAfter(t *testing.T) {
	minB, maxB := 10*time.Millisecond, 20*time.Millisecond
	now := time.Now()
	pol := policy{maxRetries: 5, maxAge: time.Hour}
	if got := pol.delay(1, now, fmt.Errorf("wrapped: %w", retryAfterErr(time.Minute)), minB, maxB); got != time.Minute {
		t.Errorf("delay with Retry-After 1m = %v", got)
	}
	if got := pol.delay(1, now, errors.New("plain"), minB, maxB); got > 20*time.Millisecond {
		t.Errorf("delay without Retry-After = %v", got)
	}
	pol.maxAge = 30 * time.Second
	if got := pol.delay(1, now, retryAfterErr(time.Minute), minB, maxB); got > 30*time.Second {
		t.Errorf("delay past the age limit = %v", got)
	}
}

// A first attempt handed over directly that fails is filed for a retry,
// which waits for its backoff and counts the first attempt.
func TestDeliverFirstAttemptThenFiledRetries(t *testing.T) {
	tg := &flaky{fail: func(int64) error {
		return &target.Error{Code: target.CodeThrottled, Message: "busy", Retryable: true}
	}}
	_, d, rec := setup(t, tg)
	task := &Task{EventID: "e2", Scope: catalog.Scope{Account: "1", Region: "r"}, RuleArn: "arn:rule", Ingested: time.Now(),
		Target: catalog.Target{ID: "t", Arn: "arn:aws:test:r:1:x", Raw: json.RawMessage(`{"RetryPolicy":{"MaximumRetryAttempts":2},"DeadLetterConfig":{"Arn":"arn:aws:sqs:r:1:dlq"}}`)}}
	done := make(chan error, 1)
	if !d.Deliver(task, []byte(`{"id":"e2"}`), nil, func(err error) { done <- err }) {
		t.Fatal("Deliver refused an idle target")
	}
	if err := <-done; err != nil {
		t.Fatalf("filing the retry: %v", err)
	}
	msgs := rec.wait(t, 1)
	a := msgs[0].Attributes
	if a["RETRY_ATTEMPTS"].StringValue != "2" || a["EXHAUSTED_RETRY_CONDITION"].StringValue != "MaximumRetryAttempts" {
		t.Fatalf("attributes %+v", a)
	}
	if tg.calls.Load() != 3 {
		t.Fatalf("calls = %d, want 3", tg.calls.Load())
	}
}

// failingDLQ fails its first n sends, then records like dlqRecorder.
type failingDLQ struct {
	dlqRecorder
	fail  atomic.Int64
	tries atomic.Int64
}

func (f *failingDLQ) send(ctx context.Context, arn string, m target.QueueMessage) error {
	f.tries.Add(1)
	if f.fail.Add(-1) >= 0 {
		return errors.New("dead-letter queue unavailable")
	}
	return f.dlqRecorder.send(ctx, arn, m)
}

func newDeliverer(t *testing.T, st *store.Store, tg target.Target, dlq DeadLetterSender, opt Options) *Deliverer {
	t.Helper()
	reg := target.NewRegistry()
	reg.Register("test", func(target.ARN) target.Target { return tg })
	if opt.MinBackoff == 0 {
		opt.MinBackoff, opt.MaxBackoff = 5*time.Millisecond, 20*time.Millisecond
	}
	d := New(st, reg, dlq, slog.New(slog.NewTextHandler(io.Discard, nil)), opt)
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Stop)
	return d
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	return storetest.Open(t, Setup)
}

func testTask(id, raw string) *Task {
	return &Task{EventID: id, Scope: catalog.Scope{Account: "1", Region: "r"}, Rule: "r", RuleArn: "arn:rule",
		Target:   catalog.Target{ID: "t", Arn: "arn:aws:test:r:1:x", Raw: json.RawMessage(raw)},
		Ingested: time.Now()}
}

// A dead letter whose send fails is retried until it is sent, on both
// paths: a first attempt handed over directly and a filed task. It used
// to be acknowledged as sent, and the event was lost.
func TestDeadLetterSendFailureIsRetried(t *testing.T) {
	for _, path := range []string{"first", "filed"} {
		t.Run(path, func(t *testing.T) {
			st := openStore(t)
			tg := &flaky{fail: func(int64) error { return &target.Error{Code: target.CodeNotFound, Message: "gone"} }}
			dlq := &failingDLQ{}
			dlq.fail.Store(3)
			d := newDeliverer(t, st, tg, dlq.send, Options{})
			task := testTask("e-"+path, `{"DeadLetterConfig":{"Arn":"arn:aws:sqs:r:1:dlq"}}`)
			if path == "first" {
				done := make(chan error, 1)
				if !d.Deliver(task, []byte(`{"id":"e"}`), nil, func(err error) { done <- err }) {
					t.Fatal("Deliver refused an idle target")
				}
				if err := <-done; err != nil {
					t.Fatal(err)
				}
			} else if err := st.Publish(context.Background(), task.Msg([]byte(`{"id":"e"}`))); err != nil {
				t.Fatal(err)
			}
			// Backoff for dead-letter sends starts at a second.
			eventually(30*time.Second, func() bool { return dlq.tries.Load() >= 4 })
			msgs := dlq.wait(t, 1)
			if len(msgs) != 1 || msgs[0].Attributes["ERROR_CODE"].StringValue != target.CodeNotFound {
				t.Fatalf("dead letters %+v", msgs)
			}
			if tg.calls.Load() != 1 {
				t.Errorf("target invoked %d times; a dead letter's retry must not invoke it again", tg.calls.Load())
			}
			if d.Stats.DeadLetterRetried.Load() != 3 || d.Stats.DeadLettered.Load() != 1 || d.Stats.DeadLetterFailed.Load() != 0 {
				t.Errorf("stats: retried %d, dead-lettered %d, failed %d", d.Stats.DeadLetterRetried.Load(), d.Stats.DeadLettered.Load(), d.Stats.DeadLetterFailed.Load())
			}
		})
	}
}

// Retries are counted in the stored task: with two nodes sharing the
// queue and a busy target whose tasks are handed back (which must not
// count as attempts) and retried on either node, every task gets exactly
// 1 + MaximumRetryAttempts attempts.
func TestAttemptsCountedExactlyAcrossNodes(t *testing.T) {
	st := openStore(t)
	var mu sync.Mutex
	calls := map[string]int{}
	slow := targetFunc(func(ctx context.Context, inv *target.Invocation) error {
		mu.Lock()
		calls[inv.EventID]++
		mu.Unlock()
		time.Sleep(100 * time.Millisecond) // slow enough that tasks wait and are handed back
		return &target.Error{Code: target.CodeThrottled, Message: "busy", Retryable: true}
	})
	rec := &dlqRecorder{}
	opt := Options{TargetConcurrency: 1, Workers: 4}
	newDeliverer(t, st, slow, rec.send, opt)
	newDeliverer(t, st, slow, rec.send, opt)
	const n = 60
	var msgs []*store.Msg
	for i := range n {
		msgs = append(msgs, testTask(fmt.Sprint("e", i), `{"RetryPolicy":{"MaximumRetryAttempts":2},"DeadLetterConfig":{"Arn":"arn:aws:sqs:r:1:dlq"}}`).Msg([]byte(`{}`)))
	}
	if err := st.Publish(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		rec.mu.Lock()
		got := len(rec.msgs)
		rec.mu.Unlock()
		if got >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	dl := rec.wait(t, n)
	mu.Lock()
	defer mu.Unlock()
	for i := range n {
		if c := calls[fmt.Sprint("e", i)]; c != 3 {
			t.Errorf("task e%d: %d attempts, want 3", i, c)
		}
	}
	for _, m := range dl {
		if r := m.Attributes["RETRY_ATTEMPTS"].StringValue; r != "2" {
			t.Errorf("RETRY_ATTEMPTS = %s, want 2", r)
		}
	}
	if len(dl) != n {
		t.Errorf("%d dead letters, want %d", len(dl), n)
	}
}

type targetFunc func(ctx context.Context, inv *target.Invocation) error

func (f targetFunc) Invoke(ctx context.Context, inv *target.Invocation) error { return f(ctx, inv) }

type slowTimeouter struct {
	targetFunc
	timeout time.Duration
}

func (s slowTimeouter) Timeout() time.Duration { return s.timeout }

// A target that sets its own timeout (a Lambda function configured with
// timeout: 30s) gets that long, not the default InvokeTimeout.
func TestTargetTimeoutOverridesDefault(t *testing.T) {
	st := openStore(t)
	var calls atomic.Int64
	tg := slowTimeouter{timeout: 3 * time.Second, targetFunc: func(ctx context.Context, inv *target.Invocation) error {
		calls.Add(1)
		select {
		case <-time.After(1500 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return &target.Error{Code: target.CodeInternal, Message: "timed out", Retryable: true}
		}
	}}
	rec := &dlqRecorder{}
	d := newDeliverer(t, st, tg, rec.send, Options{InvokeTimeout: 500 * time.Millisecond})
	if err := st.Publish(context.Background(), testTask("slow", `{}`).Msg([]byte(`{}`))); err != nil {
		t.Fatal(err)
	}
	eventually(10*time.Second, func() bool { return d.Stats.Delivered.Load() > 0 })
	if d.Stats.Delivered.Load() != 1 || calls.Load() != 1 {
		t.Fatalf("delivered %d after %d calls; want 1 delivery on the first call", d.Stats.Delivered.Load(), calls.Load())
	}
}

// A filed task whose invocation takes longer than the stream's AckWait is
// not handed out a second time meanwhile: the engine says it is in
// progress.
func TestSlowInvocationIsNotHandedOutTwice(t *testing.T) {
	st := openStore(t)
	var calls atomic.Int64
	tg := slowTimeouter{timeout: time.Minute, targetFunc: func(ctx context.Context, inv *target.Invocation) error {
		calls.Add(1)
		time.Sleep(4 * time.Second)
		return nil
	}}
	reg := target.NewRegistry()
	reg.Register("test", func(target.ARN) target.Target { return tg })
	d := &Deliverer{targets: reg, dlq: (&dlqRecorder{}).send}
	d.opt.defaults()
	cfg := engineConfig(d.decode)
	cfg.AckWait = time.Second
	d.Engine = NewEngine(st, cfg, nil, Options{KeepAlive: 250 * time.Millisecond})
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Stop)
	if err := st.Publish(context.Background(), testTask("slow", `{}`).Msg([]byte(`{}`))); err != nil {
		t.Fatal(err)
	}
	eventually(15*time.Second, func() bool { return d.Stats.Delivered.Load() > 0 })
	time.Sleep(1500 * time.Millisecond)
	if d.Stats.Delivered.Load() != 1 || calls.Load() != 1 {
		t.Fatalf("delivered %d, calls %d; want exactly one invocation", d.Stats.Delivered.Load(), calls.Load())
	}
}

// Stopping releases the jobs waiting in lanes and those cut short: a node
// started next delivers them at once, not after the stream's AckWait
// (30s).
func TestStopReleasesWaitingJobs(t *testing.T) {
	st := openStore(t)
	var calls atomic.Int64
	slow := slowTimeouter{timeout: time.Minute, targetFunc: func(ctx context.Context, inv *target.Invocation) error {
		calls.Add(1)
		select {
		case <-time.After(time.Second):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	reg := target.NewRegistry()
	reg.Register("test", func(target.ARN) target.Target { return slow })
	d := New(st, reg, (&dlqRecorder{}).send, nil, Options{TargetConcurrency: 1, StopGrace: 100 * time.Millisecond})
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	var msgs []*store.Msg
	for i := range 5 {
		msgs = append(msgs, testTask(fmt.Sprint("w", i), `{}`).Msg([]byte(`{}`)))
	}
	if err := st.Publish(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	eventually(5*time.Second, func() bool { return calls.Load() > 0 })
	d.Stop()
	fast := targetFunc(func(ctx context.Context, inv *target.Invocation) error { return nil })
	d2 := newDeliverer(t, st, fast, (&dlqRecorder{}).send, Options{})
	eventually(10*time.Second, func() bool { return d2.Stats.Delivered.Load() >= 5 })
	if n := d2.Stats.Delivered.Load(); n != 5 {
		t.Fatalf("the next node delivered %d of 5 within 10s", n)
	}
}

// eventually waits up to d for cond to hold, polling.
func eventually(d time.Duration, cond func() bool) {
	for deadline := time.Now().Add(d); !cond() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
}

// A retry waiting for its time is a schedule in the stream, not an
// unacknowledged message: it holds no place among the consumer's pending
// messages, and after a restart it runs at its time, not when an
// AckWait (30s) runs out.
func TestRetryWaitsAsScheduleAcrossRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	open := func() *store.Store {
		st, err := store.Open(ctx, store.Options{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if err := Setup(ctx, st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := open()
	var calls atomic.Int64
	tg := targetFunc(func(ctx context.Context, inv *target.Invocation) error {
		if calls.Add(1) == 1 {
			return &target.Error{Code: target.CodeThrottled, Message: "busy", Retryable: true}
		}
		return nil
	})
	reg := target.NewRegistry()
	reg.Register("test", func(target.ARN) target.Target { return tg })
	opt := Options{MinBackoff: 3 * time.Second, MaxBackoff: 3 * time.Second}
	d := New(st, reg, (&dlqRecorder{}).send, nil, opt)
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Publish(ctx, testTask("later", `{}`).Msg([]byte(`{}`))); err != nil {
		t.Fatal(err)
	}
	eventually(5*time.Second, func() bool { return d.Stats.Retried.Load() > 0 })
	c, err := st.EnsureConsumer(ctx, store.ConsumerConfig{Stream: Stream, Durable: "delivery", Filter: []string{SubjectPrefix + "*"},
		AckWait: 30 * time.Second, MaxAckPending: 50000})
	if err != nil {
		t.Fatal(err)
	}
	eventually(2*time.Second, func() bool { _, ack, _ := c.Counts(ctx); return ack == 0 })
	if _, ack, _ := c.Counts(ctx); ack != 0 {
		t.Fatalf("a waiting retry holds %d unacknowledged messages", ack)
	}
	d.Stop()
	st.Close()
	st = open()
	t.Cleanup(func() { st.Close() })
	d = New(st, reg, (&dlqRecorder{}).send, nil, opt)
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Stop)
	eventually(10*time.Second, func() bool { return d.Stats.Delivered.Load() > 0 })
	if d.Stats.Delivered.Load() != 1 || calls.Load() != 2 {
		t.Fatalf("after the restart: delivered %d after %d calls; want the retry at its time", d.Stats.Delivered.Load(), calls.Load())
	}
}
