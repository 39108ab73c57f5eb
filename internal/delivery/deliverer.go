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
	tasks  chan store.Delivery
	active int // workers running; guarded by Deliverer.mu
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
	d.ctx = ctx
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

// dispatch hands a task to its target's lane.
func (d *Deliverer) dispatch(m store.Delivery) {
	arn := m.Headers().Get(HeaderTarget)
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return // redelivered after the ack wait
	}
	l := d.lanes[arn]
	if l == nil {
		l = &lane{tasks: make(chan store.Delivery, laneBuffer)}
		d.lanes[arn] = l
	}
	select {
	case l.tasks <- m:
		if l.active < d.opt.TargetConcurrency {
			l.active++
			d.wg.Add(1)
			go d.work(l)
		}
		d.mu.Unlock()
	default:
		d.mu.Unlock()
		// The target is backed up: hand the task back for a little later
		// without counting an attempt.
		if md, err := m.Metadata(); err == nil {
			v, _ := d.deferred.LoadOrStore(md.Sequence.Stream, new(atomic.Int64))
			v.(*atomic.Int64).Add(1)
		}
		_ = m.NakWithDelay(backoff(1, 200*time.Millisecond, time.Second))
	}
}

// work runs one of a lane's workers until the lane is empty.
func (d *Deliverer) work(l *lane) {
	defer d.wg.Done()
	for {
		select {
		case m := <-l.tasks:
			d.handle(d.ctx, m)
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

func (d *Deliverer) handle(ctx context.Context, m store.Delivery) {
	var t Task
	if err := json.Unmarshal([]byte(m.Headers().Get(HeaderTask)), &t); err != nil {
		d.log.Error("dropping malformed delivery task", "err", err)
		_ = m.Term()
		return
	}
	md, err := m.Metadata()
	attempt, seq := 1, uint64(0)
	if err == nil {
		attempt, seq = int(md.NumDelivered), md.Sequence.Stream
	}
	if v, ok := d.deferred.Load(seq); ok {
		attempt -= int(v.(*atomic.Int64).Load())
	}
	pol := policyOf(t.Target.Raw)
	event := m.Data()

	err = d.invoke(ctx, &t, event)
	if err == nil || errors.Is(err, ErrSkip) {
		if err == nil {
			d.Stats.Delivered.Add(1)
		} else {
			d.Stats.Skipped.Add(1)
		}
		d.finish(m, seq)
		return
	}
	retries := attempt - 1
	code, msg := target.Classify(err)
	if target.Retryable(err) {
		age := time.Since(t.Ingested)
		switch {
		case retries >= pol.maxRetries:
			d.deadLetter(ctx, &t, event, code, msg, "MaximumRetryAttempts", retries, pol)
		case age >= pol.maxAge:
			d.deadLetter(ctx, &t, event, code, msg, "MaximumEventAge", retries, pol)
		default:
			delay := backoff(attempt, d.opt.MinBackoff, d.opt.MaxBackoff)
			if rest := pol.maxAge - age; delay > rest {
				delay = rest
			}
			d.Stats.Retried.Add(1)
			d.log.Debug("delivery failed; will retry", "rule", t.RuleArn, "target", t.Target.ID, "attempt", attempt, "delay", delay, "err", err)
			_ = m.NakWithDelay(delay)
			return
		}
	} else {
		d.deadLetter(ctx, &t, event, code, msg, "", retries, pol)
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
