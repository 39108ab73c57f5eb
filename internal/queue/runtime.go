package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchyard/switchyard/internal/store"
)

// Consumer names on every queue stream.
const (
	// receiveConsumer hands messages to ReceiveMessage; its AckWait is the
	// queue's visibility timeout.
	receiveConsumer = "receive"
	// delayConsumer feeds the mover that makes delayed messages visible.
	delayConsumer = "delay"

	// maxInFlight is SQS's limit of in-flight messages on a standard queue;
	// past it ReceiveMessage returns nothing until some are deleted or
	// become visible again.
	maxInFlight = 120_000
	// maxDelayedPending bounds delayed messages the mover holds at once;
	// it is large so a message due soon is never stuck behind others.
	maxDelayedPending = 1 << 20
	// moverAckWait bounds how long a delayed message handed to a mover
	// that stopped or died before acting on it (a node shutting down)
	// waits before it is handed out again. Due messages are moved in
	// milliseconds; not yet due ones are negatively acknowledged with
	// their remaining delay, which does not depend on AckWait.
	moverAckWait = 5 * time.Second
	// minAckWait is the AckWait used for a visibility timeout of 0: such
	// messages are negatively acknowledged right after delivery instead.
	minAckWait = time.Second
)

// streamName derives the stream of a queue incarnation from its identity and
// creation time (nanoseconds). JetStream stream names may not contain '.',
// '*', '>' or spaces, so it is a hash.
func streamName(id queueID, created int64) string {
	h := sha256.Sum256([]byte(id.Account + "/" + id.Region + "/" + id.name + "/" + strconv.FormatInt(created, 10)))
	return "SQS_" + hex.EncodeToString(h[:16])
}

// Subjects of a queue stream: visible messages and delayed ones.
func readySubject(stream string) string   { return "sqs." + strings.TrimPrefix(stream, "SQS_") + ".m" }
func delayedSubject(stream string) string { return "sqs." + strings.TrimPrefix(stream, "SQS_") + ".d" }

func streamConfig(rec *record) store.StreamConfig {
	retention := time.Duration(attrInt(rec.Attributes, attrMessageRetentionPeriod)) * time.Second
	cfg := store.StreamConfig{
		Name:      rec.Stream,
		Subjects:  []string{readySubject(rec.Stream), delayedSubject(rec.Stream)},
		WorkQueue: true,
		MaxAge:    retention,
		// The duplicate window (for the mover's republishing and the
		// dead-letter moves) may not be longer than the stream's max age.
		Duplicates: min(2*time.Minute, retention),
	}
	if isFifo(rec.Attributes) {
		// Group heads and backlogs; the window is SQS's deduplication
		// interval.
		cfg.Subjects = append(cfg.Subjects, headWildcard(rec.Stream), backlogWildcard(rec.Stream), markerSubject(rec.Stream))
		cfg.Duplicates = min(fifoDedupWindow, retention)
	}
	return cfg
}

func visibilityAckWait(vt int) time.Duration {
	return max(time.Duration(vt)*time.Second, minAckWait)
}

// runtime is this node's per-stream state: consumer handles and the mover.
// Lock order: Service.mu before runtime.mu.
type runtime struct {
	stream string
	// ready and delayed are the stream's readySubject and delayedSubject.
	ready, delayed string
	st             *store.Store
	id             queueID
	// fifo is the FIFO delivery state of a FIFO queue (nil otherwise).
	fifo *fifoState

	mu       sync.Mutex
	recv     *store.Consumer
	recvWait time.Duration
	delay    *store.Consumer
	// mover state
	moving     bool // a mover is running or starting
	stopped    bool // the queue is gone or the service closing
	stopMoving func()
}

func newRuntime(st *store.Store, id queueID, rec *record) *runtime {
	rt := &runtime{stream: rec.Stream, ready: readySubject(rec.Stream), delayed: delayedSubject(rec.Stream), st: st, id: id}
	if isFifo(rec.Attributes) {
		rt.fifo = newFifoState()
	}
	return rt
}

// receiveFilter is what the receive consumer reads: the ready subject, and
// on a FIFO queue the heads of the message groups.
func (rt *runtime) receiveFilter() []string {
	if rt.fifo != nil {
		return []string{readySubject(rt.stream), headWildcard(rt.stream)}
	}
	return []string{readySubject(rt.stream)}
}

// receiver returns the receive consumer, creating or updating it so its
// AckWait matches the queue's visibility timeout.
func (rt *runtime) receiver(ctx context.Context, vt int) (*store.Consumer, error) {
	want := visibilityAckWait(vt)
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.recv != nil && rt.recvWait == want {
		return rt.recv, nil
	}
	c, err := rt.st.EnsureConsumer(ctx, store.ConsumerConfig{
		Stream: rt.stream, Durable: receiveConsumer,
		Filter:  rt.receiveFilter(),
		AckWait: want, MaxAckPending: maxInFlight,
	})
	if err != nil {
		return nil, err
	}
	rt.recv, rt.recvWait = c, want
	return c, nil
}

// delayer returns the delay consumer, creating it if needed.
func (rt *runtime) delayer(ctx context.Context) (*store.Consumer, error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.delay != nil {
		return rt.delay, nil
	}
	c, err := rt.st.EnsureConsumer(ctx, store.ConsumerConfig{
		Stream: rt.stream, Durable: delayConsumer,
		Filter:  []string{delayedSubject(rt.stream)},
		AckWait: moverAckWait, MaxAckPending: maxDelayedPending,
	})
	if err != nil {
		return nil, err
	}
	rt.delay = c
	return c, nil
}

// delayedCount returns the number of delayed messages (0 when the queue never
// had one).
func (rt *runtime) delayedCount(ctx context.Context, rec *record) (uint64, error) {
	if !rec.Delayed {
		return 0, nil
	}
	c, err := rt.delayer(ctx)
	if err != nil {
		return 0, err
	}
	pending, ackPending, err := c.Counts(ctx)
	return pending + ackPending, err
}

func (rt *runtime) stopMover() {
	rt.mu.Lock()
	rt.stopped = true
	stop := rt.stopMoving
	rt.stopMoving = nil
	rt.mu.Unlock()
	if stop != nil {
		stop()
	}
}
