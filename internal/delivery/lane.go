package delivery

import (
	"slices"
	"sync"
	"time"

	"github.com/switchyard/switchyard/internal/store"
)

// Lane queueing. A target's lane takes deliveries while fewer than
// TargetConcurrency wait, and beyond that, up to maxLaneQueue, while the
// oldest waiting one has waited less than a bound: maxQueueWait for a
// first attempt handed over by the router, maxFiledWait for a task read
// from the DELIVERIES stream. A fast target so keeps a queue of a fraction
// of a second of its own throughput (a hot API destination at 10,000/s
// holds ~2,500), a slow one only a few. What the lane refuses goes through
// the DELIVERIES stream instead (a first attempt is filed there, a filed
// task handed back for later), which costs a stored write, a read and an
// acknowledgement more per delivery. Filed tasks may queue longer: each
// hand-back delays a task by up to 10s, so a backlog (a replay, a burst)
// refused at the first bound would be delivered in slow waves.
//
// A first attempt waits in the lane while its caller holds its message
// (the router, its event), and a filed job while the stream waits for its
// acknowledgement; the engine's keep-alive tells the stream about both
// while they wait and run. One that waited longer than staleAfter (the
// target slowed down after it was queued) is not attempted but handed
// back to the stream, so a queue built while the target was fast does not
// hold deliveries for long. Ordered lanes admit every job and never hand
// one back, since a job handed back would lose its place.
//
// A lane that has been empty and without workers for laneIdle is removed
// (its elastic limit is forgotten), so lanes of deleted targets do not
// pile up.
const (
	maxQueueWait = 250 * time.Millisecond
	maxFiledWait = 2 * time.Second
	staleAfter   = 5 * time.Second
	maxLaneQueue = 16384
	laneIdle     = time.Minute
)

// Elastic lanes. A lane runs up to TargetConcurrency invocations at once.
// The lane of a target that declares itself elastic (API destinations: an
// HTTP endpoint behind a keep-alive pool, which EventBridge limits by
// invocation rate rather than concurrency) raises that limit, one
// invocation at a time up to Options.ElasticConcurrency, while deliveries
// wait and invocations succeed in less than fastAnswer on average; it
// halves the limit on a failure a retry may cure (throttling, 5xx,
// timeouts) and lowers it while answers are slower, never below
// TargetConcurrency. With 2 shared cores, a hot destination's invocations
// take ~3 ms each (mostly waiting for a CPU, not for the receiver), so 16
// at a time deliver ~5,500/s; the limit has to grow for more.
const fastAnswer = 50 * time.Millisecond

// outcome is what an invocation tells about the target's capacity.
type outcome uint8

const (
	notInvoked outcome = iota
	succeeded
	failed  // failed in a way more or fewer invocations do not change
	refused // failed in a way a retry may cure: the target may be overloaded
)

func outcomeOf(err error) outcome {
	if err == nil {
		return succeeded
	}
	return notInvoked // ErrSkip
}

// lane holds the jobs waiting for one target, oldest first, and counts
// the workers invoking it.
type lane struct {
	mu      sync.Mutex
	q       []item // waiting: q[head:]
	head    int
	active  int           // workers running
	limit   int           // workers allowed
	ceiling int           // what limit may grow to
	latency time.Duration // moving average of successful invocations
	ordered bool          // one at a time, in order, never refusing (LaneConfig)
	slots   []*slot       // the workers, and what each holds
	used    time.Time     // when the last worker left
	swept   bool          // removed from the engine's lanes: use a new one
}

// slot is what one worker holds.
type slot struct {
	it    item
	busy  bool
	since time.Time
}

// adapt moves an elastic lane's limit after an invocation that took took;
// floor is the lowest limit. Call with l.mu held.
func (l *lane) adapt(o outcome, took time.Duration, floor int) {
	if l.ceiling <= floor {
		return
	}
	switch o {
	case succeeded:
		l.latency += (took - l.latency) / 8
		switch {
		case l.latency >= fastAnswer:
			l.limit = max(floor, l.limit-1)
		case l.len() > 0 && l.active >= l.limit:
			l.limit = min(l.ceiling, l.limit+1)
		}
	case refused:
		l.limit = max(floor, l.limit/2)
	}
}

// item is one job waiting in a lane: a job read from the stream (filed,
// m is its message), or a first attempt handed over directly (done is
// called when it is over; m, if set, is the message its caller holds).
type item struct {
	job    Job
	m      store.Delivery
	filed  bool
	done   func(error)
	queued time.Time
}

func (l *lane) len() int { return len(l.q) - l.head }

// admits reports whether the lane takes another job at now; min is how
// many may always wait, and maxWait how long the oldest may have waited.
// Call with l.mu held.
func (l *lane) admits(now time.Time, min int, maxWait time.Duration) bool {
	n := l.len()
	if n < min || l.ordered {
		return true
	}
	return n < maxLaneQueue && now.Sub(l.q[l.head].queued) < maxWait
}

func (l *lane) push(it item) { l.q = append(l.q, it) }

// pop removes the oldest delivery; the lane must not be empty.
func (l *lane) pop() item {
	it := l.q[l.head]
	l.q[l.head] = item{}
	l.head++
	switch {
	case l.head == len(l.q):
		// Empty: start over, and let a large queue's array go.
		l.head = 0
		if cap(l.q) > 1024 {
			l.q = nil
		} else {
			l.q = l.q[:0]
		}
	case l.head >= 1024 && 2*l.head >= len(l.q):
		// Mostly consumed: move the rest to the front.
		n := copy(l.q, l.q[l.head:])
		clear(l.q[n:])
		l.q = l.q[:n]
		l.head = 0
	}
	return it
}

// held appends to out the messages of the jobs held since before cutoff:
// waiting (oldest first, so the scan stops at the first younger one) or
// running. Call with l.mu held.
func (l *lane) held(cutoff time.Time, out []store.Delivery) []store.Delivery {
	for i := l.head; i < len(l.q) && l.q[i].queued.Before(cutoff); i++ {
		if m := l.q[i].m; m != nil {
			out = append(out, m)
		}
	}
	for _, w := range l.slots {
		if w.busy && w.it.m != nil && w.since.Before(cutoff) {
			out = append(out, w.it.m)
		}
	}
	return out
}

// idle reports whether the lane has been empty, without workers, since
// before cutoff. Call with l.mu held.
func (l *lane) idle(cutoff time.Time) bool {
	return l.active == 0 && l.len() == 0 && l.used.Before(cutoff)
}

func (l *lane) removeSlot(w *slot) {
	if i := slices.Index(l.slots, w); i >= 0 {
		l.slots = slices.Delete(l.slots, i, i+1)
	}
}
