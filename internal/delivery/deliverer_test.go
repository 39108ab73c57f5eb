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
	st, err := store.Open(ctx, store.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := Setup(ctx, st); err != nil {
		t.Fatal(err)
	}
	reg := target.NewRegistry()
	reg.Register("test", func(target.ARN) target.Target { return tg })
	rec := &dlqRecorder{}
	d := New(st, reg, func(_ *Task, ev []byte) ([]byte, error) { return ev, nil }, rec.send,
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
	deadline := time.Now().Add(10 * time.Second)
	for d.Stats.Delivered.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
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
	d := &Deliverer{opt: Options{MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}}
	task := &Task{Ingested: time.Now()}
	pol := policy{maxRetries: 5, maxAge: time.Hour}
	if got := d.delay(1, task, pol, fmt.Errorf("wrapped: %w", retryAfterErr(time.Minute))); got != time.Minute {
		t.Errorf("delay with Retry-After 1m = %v", got)
	}
	if got := d.delay(1, task, pol, errors.New("plain")); got > 20*time.Millisecond {
		t.Errorf("delay without Retry-After = %v", got)
	}
	pol.maxAge = 30 * time.Second
	if got := d.delay(1, task, pol, retryAfterErr(time.Minute)); got > 30*time.Second {
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
	if !d.Deliver(task, []byte(`{"id":"e2"}`), func(err error) { done <- err }) {
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
