package delivery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard/switchyard/internal/store"
)

// Headers the engine keeps on filed jobs, beside the job's own.
const (
	// HeaderAttempts counts the attempts made before the job was filed:
	// the attempt count lives in the stored job, so every node counts the
	// same, however often a job was handed back.
	HeaderAttempts = "Sy-Attempts"
	// HeaderNotBefore holds back a filed retry until its time (RFC 3339).
	HeaderNotBefore = "Sy-Not-Before"
	// HeaderDeadLetter marks a job whose attempts are over but whose dead
	// letter could not be sent yet: a JSON Failure.
	HeaderDeadLetter = "Sy-Dead-Letter"
)

// EngineConfig says where an Engine keeps its filed jobs and how to read
// them back.
type EngineConfig struct {
	// Stream is the work-queue stream of filed jobs, over Subjects.
	Stream   string
	Subjects []string
	// Jobs is the subject filter of the jobs the engine runs (one token
	// after a prefix, such as "deliveries.*"); Later is the prefix of the
	// subjects of retries waiting for their time (such as
	// "deliveries.later."), which the stream holds as schedules and stores
	// on the job's subject when they are due. Both must be within
	// Subjects, and Later's subjects must not match Jobs.
	Jobs, Later string
	// Duplicates is the stream's de-duplication window (default 2m).
	Duplicates time.Duration
	// MaxMsgSize bounds a filed job (default 4 MiB).
	MaxMsgSize int32
	// Consumer is the durable consumer every node shares.
	Consumer string
	// AckWait is how long a job handed to a node may go without news
	// before it is handed out again (default 30s). The engine tells the
	// stream a job is still being worked on while it waits in a lane or
	// runs, so a slow target never has its job handed out twice.
	AckWait time.Duration
	// MaxAckPending bounds jobs handed out and not yet acknowledged,
	// retries waiting for their time included (default 50,000).
	MaxAckPending int
	// Decode reads a filed job.
	Decode func(m store.Delivery) (Job, error)
	// Stats, if set, receives the engine's counts (Engine.Stats points
	// to it); otherwise the engine has its own.
	Stats *Stats
}

// Options tunes delivery: an Engine's lanes, and the retries of
// EventBridge deliveries (Deliverer).
type Options struct {
	// Workers sizes the read-ahead from the stream (default 64).
	Workers int
	// TargetConcurrency bounds concurrent invocations in one lane
	// (default 16).
	TargetConcurrency int
	// ElasticConcurrency bounds concurrent invocations of an elastic
	// lane (default 256, never below TargetConcurrency).
	ElasticConcurrency int
	// StopGrace is how long Stop lets invocations under way finish before
	// it cancels them (default 5s); a cancelled job is handed out again.
	StopGrace time.Duration
	// DeadLetterPatience is how long a dead letter that cannot be sent is
	// retried (default 14 days, the longest SQS keeps a message) before
	// it is counted as lost in DeadLetterFailed and logged whole.
	DeadLetterPatience time.Duration
	// KeepAlive is how long a job may be held (waiting in a lane or
	// running) before the engine tells the stream it is still being worked
	// on, and how often it does so after that (default 2s). It must be
	// well under the shortest AckWait of the messages jobs hold.
	KeepAlive time.Duration

	// MinBackoff and MaxBackoff bound EventBridge retry delays (defaults
	// 100ms, 5m).
	MinBackoff, MaxBackoff time.Duration
	// InvokeTimeout bounds one invocation of a target that does not set
	// its own timeout (default 10s).
	InvokeTimeout time.Duration
}

func (o *Options) defaults() {
	if o.Workers <= 0 {
		o.Workers = 64
	}
	if o.TargetConcurrency <= 0 {
		o.TargetConcurrency = 16
	}
	if o.ElasticConcurrency <= 0 {
		o.ElasticConcurrency = 256
	}
	o.ElasticConcurrency = max(o.ElasticConcurrency, o.TargetConcurrency)
	if o.StopGrace <= 0 {
		o.StopGrace = 5 * time.Second
	}
	if o.DeadLetterPatience <= 0 {
		o.DeadLetterPatience = 14 * 24 * time.Hour
	}
	if o.KeepAlive <= 0 {
		o.KeepAlive = 2 * time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 100 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	if o.InvokeTimeout <= 0 {
		o.InvokeTimeout = 10 * time.Second
	}
}

// Stats counts outcomes.
type Stats struct {
	Delivered         atomic.Int64
	Retried           atomic.Int64
	DeadLettered      atomic.Int64
	DeadLetterRetried atomic.Int64 // a dead letter could not be sent and will be tried again
	DeadLetterFailed  atomic.Int64 // a dead letter could not be sent for DeadLetterPatience: lost
	Dropped           atomic.Int64 // failed for good with no dead-letter destination
	Skipped           atomic.Int64 // nothing to deliver
	Malformed         atomic.Int64 // filed jobs that could not be read
}

// Map returns the counts by name, as /_switchyard/stats reports them.
func (s *Stats) Map() map[string]int64 {
	return map[string]int64{
		"delivered": s.Delivered.Load(), "retried": s.Retried.Load(),
		"dead_lettered": s.DeadLettered.Load(), "dead_letter_retried": s.DeadLetterRetried.Load(),
		"dead_letter_failed": s.DeadLetterFailed.Load(), "dropped": s.Dropped.Load(),
		"skipped": s.Skipped.Load(), "malformed": s.Malformed.Load(),
	}
}

// Engine runs deliveries at least once and durably. Jobs come from two
// places: first attempts handed over directly (First), which the caller
// holds until done is called, and jobs filed in the engine's work-queue
// stream (retries, and first attempts no lane could take), read by one
// durable consumer that every node shares. Each job waits in the lane of
// its target (lane.go), which bounds the target's concurrent invocations,
// so a slow or failing target only ever holds up its own jobs; a filed job
// its lane refuses is handed back to the stream for later, without
// counting an attempt.
//
// A failed attempt is retried as the job's Verdict says: the engine files
// the job again with its attempt count and the time of its next attempt
// in headers, and acknowledges the attempt, so the count is exact on
// every node and survives restarts. A job that is out of attempts goes to
// its dead-letter destination; if that send fails the job is filed again,
// marked with its Failure, and the send is retried with backoff.
//
// Locks, in the order they may be taken: Engine.mu (read by enqueue,
// written by Start and Stop), then one lane's lane.mu; no two lanes' locks
// are held together. transforms.mu (payload.go) is a leaf, held with
// nothing else. What runs with a lock held:
//
//   - enqueue holds Engine.mu (read) while it asks the job for its lane
//     (Job.Lane, LaneConfigurer.LaneConfig: for a Task, the target
//     registry's Resolve, which takes the target kind's own locks, such
//     as target.APIDestinations.mu) and, with the lane's lock too, while
//     it queues the job. Those must not call into the Engine.
//   - Stop, with a lane's lock held, releases what waits in the lane: a
//     filed job's Nak, and a first attempt's done(ErrStopped). done must
//     be quick and must not wait for the engine (the router's only
//     acknowledges or naks its message).
//   - keepAlive, with a lane's lock held, only collects the messages to
//     keep alive; it sends InProgress after releasing it.
//
// Everything else that calls out (Job.Invoke, Job.Failed, done, filing
// and dead-lettering, Ack and Nak) runs with no engine lock held.
type Engine struct {
	st    *store.Store
	cfg   EngineConfig
	opt   Options
	log   *slog.Logger
	Stats *Stats

	ctx    context.Context // the engine's lifetime; cancelled by Stop
	cancel context.CancelFunc
	stop   func()
	wg     sync.WaitGroup
	kaDone chan struct{}
	// mu is held for reading while a job is queued and a worker started,
	// and for writing by Stop, so no worker starts after Stop.
	mu      sync.RWMutex
	running bool
	closed  atomic.Bool // set by Stop: workers leave what waits
	lanes   sync.Map    // lane name -> *lane
}

// NewEngine returns an Engine; Setup creates its stream, Start runs it.
func NewEngine(st *store.Store, cfg EngineConfig, log *slog.Logger, opt Options) *Engine {
	opt.defaults()
	if cfg.AckWait <= 0 {
		cfg.AckWait = 30 * time.Second
	}
	if cfg.MaxAckPending <= 0 {
		cfg.MaxAckPending = 50000
	}
	if cfg.Duplicates <= 0 {
		cfg.Duplicates = 2 * time.Minute
	}
	if cfg.MaxMsgSize <= 0 {
		cfg.MaxMsgSize = 4 << 20
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	stats := cfg.Stats
	if stats == nil {
		stats = new(Stats)
	}
	return &Engine{st: st, cfg: cfg, opt: opt, log: log, Stats: stats}
}

// Setup creates the engine's stream.
func (e *Engine) Setup(ctx context.Context) error {
	return e.st.EnsureStreamWith(ctx, store.StreamConfig{
		Name:       e.cfg.Stream,
		Subjects:   e.cfg.Subjects,
		WorkQueue:  true,
		Duplicates: e.cfg.Duplicates,
		MaxMsgSize: e.cfg.MaxMsgSize,
	}, store.StreamFeatures{Schedules: true})
}

// Start consumes the stream until Stop.
func (e *Engine) Start(ctx context.Context) error {
	c, err := e.st.EnsureConsumer(ctx, store.ConsumerConfig{
		Stream: e.cfg.Stream, Durable: e.cfg.Consumer, Filter: []string{e.cfg.Jobs},
		AckWait: e.cfg.AckWait, MaxAckPending: e.cfg.MaxAckPending,
	})
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.ctx, e.cancel = context.WithCancel(context.WithoutCancel(ctx))
	e.running = true
	e.mu.Unlock()
	e.kaDone = make(chan struct{})
	go e.keepAlive(ctx)
	stop, err := c.Consume(e.dispatch, 4*e.opt.Workers)
	if err != nil {
		e.Stop()
		return err
	}
	e.stop = stop
	return nil
}

// Stop ends consumption, lets invocations under way finish for up to
// StopGrace and then cancels them. Jobs still waiting in a lane, and
// cancelled ones, are released: a filed job is handed back to the stream
// at once, a first attempt's done is called with ErrStopped (its caller
// still owns it).
func (e *Engine) Stop() {
	if e.cancel == nil {
		return
	}
	if e.stop != nil {
		e.stop()
		e.stop = nil
	}
	e.closed.Store(true)
	e.mu.Lock()
	e.running = false
	e.mu.Unlock()
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(e.opt.StopGrace):
		e.cancel()
		<-done
	}
	e.cancel()
	<-e.kaDone
	// Release what still waits in the lanes, so it is handed out again
	// now rather than when its AckWait runs out.
	e.lanes.Range(func(_, v any) bool {
		l := v.(*lane)
		l.mu.Lock()
		for l.len() > 0 {
			e.release(l.pop())
		}
		l.mu.Unlock()
		return true
	})
	e.cancel = nil
}

// ErrStopped is passed to a first attempt's done when the engine stopped
// before it was made: the caller still owns the delivery.
var ErrStopped = errors.New("delivery: stopped")

// release gives back a job the engine will not run: a filed job to the
// stream at once, a first attempt to its caller.
func (e *Engine) release(it item) {
	if it.filed {
		_ = it.m.Nak()
		return
	}
	it.done(ErrStopped)
}

// First makes the first attempt of a job without filing it, when the
// job's lane takes it. done is called once the job was delivered, went to
// its dead-letter destination, or was filed in the stream for a retry
// (err is non-nil only if filing failed, and then the caller still owns
// the delivery). held, if not nil, is the caller's message that holds the
// job (the routed event): the engine tells its stream it is being worked
// on while the job waits and runs. First reports false, without calling
// done, when the lane is too busy: the caller should file the job itself.
func (e *Engine) First(job Job, held store.Delivery, done func(error)) bool {
	return e.enqueue(job, item{job: job, m: held, done: done})
}

// File stores a job in the engine's stream for a first attempt by
// whichever node takes it.
func (e *Engine) File(ctx context.Context, job Job) error {
	return e.st.Publish(ctx, job.Filed())
}

// dispatch hands a job read from the stream to its lane.
func (e *Engine) dispatch(m store.Delivery) {
	h := m.Headers()
	if nb := h.Get(HeaderNotBefore); nb != "" {
		if t, err := time.Parse(time.RFC3339Nano, nb); err == nil {
			if wait := time.Until(t); wait > 0 {
				_ = m.NakWithDelay(wait)
				return
			}
		}
	}
	job, err := e.cfg.Decode(m)
	if err != nil {
		e.Stats.Malformed.Add(1)
		e.log.Error("dropping a delivery task that cannot be read", "stream", e.cfg.Stream, "err", err)
		_ = m.Term()
		return
	}
	if !e.enqueue(job, item{job: job, m: m, filed: true}) {
		e.handBack(m)
	}
}

// handBack returns a filed job its lane could not take to the stream
// without counting an attempt. The delay doubles with each delivery of the
// same message (200ms up to 10s), so a backlog behind a saturated target
// is not read over and over.
func (e *Engine) handBack(m store.Delivery) {
	n := 1
	if md, err := m.Metadata(); err == nil {
		n = int(min(md.NumDelivered, 16))
	}
	_ = m.NakWithDelay(backoff(n, 200*time.Millisecond, 10*time.Second))
}

// enqueue puts an item in its lane, if the lane admits it, and makes sure
// a worker runs. It reports false when the lane is too busy (or the
// engine is not running).
func (e *Engine) enqueue(job Job, it item) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if !e.running {
		return false
	}
	name := job.Lane()
	it.queued = time.Now()
	for {
		v, ok := e.lanes.Load(name)
		if !ok {
			v, _ = e.lanes.LoadOrStore(name, e.newLane(job))
		}
		l := v.(*lane)
		l.mu.Lock()
		if l.swept {
			// Swept while idle, just now: make a new one.
			l.mu.Unlock()
			e.lanes.CompareAndDelete(name, l)
			continue
		}
		maxWait := maxQueueWait
		if it.filed {
			maxWait = maxFiledWait
		}
		if !l.admits(it.queued, e.opt.TargetConcurrency, maxWait) {
			l.mu.Unlock()
			return false
		}
		l.push(it)
		start := l.active < l.limit
		if start {
			l.active++
			e.wg.Add(1)
		}
		l.mu.Unlock()
		if start {
			go e.work(l)
		}
		return true
	}
}

func (e *Engine) newLane(job Job) *lane {
	l := &lane{limit: e.opt.TargetConcurrency, ceiling: e.opt.TargetConcurrency, used: time.Now()}
	if lc, ok := job.(LaneConfigurer); ok {
		c := lc.LaneConfig()
		switch {
		case c.Ordered:
			l.ordered = true
			l.limit, l.ceiling = 1, 1
		case c.Elastic:
			l.ceiling = e.opt.ElasticConcurrency
		}
	}
	return l
}

// work runs one of a lane's workers until the lane is empty (or has more
// workers than its limit).
func (e *Engine) work(l *lane) {
	defer e.wg.Done()
	w := &slot{}
	l.mu.Lock()
	l.slots = append(l.slots, w)
	l.mu.Unlock()
	var (
		o    outcome
		took time.Duration
	)
	for {
		l.mu.Lock()
		w.busy = false
		w.it = item{}
		if o != notInvoked {
			l.adapt(o, took, e.opt.TargetConcurrency)
		}
		if l.len() == 0 || l.active > l.limit || e.closed.Load() {
			l.active--
			l.removeSlot(w)
			l.used = time.Now()
			l.mu.Unlock()
			return
		}
		it := l.pop()
		start := time.Now()
		w.it, w.busy, w.since = it, true, start
		if l.active < l.limit && l.len() > 0 {
			// The limit grew: start another worker.
			l.active++
			e.wg.Add(1)
			go e.work(l)
		}
		ordered := l.ordered
		l.mu.Unlock()
		switch {
		case !ordered && start.Sub(it.queued) > staleAfter:
			e.stale(it)
			o = notInvoked
		case it.filed:
			o = e.handle(it, ordered)
		default:
			o = e.first(it)
		}
		took = time.Since(start)
	}
}

// stale hands back a job that waited too long in its lane: a first
// attempt is filed in the stream, a filed job is returned to it.
func (e *Engine) stale(it item) {
	if it.filed {
		e.handBack(it.m)
		return
	}
	it.done(e.File(e.ctx, it.job))
}

// first makes a first attempt handed over by First.
func (e *Engine) first(it item) outcome {
	ctx := e.ctx
	err := it.job.Invoke(ctx)
	if ctx.Err() != nil {
		e.release(it) // stopping
		return notInvoked
	}
	if err == nil || errors.Is(err, ErrSkip) {
		e.count(err)
		it.done(nil)
		return outcomeOf(err)
	}
	v := it.job.Failed(1, err)
	if v.Retry {
		e.Stats.Retried.Add(1)
		it.done(e.refile(ctx, it.job, 1, v.Wait, nil))
		return refused
	}
	f := v.Failure
	if f2 := e.deadLetter(ctx, it.job, f); f2 != nil {
		it.done(e.refile(ctx, it.job, 1, backoff(f2.Sends, e.opt.MinBackoff, e.opt.MaxBackoff), f2))
	} else {
		it.done(nil)
	}
	return failedOutcome(f)
}

// handle runs a job read from the stream.
func (e *Engine) handle(it item, ordered bool) outcome {
	ctx := e.ctx
	m, job := it.m, it.job
	h := m.Headers()
	attempts, _ := strconv.Atoi(h.Get(HeaderAttempts))
	if raw := h.Get(HeaderDeadLetter); raw != "" {
		var f Failure
		if err := json.Unmarshal([]byte(raw), &f); err != nil {
			e.Stats.Malformed.Add(1)
			e.log.Error("dropping a dead letter whose failure cannot be read", "job", job.ID(), "err", err)
			_ = m.Term()
			return notInvoked
		}
		e.sendDeadLetter(ctx, m, job, attempts, f)
		return notInvoked
	}
	for {
		err := job.Invoke(ctx)
		if ctx.Err() != nil {
			e.release(it) // stopping
			return notInvoked
		}
		if err == nil || errors.Is(err, ErrSkip) {
			e.count(err)
			_ = m.Ack()
			return outcomeOf(err)
		}
		attempts++
		v := job.Failed(attempts, err)
		if !v.Retry {
			f := v.Failure
			f.Retries = attempts - 1
			e.sendDeadLetter(ctx, m, job, attempts, f)
			return failedOutcome(f)
		}
		e.Stats.Retried.Add(1)
		e.log.Debug("delivery failed; will retry", "job", job.ID(), "attempt", attempts, "wait", v.Wait, "err", err)
		if ordered {
			// Retry in place: later jobs of the lane wait behind this one.
			select {
			case <-ctx.Done():
				e.release(it)
				return notInvoked
			case <-time.After(v.Wait):
			}
			continue
		}
		if err := e.refile(ctx, job, attempts, v.Wait, nil); err != nil {
			// The attempt is not recorded; it will be made again.
			_ = m.NakWithDelay(v.Wait)
			return refused
		}
		_ = m.Ack()
		return refused
	}
}

// sendDeadLetter sends a filed job's dead letter, and files it again if
// the send failed.
func (e *Engine) sendDeadLetter(ctx context.Context, m store.Delivery, job Job, attempts int, f Failure) {
	f2 := e.deadLetter(ctx, job, f)
	if ctx.Err() != nil {
		_ = m.Nak() // stopping: the job is handed out again
		return
	}
	if f2 != nil {
		wait := backoff(f2.Sends, e.opt.MinBackoff, e.opt.MaxBackoff)
		if err := e.refile(ctx, job, attempts, wait, f2); err != nil {
			_ = m.NakWithDelay(wait)
			return
		}
	}
	_ = m.Ack()
}

// deadLetter sends a job's dead letter. It returns the failure to file
// with the job when the send failed and is to be tried again, else nil.
func (e *Engine) deadLetter(ctx context.Context, job Job, f Failure) *Failure {
	if f.Since.IsZero() {
		f.Since = time.Now().UTC()
	}
	f.Sends++
	err := job.DeadLetter(ctx, f)
	switch {
	case err == nil:
		e.Stats.DeadLettered.Add(1)
		e.log.Info("delivery sent to its dead-letter queue", "job", job.ID(), "error_code", f.Code, "retries", f.Retries)
		return nil
	case errors.Is(err, ErrNoDeadLetter):
		e.Stats.Dropped.Add(1)
		e.log.Warn("delivery failed; no dead-letter queue", "job", job.ID(), "error_code", f.Code, "error", f.Message,
			"retries", f.Retries, "condition", f.Condition)
		return nil
	case time.Since(f.Since) >= e.opt.DeadLetterPatience:
		e.Stats.DeadLetterFailed.Add(1)
		msg := job.Filed()
		e.log.Error("giving up on a dead letter that could not be sent", "job", job.ID(), "since", f.Since, "sends", f.Sends,
			"err", err, "error_code", f.Code, "error", f.Message, "task", string(msg.Data))
		return nil
	}
	e.Stats.DeadLetterRetried.Add(1)
	e.log.Warn("could not send to the dead-letter queue; will retry", "job", job.ID(), "sends", f.Sends, "err", err)
	return &f
}

// refile files a job again: for attempt attempts+1 after wait, or, with
// f, to send its dead letter again after wait. A job that is to wait is
// filed as a schedule under Later, which the stream stores on the job's
// subject when it is due: a waiting retry holds no place among the
// consumer's unacknowledged messages, and its time survives restarts
// exactly. The schedule's subject derives from the job and its attempt, so
// filing the same retry twice (a crash before the attempt was
// acknowledged) replaces the schedule instead of adding one.
func (e *Engine) refile(ctx context.Context, job Job, attempts int, wait time.Duration, f *Failure) error {
	m := job.Filed()
	if m.Header == nil {
		m.Header = store.Header{}
	}
	id := job.ID() + "#" + strconv.Itoa(attempts)
	at := time.Now().Add(wait)
	m.Header.Set(HeaderAttempts, strconv.Itoa(attempts))
	m.Header.Set(HeaderNotBefore, at.UTC().Format(time.RFC3339Nano))
	if f != nil {
		b, _ := json.Marshal(f)
		m.Header.Set(HeaderDeadLetter, string(b))
		id += "#dl" + strconv.Itoa(f.Sends)
	}
	m.ID = id
	if wait > 0 && e.cfg.Later != "" {
		sum := sha256.Sum256([]byte(id))
		store.SetSchedule(m.Header, at, m.Subject, 0)
		m.Subject = e.cfg.Later + hex.EncodeToString(sum[:16])
	}
	return e.st.Publish(ctx, m)
}

func (e *Engine) count(err error) {
	if err == nil {
		e.Stats.Delivered.Add(1)
	} else {
		e.Stats.Skipped.Add(1)
	}
}

func failedOutcome(f Failure) outcome {
	if f.Condition != "" {
		return refused // out of retries: the target kept failing in a way a retry may cure
	}
	return failed
}

// keepAlive tells the stream, every KeepAlive, that jobs held longer than
// that (waiting in a lane or running) are still being worked on, and
// sweeps lanes that have been idle for a while.
func (e *Engine) keepAlive(ctx context.Context) {
	defer close(e.kaDone)
	t := time.NewTicker(e.opt.KeepAlive)
	defer t.Stop()
	var touch []store.Delivery
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-ctx.Done():
			return
		case now := <-t.C:
			touch = touch[:0]
			e.lanes.Range(func(k, v any) bool {
				l := v.(*lane)
				l.mu.Lock()
				touch = l.held(now.Add(-e.opt.KeepAlive), touch)
				if l.idle(now.Add(-laneIdle)) {
					l.swept = true
					e.lanes.CompareAndDelete(k, l)
				}
				l.mu.Unlock()
				return true
			})
			for _, m := range touch {
				_ = m.InProgress()
			}
			clear(touch)
		}
	}
}
