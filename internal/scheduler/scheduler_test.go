package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/delivery"
	"github.com/switchyard/switchyard/internal/store"
)

// fakeClock is a settable clock whose timers fire when time is advanced.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []fakeTimer
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{now: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.timers = append(c.timers, fakeTimer{c.now.Add(d), ch})
	return ch
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	var keep []fakeTimer
	for _, tm := range c.timers {
		if !tm.at.After(t) {
			tm.ch <- t
		} else {
			keep = append(keep, tm)
		}
	}
	c.timers = keep
	c.mu.Unlock()
}

type fixture struct {
	t    *testing.T
	st   *store.Store
	cat  *catalog.Catalog
	cons *store.Consumer
	seen map[string]int // delivery task message ids... by event time
}

var scope = catalog.Scope{Account: "123456789012", Region: "us-east-1"}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	st, err := store.Open(ctx, store.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := delivery.Setup(ctx, st); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Open(ctx, st, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cat.EnsureDefaultBus(ctx, scope); err != nil {
		t.Fatal(err)
	}
	cons, err := st.EnsureConsumer(ctx, store.ConsumerConfig{Stream: delivery.Stream, Durable: "test", AckWait: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, st: st, cat: cat, cons: cons, seen: map[string]int{}}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func (f *fixture) rule(name, expr, state string, created time.Time, targets int) {
	f.t.Helper()
	_, err := f.cat.UpdateRule(context.Background(), scope, catalog.DefaultBus, name, func(old *catalog.Rule) (*catalog.Rule, error) {
		r := &catalog.Rule{Scope: scope, Name: name, Bus: catalog.DefaultBus, ScheduleExpression: expr, State: state, Created: created, ScheduleAnchor: created}
		for i := 0; i < targets; i++ {
			id := string(rune('a' + i))
			r.Targets = append(r.Targets, catalog.Target{ID: id, Arn: "arn:aws:sqs:us-east-1:123456789012:q" + id, Raw: json.RawMessage(`{}`)})
		}
		return r, nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

// events drains the tasks filed so far and returns the event times seen,
// counting tasks per time.
func (f *fixture) drain(wait time.Duration) map[string]int {
	f.t.Helper()
	got := map[string]int{}
	for {
		msgs, err := f.cons.Fetch(context.Background(), 100, wait)
		if err != nil {
			f.t.Fatal(err)
		}
		if len(msgs) == 0 {
			return got
		}
		for _, m := range msgs {
			var ev struct {
				Time       string   `json:"time"`
				DetailType string   `json:"detail-type"`
				Source     string   `json:"source"`
				Resources  []string `json:"resources"`
			}
			if err := json.Unmarshal(m.Data(), &ev); err != nil {
				f.t.Fatal(err)
			}
			if ev.DetailType != "Scheduled Event" || ev.Source != "aws.events" || len(ev.Resources) != 1 {
				f.t.Fatalf("event %s", m.Data())
			}
			got[ev.Time]++
			_ = m.Ack()
		}
		wait = 200 * time.Millisecond
	}
}

func (f *fixture) start(clock Clock) *Scheduler {
	f.t.Helper()
	s := New(f.st, f.cat, quiet(), Options{Clock: clock})
	if err := s.Start(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	return s
}

// settle gives the scheduler goroutine a moment to act on a clock change.
func settle() { time.Sleep(150 * time.Millisecond) }

func TestRateFiresFromCreation(t *testing.T) {
	f := setup(t)
	t0 := time.Date(2026, 1, 1, 10, 0, 30, 0, time.UTC)
	clock := newFakeClock(t0)
	f.rule("every5", "rate(5 minutes)", catalog.StateEnabled, t0, 2)
	s := f.start(clock)
	defer s.Stop()
	for _, m := range []int{4, 5, 9, 10, 15} {
		clock.Set(time.Date(2026, 1, 1, 10, m, 0, 0, time.UTC))
		settle()
	}
	got := f.drain(time.Second)
	want := map[string]int{"2026-01-01T10:05:00Z": 2, "2026-01-01T10:10:00Z": 2, "2026-01-01T10:15:00Z": 2}
	if len(got) != len(want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("fired %v, want %v", got, want)
		}
	}
}

func TestDisableAndEditTakeEffect(t *testing.T) {
	f := setup(t)
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	clock := newFakeClock(t0)
	f.rule("r", "cron(* * * * ? *)", catalog.StateEnabled, t0, 1)
	s := f.start(clock)
	defer s.Stop()
	clock.Set(t0.Add(time.Minute))
	settle()
	f.rule("r", "cron(* * * * ? *)", catalog.StateDisabled, t0, 1)
	settle()
	clock.Set(t0.Add(3 * time.Minute))
	settle()
	if got := f.drain(500 * time.Millisecond); len(got) != 1 || got["2026-03-01T00:01:00Z"] != 1 {
		t.Fatalf("after disabling: %v", got)
	}
	f.rule("r", "cron(0/10 * * * ? *)", catalog.StateEnabled, t0, 1)
	settle()
	clock.Set(t0.Add(9 * time.Minute))
	settle()
	clock.Set(t0.Add(10 * time.Minute))
	settle()
	if got := f.drain(time.Second); len(got) != 1 || got["2026-03-01T00:10:00Z"] != 1 {
		t.Fatalf("after editing: %v", got)
	}
}

// A node restarting around a tick neither loses nor repeats it.
func TestRestartAroundTick(t *testing.T) {
	f := setup(t)
	t0 := time.Date(2026, 5, 1, 1, 59, 0, 0, time.UTC)
	clock := newFakeClock(t0)
	f.rule("daily", "cron(0 2 * * ? *)", catalog.StateEnabled, t0.Add(-48*time.Hour), 1)
	f.rule("minutely", "cron(* * * * ? *)", catalog.StateEnabled, t0, 1)

	// First life: fires 01:59? no (created at 01:59), 02:00 both rules.
	s := f.start(clock)
	clock.Set(time.Date(2026, 5, 1, 2, 0, 0, 0, time.UTC))
	settle()
	s.Stop() // just after the 02:00 tick

	// Second life, 20 s later: must not repeat 02:00.
	clock2 := newFakeClock(time.Date(2026, 5, 1, 2, 0, 20, 0, time.UTC))
	s = f.start(clock2)
	settle()
	s.Stop() // and now down across 02:01

	// Third life at 02:01:30: the missed 02:01 tick fires late, once.
	clock3 := newFakeClock(time.Date(2026, 5, 1, 2, 1, 30, 0, time.UTC))
	s = f.start(clock3)
	settle()
	s.Stop()

	got := f.drain(time.Second)
	want := map[string]int{"2026-05-01T02:00:00Z": 2, "2026-05-01T02:01:00Z": 1}
	if len(got) != len(want) || got["2026-05-01T02:00:00Z"] != 2 || got["2026-05-01T02:01:00Z"] != 1 {
		t.Fatalf("fired %v, want %v", got, want)
	}

	// Down for ten minutes: the ticks missed beyond the grace are skipped,
	// as EventBridge does not back-fill.
	clock4 := newFakeClock(time.Date(2026, 5, 1, 2, 12, 30, 0, time.UTC))
	s = f.start(clock4)
	settle()
	clock4.Set(time.Date(2026, 5, 1, 2, 13, 0, 0, time.UTC))
	settle()
	s.Stop()
	got = f.drain(time.Second)
	if len(got) != 1 || got["2026-05-01T02:13:00Z"] != 1 {
		t.Fatalf("after a long outage fired %v, want only 02:13", got)
	}
}

// Two nodes on one store fire each tick once.
func TestTwoNodesFireOnce(t *testing.T) {
	f := setup(t)
	t0 := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	clock := newFakeClock(t0)
	f.rule("r", "rate(1 minute)", catalog.StateEnabled, t0, 3)
	cat2, err := catalog.Open(context.Background(), f.st, quiet())
	if err != nil {
		t.Fatal(err)
	}
	a := New(f.st, f.cat, quiet(), Options{Clock: clock})
	b := New(f.st, cat2, quiet(), Options{Clock: clock})
	for _, s := range []*Scheduler{a, b} {
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer s.Stop()
	}
	for m := 1; m <= 3; m++ {
		clock.Set(t0.Add(time.Duration(m) * time.Minute))
		settle()
	}
	got := f.drain(time.Second)
	if len(got) != 3 {
		t.Fatalf("fired %v", got)
	}
	for k, v := range got {
		if v != 3 {
			t.Fatalf("tick %s: %d tasks, want 3 (one per target)", k, v)
		}
	}
	if a.Fired()+b.Fired() != 6 {
		t.Fatalf("both nodes should have fired every tick: %d + %d", a.Fired(), b.Fired())
	}
}

func TestFireNowAndPlans(t *testing.T) {
	f := setup(t)
	t0 := time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC)
	clock := newFakeClock(t0)
	f.rule("month-end", "cron(0 12 L * ? *)", catalog.StateEnabled, t0, 1)
	s := f.start(clock)
	defer s.Stop()
	plans := s.Plans(scope, "", 3)
	if len(plans) != 1 {
		t.Fatalf("plans %v", plans)
	}
	want := []string{"2026-02-28T12:00:00Z", "2026-03-31T12:00:00Z", "2026-04-30T12:00:00Z"}
	for i, w := range want {
		if plans[0].Next[i].Format(time.RFC3339) != w {
			t.Fatalf("next %v, want %v", plans[0].Next, want)
		}
	}
	id, n, err := s.FireNow(context.Background(), scope, catalog.DefaultBus, "month-end")
	if err != nil || n != 1 || id == "" {
		t.Fatalf("FireNow %q %d %v", id, n, err)
	}
	msgs, err := f.cons.Fetch(context.Background(), 10, time.Second)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("fetch %d %v", len(msgs), err)
	}
	var ev struct {
		Detail map[string]any `json:"detail"`
	}
	_ = json.Unmarshal(msgs[0].Data(), &ev)
	if ev.Detail["switchyard-manual-fire"] != true {
		t.Fatalf("manual fire not marked: %s", msgs[0].Data())
	}
	if _, _, err := s.FireNow(context.Background(), scope, catalog.DefaultBus, "nope"); err == nil {
		t.Fatal("FireNow of a missing rule succeeded")
	}
}

// A tick whose tasks cannot be filed is filed again until it is, and is
// not recorded as fired meanwhile: a restart fires it late instead of
// never.
func TestFailedFilingIsRetried(t *testing.T) {
	f := setup(t)
	t0 := time.Date(2026, 6, 1, 0, 0, 30, 0, time.UTC)
	clock := newFakeClock(t0)
	f.rule("r", "cron(* * * * ? *)", catalog.StateEnabled, t0, 2)
	var fail atomic.Int64
	fail.Store(3) // the first three task writes fail
	f.st.SetFaults(func(op store.Op, subject string) error {
		if op == store.OpPublish && fail.Add(-1) >= 0 {
			return errors.New("injected: write failed")
		}
		return nil
	})
	s := f.start(clock)
	clock.Set(t0.Add(30 * time.Second)) // 00:01:00
	settle()
	s.mu.Lock()
	recorded := s.last[ruleKey{scope, catalog.DefaultBus, "r"}]
	s.mu.Unlock()
	if !recorded.Before(time.Date(2026, 6, 1, 0, 1, 0, 0, time.UTC)) {
		t.Fatalf("tick recorded as fired (%v) before its tasks were filed", recorded)
	}
	time.Sleep(3 * retryEvery)
	got := f.drain(time.Second)
	s.Stop()
	if len(got) != 1 || got["2026-06-01T00:01:00Z"] != 2 {
		t.Fatalf("fired %v, want the 00:01 tick's two tasks once", got)
	}
}

// A tick that could not be filed before the node stopped fires when it
// starts again (within the grace).
func TestUnfiledTickFiresAfterRestart(t *testing.T) {
	f := setup(t)
	t0 := time.Date(2026, 6, 1, 0, 0, 30, 0, time.UTC)
	clock := newFakeClock(t0)
	f.rule("r", "cron(* * * * ? *)", catalog.StateEnabled, t0, 1)
	f.st.SetFaults(func(op store.Op, subject string) error {
		if op == store.OpPublish {
			return errors.New("injected: write failed")
		}
		return nil
	})
	s := f.start(clock)
	clock.Set(t0.Add(30 * time.Second)) // 00:01:00, cannot be filed
	settle()
	s.Stop()
	f.st.SetFaults(nil)
	s = f.start(newFakeClock(t0.Add(50 * time.Second)))
	settle()
	s.Stop()
	if got := f.drain(time.Second); len(got) != 1 || got["2026-06-01T00:01:00Z"] != 1 {
		t.Fatalf("fired %v, want the 00:01 tick once", got)
	}
}
