package router

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/delivery"
	"github.com/switchyard/switchyard/internal/event"
	"github.com/switchyard/switchyard/internal/ingest"
	"github.com/switchyard/switchyard/internal/store"
	"github.com/switchyard/switchyard/internal/store/storetest"
	"github.com/switchyard/switchyard/internal/target"
)

var scope = catalog.Scope{Account: "111111111111", Region: "us-east-1"}

type env struct {
	t   *testing.T
	st  *store.Store
	cat *catalog.Catalog
	in  *ingest.Ingester
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, ingest.Setup, delivery.Setup)
	cat, err := catalog.Open(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, cat: cat, in: ingest.New(st, cat, nil)}
	if _, err := cat.EnsureDefaultBus(ctx, scope); err != nil {
		t.Fatal(err)
	}
	return e
}

// rule creates or replaces a rule on the default bus with the given
// pattern, state and target ids (ARNs arn:aws:test:…:<id>).
func (e *env) rule(name, pattern, state string, targets ...string) {
	e.t.Helper()
	_, err := e.cat.UpdateRule(context.Background(), scope, catalog.DefaultBus, name, func(*catalog.Rule) (*catalog.Rule, error) {
		r := &catalog.Rule{Scope: scope, Name: name, Bus: catalog.DefaultBus, EventPattern: pattern, State: state, Created: time.Now()}
		for _, id := range targets {
			r.Targets = append(r.Targets, catalog.Target{ID: id, Arn: "arn:aws:test:us-east-1:111111111111:" + id, Raw: json.RawMessage(`{}`)})
		}
		return r, nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// put stores events with the given sources and returns their ids.
func (e *env) put(sources ...string) []string {
	e.t.Helper()
	var entries []ingest.Entry
	for _, s := range sources {
		entries = append(entries, ingest.Entry{Source: s, DetailType: "t", Detail: `{"n":1}`})
	}
	res, err := e.in.Put(context.Background(), scope, entries)
	if err != nil {
		e.t.Fatal(err)
	}
	var ids []string
	for _, r := range res {
		if r.ErrorCode != "" {
			e.t.Fatalf("put: %s %s", r.ErrorCode, r.ErrorMessage)
		}
		ids = append(ids, r.EventID)
	}
	return ids
}

// recorder is a Deliverer that records first attempts and says done.
type recorder struct {
	mu     sync.Mutex
	got    []string // "<event id> <rule> <target id>"
	refuse bool
	delay  time.Duration
}

func (r *recorder) Deliver(t *delivery.Task, event []byte, held store.Delivery, done func(error)) bool {
	if r.refuse {
		return false
	}
	if r.delay > 0 {
		time.Sleep(r.delay)
	}
	r.mu.Lock()
	r.got = append(r.got, t.EventID+" "+t.Rule+" "+t.Target.ID)
	r.mu.Unlock()
	done(nil)
	return true
}

func (r *recorder) wait(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.mu.Lock()
		got := slices.Clone(r.got)
		r.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			slices.Sort(got)
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (e *env) router(d Deliverer, opt Options) *Router {
	e.t.Helper()
	r := New(e.st, e.cat, d, nil, opt)
	if err := r.Start(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(r.Stop)
	return r
}

// waitEmpty waits until EVENTS holds nothing: every event acknowledged.
func (e *env) waitEmpty() {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := e.st.StreamState(context.Background(), event.Stream)
		if err == nil && st.Msgs == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("EVENTS still holds %d events", st.Msgs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRouting(t *testing.T) {
	cases := []struct {
		name  string
		rules func(e *env)
		put   []string
		want  func(ids []string) []string
	}{
		{
			name:  "one rule, two targets",
			rules: func(e *env) { e.rule("r1", `{"source":["a"]}`, catalog.StateEnabled, "t1", "t2") },
			put:   []string{"a", "b"},
			want:  func(ids []string) []string { return []string{ids[0] + " r1 t1", ids[0] + " r1 t2"} },
		},
		{
			name: "two rules match one event",
			rules: func(e *env) {
				e.rule("r1", `{"source":["a"]}`, catalog.StateEnabled, "t1")
				e.rule("r2", `{"source":[{"prefix":"a"}]}`, catalog.StateEnabled, "t1")
			},
			put:  []string{"a"},
			want: func(ids []string) []string { return []string{ids[0] + " r1 t1", ids[0] + " r2 t1"} },
		},
		{
			name: "disabled rules and rules without targets do nothing",
			rules: func(e *env) {
				e.rule("off", `{"source":["a"]}`, catalog.StateDisabled, "t1")
				e.rule("none", `{"source":["a"]}`, catalog.StateEnabled)
				e.rule("on", `{"source":["a"]}`, catalog.StateEnabledWithAllCloudTrail, "t3")
			},
			put:  []string{"a"},
			want: func(ids []string) []string { return []string{ids[0] + " on t3"} },
		},
		{
			name:  "no match",
			rules: func(e *env) { e.rule("r1", `{"source":["z"]}`, catalog.StateEnabled, "t1") },
			put:   []string{"a", "b"},
			want:  func([]string) []string { return nil },
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			c.rules(e)
			rec := &recorder{}
			r := e.router(rec, Options{Workers: 4})
			ids := e.put(c.put...)
			want := c.want(ids)
			slices.Sort(want)
			rec.wait(t, len(want))
			e.waitEmpty()
			got := rec.wait(t, len(want))
			if !slices.Equal(got, want) {
				t.Fatalf("deliveries\n got %q\nwant %q", got, want)
			}
			if n := r.Stats.Events.Load(); n != int64(len(c.put)) {
				t.Errorf("Events = %d", n)
			}
		})
	}
}

// A rule created, changed or disabled while events flow applies to the
// events stored after the change.
func TestRuleChangesMidStream(t *testing.T) {
	e := newEnv(t)
	rec := &recorder{}
	e.router(rec, Options{Workers: 4})
	first := e.put("a")
	e.waitEmpty()
	e.rule("r", `{"source":["a"]}`, catalog.StateEnabled, "t1")
	second := e.put("a")
	rec.wait(t, 1)
	e.waitEmpty()
	e.rule("r", `{"source":["a"]}`, catalog.StateEnabled, "t2")
	third := e.put("a")
	rec.wait(t, 2)
	e.waitEmpty()
	e.rule("r", `{"source":["a"]}`, catalog.StateDisabled, "t2")
	e.put("a")
	e.waitEmpty()
	got := rec.wait(t, 2)
	want := []string{second[0] + " r t1", third[0] + " r t2"}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("deliveries %q, want %q (first event %s had no rule)", got, want, first[0])
	}
}

// Deliveries a lane refuses are filed in DELIVERIES, once each.
func TestRefusedDeliveriesAreFiled(t *testing.T) {
	e := newEnv(t)
	e.rule("r", `{"source":["a"]}`, catalog.StateEnabled, "t1", "t2")
	e.router(&recorder{refuse: true}, Options{Workers: 4})
	e.put("a", "a", "a")
	e.waitEmpty()
	st, err := e.st.StreamState(context.Background(), delivery.Stream)
	if err != nil || st.Msgs != 6 {
		t.Fatalf("DELIVERIES holds %d tasks (%v), want 6", st.Msgs, err)
	}
}

// When filing a delivery fails, the event is not acknowledged: it is
// routed again later and its tasks are filed then (once: they are
// de-duplicated by event, rule and target).
func TestFilingFailureRoutesAgain(t *testing.T) {
	e := newEnv(t)
	e.rule("r", `{"source":["a"]}`, catalog.StateEnabled, "t1", "t2")
	var failed atomic.Int64
	e.st.SetFaults(func(op store.Op, subject string) error {
		if op == store.OpPublish && subject == delivery.Subject(scope.Account) && failed.Add(1) == 1 {
			return errors.New("injected: DELIVERIES write failed")
		}
		return nil
	})
	r := e.router(&recorder{refuse: true}, Options{Workers: 4})
	e.put("a")
	e.waitEmpty()
	st, _ := e.st.StreamState(context.Background(), delivery.Stream)
	if st.Msgs != 2 {
		t.Fatalf("DELIVERIES holds %d tasks, want 2", st.Msgs)
	}
	if n := r.Stats.Events.Load(); n < 2 {
		t.Fatalf("the event was routed %d times; a failed filing must route it again", n)
	}
}

// Stopping a router while its workers are busy and the consumer is still
// handing it events neither panics nor loses them (they stay in EVENTS).
func TestStopUnderLoad(t *testing.T) {
	e := newEnv(t)
	e.rule("r", `{"source":["a"]}`, catalog.StateEnabled, "t1")
	var sources []string
	for range 10 {
		sources = append(sources, "a")
	}
	for range 20 {
		e.put(sources...)
	}
	for i := range 3 {
		rec := &recorder{delay: 5 * time.Millisecond}
		r := New(e.st, e.cat, rec, nil, Options{Workers: 1, AckWait: time.Second})
		if err := r.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(20+30*i) * time.Millisecond)
		r.Stop()
	}
	e.router(&recorder{}, Options{Workers: 4, AckWait: time.Second})
	e.waitEmpty()
}

type slowTarget struct {
	calls atomic.Int64
	took  time.Duration
}

func (s *slowTarget) Invoke(ctx context.Context, inv *target.Invocation) error {
	s.calls.Add(1)
	time.Sleep(s.took)
	return nil
}

func (s *slowTarget) Timeout() time.Duration { return time.Minute }

// A first attempt that takes longer than the router's AckWait does not get
// its event routed (and the target invoked) a second time.
func TestSlowFirstAttemptRoutedOnce(t *testing.T) {
	e := newEnv(t)
	e.rule("r", `{"source":["a"]}`, catalog.StateEnabled, "t1")
	tg := &slowTarget{took: 3 * time.Second}
	reg := target.NewRegistry()
	reg.Register("test", func(target.ARN) target.Target { return tg })
	d := delivery.New(e.st, reg, func(context.Context, string, target.QueueMessage) error { return nil }, nil,
		delivery.Options{KeepAlive: 200 * time.Millisecond})
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Stop)
	r := e.router(d, Options{AckWait: time.Second})
	e.put("a")
	e.waitEmpty()
	time.Sleep(1500 * time.Millisecond)
	if n := tg.calls.Load(); n != 1 || r.Stats.Events.Load() != 1 {
		t.Fatalf("target invoked %d times, event routed %d times; want once each", n, r.Stats.Events.Load())
	}
	if d.Stats.Delivered.Load() != 1 {
		t.Fatalf("delivered %d", d.Stats.Delivered.Load())
	}
}

func TestMalformedEventIsDropped(t *testing.T) {
	e := newEnv(t)
	r := e.router(&recorder{}, Options{Workers: 1})
	if err := e.st.Publish(context.Background(), &store.Msg{
		Subject: event.Subject(scope.Account, scope.Region, "default"), Data: []byte("not json"),
		Header: store.Header{event.HeaderAccount: {scope.Account}, event.HeaderRegion: {scope.Region}, event.HeaderBus: {"default"}},
	}); err != nil {
		t.Fatal(err)
	}
	e.rule("r", `{"source":["a"]}`, catalog.StateEnabled, "t1")
	e.waitEmpty()
	if r.Stats.Malformed.Load() != 1 {
		t.Fatalf("Malformed = %d", r.Stats.Malformed.Load())
	}
}

func TestEventsForMissingBusesAreCounted(t *testing.T) {
	e := newEnv(t)
	r := e.router(&recorder{}, Options{Workers: 1})
	if err := e.st.Publish(context.Background(), &store.Msg{
		Subject: event.Subject(scope.Account, scope.Region, "gone"), Data: []byte(`{"id":"x","source":"a"}`),
		Header: store.Header{event.HeaderAccount: {scope.Account}, event.HeaderRegion: {scope.Region}, event.HeaderBus: {"gone"}},
	}); err != nil {
		t.Fatal(err)
	}
	e.waitEmpty()
	if r.Stats.Unrouted.Load() != 1 {
		t.Fatalf("Unrouted = %d", r.Stats.Unrouted.Load())
	}
}
