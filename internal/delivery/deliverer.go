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
// DELIVERIES queue by one reader and handed to a lane per target: each lane
// has a bounded buffer and up to TargetConcurrency invocations in flight.
// A task whose lane is full is handed back to the queue for a little later
// (not counted as an attempt), so a slow or failing target only ever holds
// up its own tasks.
type Deliverer struct {
	st      *store.Store
	targets *target.Registry
	payload Payloader
	dlq     DeadLetterSender
	log     *slog.Logger
	opt     Options
	Stats   Stats

	ctx    context.Context
	stop   func()
	wg     sync.WaitGroup
	mu     sync.Mutex
	lanes  map[string]*lane
	closed bool
	// deferred counts, per stream sequence, the times a task was handed
	// back because its lane was full, so they are not counted as attempts.
	deferred sync.Map
}

type lane struct {
	tasks  chan item
	active int // workers running; guarded by Deliverer.mu
}

// item is one delivery waiting in a lane: a task read from the DELIVERIES
// queue (m), or a first attempt handed over directly by the router (task,
// event and done).
type item struct {
	m     store.Delivery
	task  *Task
	event []byte
	done  func(error)
}

// laneBuffer is how many tasks may wait for one target.
const laneBuffer = 1024

// New returns a Deliverer; Start runs it.
func New(st *store.Store, targets *target.Registry, payload Payloader, dlq DeadLetterSender, log *slog.Logger, opt Options) *Deliverer {
	if opt.Workers <= 0 {
		opt.Workers = 64
	}
	if opt.TargetConcurrency <= 0 {
		opt.TargetConcurrency = 16
	}
	if opt.MinBackoff <= 0 {
		opt.MinBackoff = 100 * time.Millisecond
	}
	if opt.MaxBackoff <= 0 {
		opt.MaxBackoff = 5 * time.Minute
	}
	if opt.InvokeTimeout <= 0 {
		opt.InvokeTimeout = 10 * time.Second
	}
	return &Deliverer{st: st, targets: targets, payload: payload, dlq: dlq, log: log, opt: opt, lanes: map[string]*lane{}}
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
	d.mu.Unlock()
	stop, err := c.Consume(d.dispatch, 4*d.opt.Workers)
	if err != nil {
		return err
	}
	d.stop = stop
	return nil
}

// Stop ends consumption and waits for in-flight invocations.
func (d *Deliverer) Stop() {
	if d.stop == nil {
		return
	}
	d.stop()
	d.stop = nil
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.wg.Wait()
}

// enqueue puts an item in its target's lane and makes sure a worker runs.
// limit bounds how many items may already wait; it reports false when the
// lane is that busy (or closed).
func (d *Deliverer) enqueue(arn string, it item, limit int) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed || d.ctx == nil {
		return false
	}
	l := d.lanes[arn]
	if l == nil {
		l = &lane{tasks: make(chan item, laneBuffer)}
		d.lanes[arn] = l
	}
	if len(l.tasks) >= limit {
		return false
	}
	select {
	case l.tasks <- it:
	default:
		return false
	}
	if l.active < d.opt.TargetConcurrency {
		l.active++
		d.wg.Add(1)
		go d.work(l)
	}
	return true
}

// dispatch hands a task read from the DELIVERIES queue to its lane.
func (d *Deliverer) dispatch(m store.Delivery) {
	if d.enqueue(m.Headers().Get(HeaderTarget), item{m: m}, laneBuffer) {
		return
	}
	// The target is backed up: hand the task back for a little later
	// without counting an attempt.
	if md, err := m.Metadata(); err == nil {
		d.defer1(md.Sequence.Stream)
	}
	_ = m.NakWithDelay(backoff(1, 200*time.Millisecond, time.Second))
}

func (d *Deliverer) defer1(seq uint64) {
	v, _ := d.deferred.LoadOrStore(seq, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

// Deliver makes the first attempt of a delivery without filing it first,
// when the target's lane can start it soon; done is called once the
// delivery succeeded, went to its dead-letter queue, or was filed in the
// DELIVERIES queue for a retry (err is non-nil only if filing failed, in
// which case the caller still owns the delivery). Deliver reports false,
// without calling done, when the lane is busy: the caller should file the
// task instead.
func (d *Deliverer) Deliver(t *Task, event []byte, done func(error)) bool {
	return d.enqueue(t.Target.Arn, item{task: t, event: event, done: done}, d.opt.TargetConcurrency)
}

// work runs one of a lane's workers until the lane is empty.
func (d *Deliverer) work(l *lane) {
	defer d.wg.Done()
	for {
		select {
		case it := <-l.tasks:
			if it.m != nil {
				d.handle(d.ctx, it.m)
			} else {
				d.first(d.ctx, it)
			}
			continue
		default:
		}
		d.mu.Lock()
		if len(l.tasks) == 0 || d.closed {
			l.active--
			d.mu.Unlock()
			return
		}
		d.mu.Unlock()
	}
}

// first makes a first attempt handed over by the router.
func (d *Deliverer) first(ctx context.Context, it item) {
	t := it.task
	pol := policyOf(t.Target.Raw)
	err := d.invoke(ctx, t, it.event)
	if err == nil || errors.Is(err, ErrSkip) {
		d.count(err)
		it.done(nil)
		return
	}
	code, msg := target.Classify(err)
	if !target.Retryable(err) {
		d.deadLetter(ctx, t, it.event, code, msg, "", 0, pol)
		it.done(nil)
		return
	}
	if c := d.exhausted(t, 0, pol); c != "" {
		d.deadLetter(ctx, t, it.event, code, msg, c, 0, pol)
		it.done(nil)
		return
	}
	// File the retry: the queue hands it out after the backoff.
	d.Stats.Retried.Add(1)
	m := t.Msg(it.event)
	m.Header.Set(HeaderAttempts, "1")
	m.Header.Set(HeaderNotBefore, time.Now().Add(d.delay(1, t, pol, err)).UTC().Format(time.RFC3339Nano))
	it.done(d.st.Publish(ctx, m))
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
func (d *Deliverer) handle(ctx context.Context, m store.Delivery) {
	var t Task
	h := m.Headers()
	if err := json.Unmarshal([]byte(h.Get(HeaderTask)), &t); err != nil {
		d.log.Error("dropping malformed delivery task", "err", err)
		_ = m.Term()
		return
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
			return
		}
	}
	if v, ok := d.deferred.Load(seq); ok {
		attempt -= int(v.(*atomic.Int64).Load())
	}
	if n, err := strconv.Atoi(h.Get(HeaderAttempts)); err == nil {
		attempt += n
	}
	pol := policyOf(t.Target.Raw)
	event := m.Data()

	err = d.invoke(ctx, &t, event)
	if err == nil || errors.Is(err, ErrSkip) {
		d.count(err)
		d.finish(m, seq)
		return
	}
	retries := attempt - 1
	code, msg := target.Classify(err)
	switch {
	case !target.Retryable(err):
		d.deadLetter(ctx, &t, event, code, msg, "", retries, pol)
	case d.exhausted(&t, retries, pol) != "":
		d.deadLetter(ctx, &t, event, code, msg, d.exhausted(&t, retries, pol), retries, pol)
	default:
		delay := d.delay(attempt, &t, pol, err)
		d.Stats.Retried.Add(1)
		d.log.Debug("delivery failed; will retry", "rule", t.RuleArn, "target", t.Target.ID, "attempt", attempt, "delay", delay, "err", err)
		_ = m.NakWithDelay(delay)
		return
	}
	d.finish(m, seq)
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
