// Package scheduler fires scheduled rules: at each due minute of an
// enabled rule's ScheduleExpression (parsed by internal/schedexpr) it
// emits EventBridge's "Scheduled Event" and files it for the rule's
// targets through the normal delivery path (input transformation,
// retries, dead-letter queues).
//
// Exactly once per tick. Every node schedules every rule; the delivery
// tasks of a tick carry a message id made of the rule, the target and the
// tick, so the DELIVERIES stream keeps only the first copy when several
// nodes (or a node retrying after a crash) file the same tick. The last
// tick fired for each rule is kept in a key-value bucket: after a restart,
// a tick that fell due while the node was down is fired late if it is no
// more than Options.Grace old (default one minute, covering restarts);
// older missed ticks are skipped, as EventBridge does not back-fill. A
// tick counts as fired only once its tasks are stored: one whose filing
// failed is retried (every second, with the same message ids), and the
// recorded last tick of its rule stays before it until it is filed, so a
// restart meanwhile fires it late rather than never.
// Disabling, deleting or editing a rule takes effect at the next scheduling
// decision, which is immediate.
package scheduler

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/delivery"
	"github.com/switchyard/switchyard/internal/event"
	"github.com/switchyard/switchyard/internal/schedexpr"
	"github.com/switchyard/switchyard/internal/store"
)

// Bucket keeps the last tick fired per rule.
const Bucket = "switchyard-schedules"

// Clock is the scheduler's time source (real time, or a test's).
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Options tunes a Scheduler.
type Options struct {
	// Clock defaults to real time.
	Clock Clock
	// Grace is how late a tick missed while the node was down may still
	// fire (default one minute).
	Grace time.Duration
}

type ruleKey struct {
	scope     catalog.Scope
	bus, name string
}

type entry struct {
	rule  *catalog.Rule
	sched *schedexpr.Schedule
	next  time.Time
}

// Scheduler fires the scheduled rules of a catalog.
type Scheduler struct {
	st    *store.Store
	cat   *catalog.Catalog
	log   *slog.Logger
	clock Clock
	grace time.Duration
	state *store.KV

	mu      sync.Mutex
	entries map[ruleKey]*entry
	last    map[ruleKey]time.Time // last tick fired (loaded at start, then ours)
	dirty   map[ruleKey]time.Time // to persist
	fired   map[ruleKey]time.Time // latest tick filed by this node
	retry   []due                 // ticks whose filing failed
	wake    chan struct{}

	stop   func()
	done   chan struct{}
	nfired int64
}

// retryEvery is how often ticks whose filing failed are filed again.
const retryEvery = time.Second

// Fired returns how many ticks have fired (manual fires included).
func (s *Scheduler) Fired() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nfired
}

// New returns a Scheduler; Start runs it.
func New(st *store.Store, cat *catalog.Catalog, log *slog.Logger, o Options) *Scheduler {
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.Grace == 0 {
		o.Grace = time.Minute
	}
	s := &Scheduler{
		st: st, cat: cat, log: log, clock: o.Clock, grace: o.Grace,
		entries: map[ruleKey]*entry{}, last: map[ruleKey]time.Time{}, dirty: map[ruleKey]time.Time{}, fired: map[ruleKey]time.Time{},
		wake: make(chan struct{}, 1),
	}
	return s
}

func stateKey(k ruleKey) string {
	sum := sha256.Sum256([]byte(k.scope.Account + "\x00" + k.scope.Region + "\x00" + k.bus + "\x00" + k.name))
	return fmt.Sprintf("%x", sum[:16])
}

// Start loads the schedules and fires them until Stop.
func (s *Scheduler) Start(ctx context.Context) error {
	kv, err := s.st.KV(ctx, Bucket)
	if err != nil {
		return err
	}
	s.state = kv
	// Load the last ticks first, so the rules loaded next know them.
	var rules []*catalog.Rule
	s.cat.AllRules(func(r *catalog.Rule) { rules = append(rules, r) })
	for _, r := range rules {
		k := ruleKey{r.Scope, r.Bus, r.Name}
		if e, err := kv.Get(ctx, stateKey(k)); err == nil {
			var t time.Time
			if t.UnmarshalText(e.Value) == nil {
				s.last[k] = t
			}
		}
	}
	s.cat.Listen(s.changed)
	for _, r := range rules {
		s.set(r)
	}
	runCtx, cancel := context.WithCancel(ctx)
	s.stop = cancel
	s.done = make(chan struct{})
	go s.run(runCtx)
	return nil
}

// Stop ends firing and persists the last ticks.
func (s *Scheduler) Stop() {
	if s.stop != nil {
		s.stop()
		<-s.done
		s.stop = nil
	}
}

// changed follows the catalog: any change to a rule re-plans it.
func (s *Scheduler) changed(c catalog.Change) {
	if c.Kind != "rule" {
		return
	}
	if c.Deleted || c.RuleValue == nil {
		s.mu.Lock()
		delete(s.entries, ruleKey{c.Scope, c.Bus, c.Rule})
		s.mu.Unlock()
		s.poke()
		return
	}
	s.set(c.RuleValue)
}

// set (re)plans one rule.
func (s *Scheduler) set(r *catalog.Rule) {
	k := ruleKey{r.Scope, r.Bus, r.Name}
	var sched *schedexpr.Schedule
	if r.ScheduleExpression != "" && r.Enabled() {
		var err error
		if sched, err = schedexpr.Parse(r.ScheduleExpression); err != nil {
			s.log.Error("stored rule has an invalid schedule", "rule", r.Arn(), "err", err)
		}
	}
	s.mu.Lock()
	if sched == nil {
		delete(s.entries, k)
	} else {
		old := s.entries[k]
		e := &entry{rule: r, sched: sched}
		now := s.clock.Now()
		switch {
		case old != nil && old.rule.ScheduleExpression == r.ScheduleExpression && old.rule.ScheduleAnchor.Equal(r.ScheduleAnchor):
			e.next = old.next // only the targets or other fields changed
		default:
			// Resume after the last tick fired for the rule: a tick that
			// fell due while the node was down fires late if it is within
			// the grace; older ones are skipped.
			// A rule with no tick recorded resumes from its anchor, at
			// most the grace ago: a first tick that could not be filed
			// before a restart fires late too.
			from := now
			if last, ok := s.last[k]; ok {
				if last.Before(now) {
					from = last
				}
			} else if a := anchor(r); a.Before(now) {
				from = maxTime(a, now.Add(-s.grace))
			}
			e.next = sched.NextFrom(anchor(r), from)
			if !e.next.IsZero() && e.next.Before(now.Add(-s.grace)) {
				e.next = sched.NextFrom(anchor(r), now)
			}
		}
		s.entries[k] = e
	}
	s.mu.Unlock()
	s.poke()
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func anchor(r *catalog.Rule) time.Time {
	if !r.ScheduleAnchor.IsZero() {
		return r.ScheduleAnchor
	}
	return r.Created
}

func (s *Scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

type due struct {
	key  ruleKey
	rule *catalog.Rule
	tick time.Time
}

func (s *Scheduler) run(ctx context.Context) {
	defer close(s.done)
	flush := s.clock.After(time.Second)
	for {
		now := s.clock.Now()
		var fire []due
		var earliest time.Time
		s.mu.Lock()
		fire = append(fire, s.retry...)
		s.retry = nil
		for k, e := range s.entries {
			for !e.next.IsZero() && !e.next.After(now) {
				fire = append(fire, due{k, e.rule, e.next})
				e.next = e.sched.NextFrom(anchor(e.rule), e.next)
			}
			if !e.next.IsZero() && (earliest.IsZero() || e.next.Before(earliest)) {
				earliest = e.next
			}
		}
		s.mu.Unlock()
		if len(fire) > 0 {
			s.fire(ctx, fire)
		}
		wait := time.Hour
		if !earliest.IsZero() {
			wait = max(earliest.Sub(s.clock.Now()), 0)
		}
		var retry <-chan time.Time
		s.mu.Lock()
		if len(s.retry) > 0 {
			retry = time.After(retryEvery)
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			s.persist(context.Background())
			return
		case <-s.wake:
		case <-retry:
		case <-flush:
			s.persist(ctx)
			flush = s.clock.After(time.Second)
		case <-s.clock.After(wait):
		}
	}
}

// filed records that a rule's tick is filed: the last tick recorded for
// the rule is the latest filed, but stays before any tick of the rule
// still waiting to be filed again. Call with s.mu held.
func (s *Scheduler) filed(k ruleKey, tick time.Time) {
	if tick.After(s.fired[k]) {
		s.fired[k] = tick
	}
	s.record(k)
}

// record sets the rule's last tick from what is filed and what waits.
// Call with s.mu held.
func (s *Scheduler) record(k ruleKey) {
	last := s.fired[k]
	for _, d := range s.retry {
		if d.key == k && !d.tick.After(last) {
			last = d.tick.Add(-time.Nanosecond)
		}
	}
	if last.After(s.last[k]) {
		s.last[k] = last
		s.dirty[k] = last
	}
}

// persist writes the ticks fired since the last call.
func (s *Scheduler) persist(ctx context.Context) {
	s.mu.Lock()
	dirty := s.dirty
	s.dirty = map[ruleKey]time.Time{}
	s.mu.Unlock()
	for k, t := range dirty {
		b, _ := t.MarshalText()
		if _, err := s.state.Put(ctx, stateKey(k), b); err != nil {
			s.log.Warn("could not record a fired schedule tick", "err", err)
		}
	}
}

// fire files the delivery tasks of due ticks, in pipelined batches. A
// tick whose tasks are not all stored waits in s.retry to be filed again.
func (s *Scheduler) fire(ctx context.Context, ticks []due) {
	const batch = 512
	var (
		msgs   []*store.Msg
		owner  []int // index in ticks of each message
		failed = make([]bool, len(ticks))
	)
	flush := func() {
		if len(msgs) == 0 {
			return
		}
		err := s.st.Publish(ctx, msgs...)
		if err != nil {
			s.log.Error("filing scheduled events failed; will retry", "err", err)
		}
		for i := range msgs {
			if !store.Stored(err, i) {
				failed[owner[i]] = true
			}
		}
		msgs, owner = msgs[:0], owner[:0]
	}
	for i, d := range ticks {
		for _, m := range s.tasks(d.rule, d.tick, false) {
			msgs = append(msgs, m)
			owner = append(owner, i)
		}
		if len(msgs) >= batch {
			flush()
		}
	}
	flush()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, d := range ticks {
		if failed[i] && ctx.Err() == nil {
			if _, ok := s.entries[d.key]; ok {
				s.retry = append(s.retry, d)
			}
		}
	}
	for i, d := range ticks {
		if !failed[i] {
			s.filed(d.key, d.tick)
			s.nfired++
		}
	}
}

// Event builds a rule's Scheduled Event for a tick. Its id is derived from
// the rule and the tick, so every node builds the same event.
func Event(r *catalog.Rule, tick time.Time, manual bool) (id string, data []byte) {
	sum := sha256.Sum256([]byte(r.Arn() + "|" + tick.UTC().Format(time.RFC3339Nano)))
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	id = fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
	detail := json.RawMessage(`{}`)
	if manual {
		// Beyond AWS: a fire requested through Switchyard says so.
		detail = json.RawMessage(`{"switchyard-manual-fire":true}`)
	}
	env := event.Envelope{
		Version: "0", ID: id, DetailType: "Scheduled Event", Source: "aws.events",
		Account: r.Account, Time: event.FormatTime(tick), Region: r.Region,
		Resources: []string{r.Arn()}, Detail: detail,
	}
	return id, env.Marshal()
}

func (s *Scheduler) tasks(r *catalog.Rule, tick time.Time, manual bool) []*store.Msg {
	id, data := Event(r, tick, manual)
	msgs := make([]*store.Msg, 0, len(r.Targets))
	for _, tg := range r.Targets {
		t := delivery.Task{EventID: id, Scope: r.Scope, Bus: r.Bus, Rule: r.Name, RuleArn: r.Arn(), Target: tg, Ingested: tick}
		msgs = append(msgs, t.Msg(data))
	}
	return msgs
}

// FireNow fires a rule's targets at once with a Scheduled Event marked as
// a manual fire. It works for any rule, scheduled or not.
func (s *Scheduler) FireNow(ctx context.Context, scope catalog.Scope, bus, name string) (string, int, error) {
	r, ok := s.cat.Rule(scope, bus, name)
	if !ok {
		return "", 0, catalog.ErrNotFound
	}
	tick := s.clock.Now().UTC()
	msgs := s.tasks(r, tick, true)
	if len(msgs) > 0 {
		if err := s.st.Publish(ctx, msgs...); err != nil {
			return "", 0, err
		}
	}
	s.mu.Lock()
	s.nfired++
	s.mu.Unlock()
	id, _ := Event(r, tick, true)
	return id, len(msgs), nil
}

// Plan is a scheduled rule's upcoming fire times.
type Plan struct {
	Rule       string      `json:"rule"`
	Arn        string      `json:"arn"`
	Expression string      `json:"expression"`
	Next       []time.Time `json:"next"`
}

// Plans lists the scheduled rules of a scope (all buses; one rule if name
// is set) with their next n fire times, sorted by rule name.
func (s *Scheduler) Plans(scope catalog.Scope, name string, n int) []Plan {
	s.mu.Lock()
	var out []Plan
	for k, e := range s.entries {
		if k.scope != scope || (name != "" && k.name != name) {
			continue
		}
		p := Plan{Rule: k.name, Arn: e.rule.Arn(), Expression: e.rule.ScheduleExpression}
		for t := e.next; !t.IsZero() && len(p.Next) < n; t = e.sched.NextFrom(anchor(e.rule), t) {
			p.Next = append(p.Next, t)
		}
		out = append(out, p)
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Rule < out[j].Rule })
	return out
}
