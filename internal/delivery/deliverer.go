package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard/switchyard/internal/store"
	"github.com/switchyard/switchyard/internal/target"
)

// Options tunes a Deliverer.
type Options struct {
	// Workers sizes the read-ahead from the queue (default 64).
	Workers int
	// TargetConcurrency bounds concurrent invocations of one target
	// (default 16).
	TargetConcurrency int
	// ElasticConcurrency bounds concurrent invocations of a target whose
	// lane grows while it answers fast (API destinations; see lane.go):
	// default 256, never below TargetConcurrency.
	ElasticConcurrency int
	// MinBackoff and MaxBackoff bound retry delays (defaults 100ms, 5m).
	MinBackoff, MaxBackoff time.Duration
	// InvokeTimeout bounds one invocation (default 10s). A task whose
	// worker dies is handed out again InvokeTimeout+10s after it was taken.
	InvokeTimeout time.Duration
}

// Payloader turns an event into what a target receives (input
// transformation). It returns ErrSkip when the target is not to be invoked
// for this event (its InputPath selects nothing).
type Payloader func(t *Task, event []byte) ([]byte, error)

// ErrSkip tells delivery not to invoke the target for an event.
var ErrSkip = errors.New("delivery: nothing to deliver")

// DeadLetterSender sends a failed event to a dead-letter queue ARN.
type DeadLetterSender func(ctx context.Context, queueArn string, m target.QueueMessage) error

// Stats counts outcomes.
type Stats struct {
	Delivered        atomic.Int64
	Retried          atomic.Int64
	DeadLettered     atomic.Int64
	DeadLetterFailed atomic.Int64
	Dropped          atomic.Int64 // failed for good with no dead-letter queue
	Skipped          atomic.Int64 // nothing to deliver (InputPath selected nothing)
}

// Deliverer runs the delivery workers. Tasks are pulled from the
// DELIVERIES queue by one reader and handed to a lane per target, which
// also takes first attempts from the router: each lane queues what waits
// for its target (see lane.go) and runs up to TargetConcurrency
// invocations. A task its lane refuses is handed back to the queue for
// later (not counted as an attempt), so a slow or failing target only ever
// holds up its own tasks.
type Deliverer struct {
	st      *store.Store
	targets *target.Registry
	payload Payloader
	dlq     DeadLetterSender
	log     *slog.Logger
	opt     Options
	Stats   Stats

	ctx  context.Context
	stop func()
	wg   sync.WaitGroup
	// mu is held for reading while a delivery is queued and a worker
	// started, and for writing by Stop, so no worker starts after Stop.
	mu      sync.RWMutex
	running bool
	closed  atomic.Bool // set by Stop: workers leave what waits
	lanes   sync.Map    // target ARN -> *lane
	// deferred counts, per stream sequence, the times a task was handed
	// back because its lane was busy or its time had not come, so they are
	// not counted as attempts.
	deferred sync.Map
}

// New returns a Deliverer; Start runs it.
func New(st *store.Store, targets *target.Registry, payload Payloader, dlq DeadLetterSender, log *slog.Logger, opt Options) *Deliverer {
	if opt.Workers <= 0 {
		opt.Workers = 64
	}
	if opt.TargetConcurrency <= 0 {
		opt.TargetConcurrency = 16
	}
	if opt.ElasticConcurrency <= 0 {
		opt.ElasticConcurrency = 256
	}
	opt.ElasticConcurrency = max(opt.ElasticConcurrency, opt.TargetConcurrency)
	if opt.MinBackoff <= 0 {
		opt.MinBackoff = 100 * time.Millisecond
	}
	if opt.MaxBackoff <= 0 {
		opt.MaxBackoff = 5 * time.Minute
	}
	if opt.InvokeTimeout <= 0 {
		opt.InvokeTimeout = 10 * time.Second
	}
	return &Deliverer{st: st, targets: targets, payload: payload, dlq: dlq, log: log, opt: opt}
}

// Setup creates the DELIVERIES stream.
func Setup(ctx context.Context, st *store.Store) error {
	return st.EnsureStream(ctx, store.StreamConfig{
		Name:       Stream,
		Subjects:   []string{SubjectPrefix + ">"},
		WorkQueue:  true,
		Duplicates: 2 * time.Minute,
		MaxMsgSize: 4 << 20,
	})
}

// Start consumes the DELIVERIES queue until Stop.
func (d *Deliverer) Start(ctx context.Context) error {
	c, err := d.st.EnsureConsumer(ctx, store.ConsumerConfig{
		Stream: Stream, Durable: "delivery",
		AckWait:       d.opt.InvokeTimeout + 10*time.Second,
		MaxAckPending: 50000,
	})
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.ctx = ctx
	d.running = true
	d.mu.Unlock()
	stop, err := c.Consume(d.dispatch, 4*d.opt.Workers)
	if err != nil {
		return err
	}
	d.stop = stop
	return nil
}

// Stop ends consumption and waits for in-flight invocations. Deliveries
// still waiting in a lane are left unacknowledged: their events or tasks
// are handed out again.
func (d *Deliverer) Stop() {
	if d.stop == nil {
		return
	}
	d.stop()
	d.stop = nil
	d.closed.Store(true)
	d.mu.Lock()
	d.running = false
	d.mu.Unlock()
	d.wg.Wait()
}

// enqueue puts an item in its target's lane, if the lane admits it, and
// makes sure a worker runs. It reports false when the lane is too busy
// (or the Deliverer is not running).
func (d *Deliverer) enqueue(arn string, it item) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if !d.running {
		return false
	}
	v, ok := d.lanes.Load(arn)
	if !ok {
		v, _ = d.lanes.LoadOrStore(arn, d.newLane(arn))
	}
	l := v.(*lane)
	it.queued = time.Now()
	l.mu.Lock()
	maxWait := maxQueueWait
	if it.m != nil {
		maxWait = maxFiledWait
	}
	if !l.admits(it.queued, d.opt.TargetConcurrency, maxWait) {
		l.mu.Unlock()
		return false
	}
	l.push(it)
	start := l.active < l.limit
	if start {
		l.active++
		d.wg.Add(1)
	}
	l.mu.Unlock()
	if start {
		go d.work(l)
	}
	return true
}

func (d *Deliverer) newLane(arn string) *lane {
	l := &lane{limit: d.opt.TargetConcurrency, ceiling: d.opt.TargetConcurrency}
	if e, ok := d.targets.Resolve(arn).(elastic); ok && e.ElasticConcurrency() {
		l.ceiling = d.opt.ElasticConcurrency
	}
	return l
}

// dispatch hands a task read from the DELIVERIES queue to its lane.
func (d *Deliverer) dispatch(m store.Delivery) {
	if d.enqueue(m.Headers().Get(HeaderTarget), item{m: m}) {
		return
	}
	d.handBack(m)
}

// handBack returns a task its lane could not take to the queue without
// counting an attempt. The delay doubles each time the same task comes
// back (200ms up to 10s), so a backlog behind a saturated target is not
// read over and over.
func (d *Deliverer) handBack(m store.Delivery) {
	n := int64(1)
	if md, err := m.Metadata(); err == nil {
		n = d.defer1(md.Sequence.Stream)
	}
	_ = m.NakWithDelay(backoff(int(min(n, 16)), 200*time.Millisecond, 10*time.Second))
}

// defer1 counts a hand-back of the task at seq and returns the count.
func (d *Deliverer) defer1(seq uint64) int64 {
	v, _ := d.deferred.LoadOrStore(seq, new(atomic.Int64))
	return v.(*atomic.Int64).Add(1)
}

// Deliver makes the first attempt of a delivery without filing it first,
// when the target's lane takes it (see lane.go); done is called once the
// delivery succeeded, went to its dead-letter queue, or was filed in the
// DELIVERIES queue for a retry (err is non-nil only if filing failed, in
// which case the caller still owns the delivery). Deliver reports false,
// without calling done, when the lane is busy: the caller should file the
// task instead.
func (d *Deliverer) Deliver(t *Task, event []byte, done func(error)) bool {
	return d.enqueue(t.Target.Arn, item{task: t, event: event, done: done})
}

// work runs one of a lane's workers until the lane is empty (or has more
// workers than its limit).
func (d *Deliverer) work(l *lane) {
	defer d.wg.Done()
	var (
		o    outcome
		took time.Duration
	)
	for {
		l.mu.Lock()
		if o != notInvoked {
			l.adapt(o, took, d.opt.TargetConcurrency)
		}
		if l.len() == 0 || l.active > l.limit || d.closed.Load() {
			l.active--
			l.mu.Unlock()
			return
		}
		it := l.pop()
		if l.active < l.limit && l.len() > 0 {
			// The limit grew: start another worker.
			l.active++
			d.wg.Add(1)
			go d.work(l)
		}
		l.mu.Unlock()
		start := time.Now()
		switch {
		case start.Sub(it.queued) > staleAfter:
			d.stale(it)
			o = notInvoked
		case it.m != nil:
			o = d.handle(d.ctx, it.m)
		default:
			o = d.first(d.ctx, it)
		}
		took = time.Since(start)
	}
}

// stale hands back a delivery that waited too long in its lane: a first
// attempt is filed in the DELIVERIES queue, a filed task is returned to it.
func (d *Deliverer) stale(it item) {
	if it.m != nil {
		d.handBack(it.m)
		return
	}
	it.done(d.st.Publish(d.ctx, it.task.Msg(it.event)))
}

// first makes a first attempt handed over by the router.
func (d *Deliverer) first(ctx context.Context, it item) outcome {
	t := it.task
	err := d.invoke(ctx, t, it.event)
	if err == nil || errors.Is(err, ErrSkip) {
		d.count(err)
		it.done(nil)
		return outcomeOf(err)
	}
	pol := policyOf(t.Target.Raw)
	code, msg := target.Classify(err)
	if !target.Retryable(err) {
		d.deadLetter(ctx, t, it.event, code, msg, "", 0, pol)
		it.done(nil)
		return failed
	}
	if c := d.exhausted(t, 0, pol); c != "" {
		d.deadLetter(ctx, t, it.event, code, msg, c, 0, pol)
		it.done(nil)
		return refused
	}
	// File the retry: the queue hands it out after the backoff.
	d.Stats.Retried.Add(1)
	m := t.Msg(it.event)
	m.Header.Set(HeaderAttempts, "1")
	m.Header.Set(HeaderNotBefore, time.Now().Add(d.delay(1, t, pol, err)).UTC().Format(time.RFC3339Nano))
	it.done(d.st.Publish(ctx, m))
	return refused
}

func (d *Deliverer) count(err error) {
	if err == nil {
		d.Stats.Delivered.Add(1)
	} else {
		d.Stats.Skipped.Add(1)
	}
}

// exhausted returns the EXHAUSTED_RETRY_CONDITION if the delivery may not
// be retried again, or "".
func (d *Deliverer) exhausted(t *Task, retries int, pol policy) string {
	switch {
	case retries >= pol.maxRetries:
		return "MaximumRetryAttempts"
	case time.Since(t.Ingested) >= pol.maxAge:
		return "MaximumEventAgeInSeconds"
	}
	return ""
}

// delay is the wait before the next attempt: the backoff, or longer when the
// target asked for it (an HTTP Retry-After), never past the event's age limit.
func (d *Deliverer) delay(attempt int, t *Task, pol policy, err error) time.Duration {
	delay := backoff(attempt, d.opt.MinBackoff, d.opt.MaxBackoff)
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		delay = max(delay, ra.RetryAfter())
	}
	if rest := pol.maxAge - time.Since(t.Ingested); delay > rest {
		delay = max(rest, 0)
	}
	return delay
}

// handle delivers a task read from the DELIVERIES queue.
func (d *Deliverer) handle(ctx context.Context, m store.Delivery) outcome {
	var t Task
	h := m.Headers()
	if err := json.Unmarshal([]byte(h.Get(HeaderTask)), &t); err != nil {
		d.log.Error("dropping malformed delivery task", "err", err)
		_ = m.Term()
		return notInvoked
	}
	md, err := m.Metadata()
	attempt, seq := 1, uint64(0)
	if err == nil {
		attempt, seq = int(md.NumDelivered), md.Sequence.Stream
	}
	// A retry filed by a first attempt waits for its time.
	if nb, err := time.Parse(time.RFC3339Nano, h.Get(HeaderNotBefore)); err == nil {
		if wait := time.Until(nb); wait > 0 {
			d.defer1(seq)
			_ = m.NakWithDelay(wait)
			return notInvoked
		}
	}
	if v, ok := d.deferred.Load(seq); ok {
		attempt -= int(v.(*atomic.Int64).Load())
	}
	if n, err := strconv.Atoi(h.Get(HeaderAttempts)); err == nil {
		attempt += n
	}
	event := m.Data()

	err = d.invoke(ctx, &t, event)
	if err == nil || errors.Is(err, ErrSkip) {
		d.count(err)
		d.finish(m, seq)
		return outcomeOf(err)
	}
	pol := policyOf(t.Target.Raw)
	retries := attempt - 1
	code, msg := target.Classify(err)
	o := refused
	switch {
	case !target.Retryable(err):
		o = failed
		d.deadLetter(ctx, &t, event, code, msg, "", retries, pol)
	case d.exhausted(&t, retries, pol) != "":
		d.deadLetter(ctx, &t, event, code, msg, d.exhausted(&t, retries, pol), retries, pol)
	default:
		delay := d.delay(attempt, &t, pol, err)
		d.Stats.Retried.Add(1)
		d.log.Debug("delivery failed; will retry", "rule", t.RuleArn, "target", t.Target.ID, "attempt", attempt, "delay", delay, "err", err)
		_ = m.NakWithDelay(delay)
		return o
	}
	d.finish(m, seq)
	return o
}

func (d *Deliverer) finish(m store.Delivery, seq uint64) {
	d.deferred.Delete(seq)
	_ = m.Ack()
}

func (d *Deliverer) invoke(ctx context.Context, t *Task, event []byte) error {
	payload, err := d.payload(t, event)
	if errors.Is(err, ErrSkip) {
		return err
	}
	if err != nil {
		return &target.Error{Code: target.CodeInvalidParam, Message: err.Error()}
	}
	ictx, cancel := context.WithTimeout(ctx, d.opt.InvokeTimeout)
	defer cancel()
	return d.targets.Resolve(t.Target.Arn).Invoke(ictx, &target.Invocation{
		Account: t.Scope.Account, Region: t.Scope.Region,
		EventID: t.EventID, RuleArn: t.RuleArn,
		TargetID: t.Target.ID, TargetArn: t.Target.Arn, Config: t.Target.Raw,
		Event: event, Payload: payload, Hops: t.Hops,
	})
}

// deadLetter sends the event to the target's dead-letter queue, or counts
// and logs it when there is none.
func (d *Deliverer) deadLetter(ctx context.Context, t *Task, event []byte, code, msg, condition string, retries int, pol policy) {
	if pol.dlq == "" {
		d.Stats.Dropped.Add(1)
		d.log.Warn("delivery failed; no dead-letter queue", "rule", t.RuleArn, "target", t.Target.ID,
			"event", t.EventID, "error_code", code, "error", msg, "retries", retries, "condition", condition)
		return
	}
	attrs := map[string]target.QueueAttribute{
		"RULE_ARN":       {DataType: "String", StringValue: t.RuleArn},
		"TARGET_ARN":     {DataType: "String", StringValue: t.Target.Arn},
		"ERROR_CODE":     {DataType: "String", StringValue: code},
		"ERROR_MESSAGE":  {DataType: "String", StringValue: msg},
		"RETRY_ATTEMPTS": {DataType: "Number", StringValue: strconv.Itoa(retries)},
	}
	if condition != "" {
		attrs["EXHAUSTED_RETRY_CONDITION"] = target.QueueAttribute{DataType: "String", StringValue: condition}
	}
	err := d.dlq(ctx, pol.dlq, target.QueueMessage{Body: string(event), Attributes: attrs})
	if err != nil {
		d.Stats.DeadLetterFailed.Add(1)
		d.log.Error("could not send to dead-letter queue", "dlq", pol.dlq, "rule", t.RuleArn, "target", t.Target.ID, "event", t.EventID, "err", err)
		return
	}
	d.Stats.DeadLettered.Add(1)
	d.log.Info("event sent to dead-letter queue", "dlq", pol.dlq, "rule", t.RuleArn, "target", t.Target.ID, "event", t.EventID, "error_code", code)
}
