// Package router moves events from the EVENTS stream to their targets: for
// each event it asks the bus's compiled matcher which enabled rules match,
// and for each (rule, target) either hands the first attempt to the
// delivery lanes directly (when the target can start it at once) or files
// a task in the DELIVERIES queue. The event is acknowledged (and leaves the
// EVENTS work queue) only once every delivery is done or filed, so a crash
// at any point re-routes the event rather than losing it; filed tasks are
// de-duplicated by (event, rule, target).
package router

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/delivery"
	"github.com/switchyard/switchyard/internal/event"
	"github.com/switchyard/switchyard/internal/store"
)

// Stats counts routed events.
type Stats struct {
	Events    atomic.Int64
	Matched   atomic.Int64
	Tasks     atomic.Int64
	Unrouted  atomic.Int64 // events for buses that no longer exist
	Malformed atomic.Int64
}

// Deliverer makes first attempts directly (see delivery.Deliverer.Deliver).
type Deliverer interface {
	Deliver(t *delivery.Task, event []byte, held store.Delivery, done func(error)) bool
}

// Archiver copies events into the archives of their bus and restricts
// replayed events to the rules their replay names (see archive.Archives).
// ArchiveEvent calls done once the copies are stored (or failed), or
// returns false when no archive takes the event.
type Archiver interface {
	ArchiveEvent(scope catalog.Scope, bus string, event []byte, replayed bool, redelivered func() bool, done func(error)) bool
	RestrictReplay(h store.Header, rules []*catalog.Rule) []*catalog.Rule
}

// Options tunes a Router.
type Options struct {
	// Workers route events concurrently (default 32).
	Workers int
	// AckWait is how long an event handed to this node may go without
	// news before the stream hands it out again (default 10s). While its
	// deliveries wait in a lane or run, the Deliverer keeps the event
	// alive, so a slow target does not get it routed twice.
	AckWait time.Duration
	// Archiver, if set, archives events: an event is acknowledged only
	// once its archive copies are stored, like its filed deliveries.
	Archiver Archiver
}

// Router consumes EVENTS.
type Router struct {
	st      *store.Store
	deliver Deliverer
	archive Archiver
	cat     *catalog.Catalog
	log     *slog.Logger
	opt     Options
	Stats   Stats
	stop    func()
	work    chan store.Delivery
	wg      sync.WaitGroup
}

// New returns a Router. With a Deliverer, a delivery whose target can take
// it at once is attempted directly and only filed in the DELIVERIES queue
// if it needs a retry; the event is acknowledged once every one of its
// deliveries is done or filed.
func New(st *store.Store, cat *catalog.Catalog, d Deliverer, log *slog.Logger, opt Options) *Router {
	if opt.Workers <= 0 {
		opt.Workers = 32
	}
	if opt.AckWait <= 0 {
		opt.AckWait = 10 * time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Router{st: st, cat: cat, log: log, opt: opt, deliver: d, archive: opt.Archiver}
}

// Start routes events until Stop.
func (r *Router) Start(ctx context.Context) error {
	c, err := r.st.EnsureConsumer(ctx, store.ConsumerConfig{
		Stream: event.Stream, Durable: "router",
		AckWait: r.opt.AckWait, MaxAckPending: 50000,
	})
	if err != nil {
		return err
	}
	r.work = make(chan store.Delivery, 4*r.opt.Workers)
	for i := 0; i < r.opt.Workers; i++ {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			var buf []*catalog.Rule
			for m := range r.work {
				buf = r.route(ctx, m, buf[:0])
			}
		}()
	}
	stop, err := c.Consume(func(m store.Delivery) { r.work <- m }, 1000)
	if err != nil {
		close(r.work)
		r.wg.Wait()
		return err
	}
	r.stop = stop
	return nil
}

// Stop ends routing and waits for events in progress. The consumer's
// stop returns only once no callback is sending to the work channel, so
// closing it afterwards is safe.
func (r *Router) Stop() {
	if r.stop != nil {
		r.stop()
		close(r.work)
		r.wg.Wait()
		r.stop = nil
	}
}

func (r *Router) route(ctx context.Context, m store.Delivery, rules []*catalog.Rule) []*catalog.Rule {
	r.Stats.Events.Add(1)
	h := m.Headers()
	meta := event.MetaOf(h)
	scope := catalog.Scope{Account: meta.Account, Region: meta.Region}
	bus := meta.Bus
	data := m.Data()
	rules, err := r.cat.MatchAppend(rules, scope, bus, data)
	if err != nil {
		r.Stats.Malformed.Add(1)
		r.log.Error("dropping an event that is not a JSON object", "bus", bus, "err", err)
		_ = m.Term()
		return rules
	}
	if _, ok := r.cat.Bus(scope, bus); !ok {
		r.Stats.Unrouted.Add(1)
	}
	var spill []*store.Msg
	var archive func(done func(error)) bool
	if r.archive != nil {
		replay := meta.Replay != ""
		if replay {
			rules = r.archive.RestrictReplay(h, rules)
		}
		redelivered := func() bool {
			md, err := m.Metadata()
			return err != nil || md.NumDelivered > 1
		}
		archive = func(done func(error)) bool {
			return r.archive.ArchiveEvent(scope, bus, data, replay, redelivered, done)
		}
	}
	if len(rules) == 0 {
		if archive != nil && archive(func(err error) {
			if err != nil {
				r.log.Error("archiving failed; will retry", "bus", bus, "err", err)
				_ = m.NakWithDelay(time.Second)
				return
			}
			_ = m.Ack()
		}) {
			return rules
		}
		_ = m.Ack()
		return rules
	}
	r.Stats.Matched.Add(1)
	var env struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(data, &env)
	if meta.Ingested.IsZero() {
		meta.Ingested = time.Now()
	}
	// The event is acknowledged when every delivery is done or filed; one
	// extra count covers this function itself.
	var pending atomic.Int64
	var failed atomic.Bool
	finish := func(err error) {
		if err != nil {
			failed.Store(true)
		}
		if pending.Add(-1) == 0 {
			if failed.Load() {
				r.log.Error("filing delivery tasks failed; will retry", "bus", bus)
				_ = m.NakWithDelay(time.Second)
			} else {
				_ = m.Ack()
			}
		}
	}
	pending.Store(2) // this function and the archive copies
	if archive == nil || !archive(finish) {
		pending.Add(-1)
	}
	for _, rule := range rules {
		for _, tg := range rule.Targets {
			t := &delivery.Task{
				EventID: env.ID, Scope: scope, Bus: bus, Rule: rule.Name, RuleArn: rule.Arn(),
				Target: tg, Ingested: meta.Ingested, Hops: meta.Hops, Replay: meta.Replay,
			}
			r.Stats.Tasks.Add(1)
			pending.Add(1)
			if r.deliver == nil || !r.deliver.Deliver(t, data, m, finish) {
				spill = append(spill, t.Msg(data))
			}
		}
	}
	if len(spill) > 0 {
		err := r.st.Publish(ctx, spill...)
		for range spill {
			finish(err)
		}
	}
	finish(nil)
	return rules
}
