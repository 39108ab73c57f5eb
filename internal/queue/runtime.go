package queue

import (
	"context"
	"encoding/base64"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard/switchyard/internal/store"
)

const (
	// maxInFlight is SQS's limit of in-flight messages on a standard queue;
	// past it ReceiveMessage returns nothing until some are deleted or
	// become visible again.
	maxInFlight = 120_000
	// minAckWait is the AckWait used for a visibility timeout of 0: such
	// messages are negatively acknowledged right after delivery instead.
	minAckWait = time.Second
)

func visibilityAckWait(vt int) time.Duration {
	return max(time.Duration(vt)*time.Second, minAckWait)
}

// runtime is this node's state of a queue incarnation: where it is stored,
// its receive consumer's handle (while it has one) and, on FIFO queues,
// the deduplication state. It holds no goroutine.
// Lock order: Service.mu before runtime.mu.
type runtime struct {
	layout
	id        queueID
	msgs      *store.Stream // the queue's shard
	handleKey []byte        // receipt handle MAC key
	seqBase   uint64        // added to stream sequences to make FIFO SequenceNumbers
	// fifo is the FIFO state of a FIFO queue (nil otherwise).
	fifo *fifoState

	mu       sync.Mutex
	recv     *store.Consumer
	recvWait time.Duration

	// firstReceived is set once the first-receive cache holds an entry of
	// this queue, so deleting the queue knows whether to clear it.
	firstReceived atomic.Bool
}

func newRuntime(msgs *store.Stream, id queueID, rec *record) *runtime {
	key, _ := base64.StdEncoding.DecodeString(rec.HandleKey)
	rt := &runtime{layout: newLayout(rec.Key), id: id, msgs: msgs, handleKey: key, seqBase: rec.SeqBase}
	if isFifo(rec.Attributes) {
		rt.fifo = newFifoState()
	}
	return rt
}

// receiveFilter is what the receive consumer reads: visible messages, or on
// a FIFO queue the groups' tokens and the kicks.
func (rt *runtime) receiveFilter() []string {
	if rt.fifo != nil {
		return []string{rt.tokens(), rt.kicks()}
	}
	return []string{rt.ready()}
}

// receiver returns the receive consumer, creating it (or updating it so its
// AckWait matches the queue's visibility timeout). The server removes it
// once it has been idle for idle (store.ConsumerConfig.InactiveThreshold).
func (rt *runtime) receiver(ctx context.Context, st *store.Store, vt int, idle time.Duration) (*store.Consumer, error) {
	want := visibilityAckWait(vt)
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.recv != nil && rt.recvWait == want {
		return rt.recv, nil
	}
	c, err := st.EnsureConsumer(ctx, store.ConsumerConfig{
		Stream: rt.stream, Durable: rt.consumer,
		Filter:  rt.receiveFilter(),
		AckWait: want, MaxAckPending: maxInFlight,
		InactiveThreshold: idle,
	})
	if err != nil {
		return nil, err
	}
	rt.recv, rt.recvWait = c, want
	return c, nil
}

// forget drops a consumer handle the server no longer knows, so the next
// receiver call creates the consumer again.
func (rt *runtime) forget(c *store.Consumer) {
	rt.mu.Lock()
	if rt.recv == c {
		rt.recv = nil
	}
	rt.mu.Unlock()
}

// lookupConsumer returns the receive consumer if it exists, without creating it
// (nil if there is none: then nothing is in flight).
func (rt *runtime) lookupConsumer(ctx context.Context, st *store.Store) (*store.Consumer, error) {
	rt.mu.Lock()
	c := rt.recv
	rt.mu.Unlock()
	if c != nil {
		return c, nil
	}
	c, err := st.LookupConsumer(ctx, rt.stream, rt.consumer)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return c, err
}

// counts returns the receive consumer's messages not yet delivered and in
// flight (delivered and not acknowledged); ok is false when the queue has
// no consumer.
func (rt *runtime) counts(ctx context.Context, st *store.Store) (pending, inFlight uint64, ok bool, err error) {
	for attempt := 0; attempt < 2; attempt++ {
		c, err := rt.lookupConsumer(ctx, st)
		if err != nil || c == nil {
			return 0, 0, false, err
		}
		pending, inFlight, err = c.Counts(ctx)
		if errors.Is(err, store.ErrNotFound) {
			rt.forget(c) // removed while idle
			continue
		}
		return pending, inFlight, err == nil, err
	}
	return 0, 0, false, nil
}

// fetch takes up to n deliveries from the receive consumer, waiting up to
// wait for the first (store.Consumer.Fetch), creating the consumer first if
// the queue has none.
func (s *Service) fetch(ctx context.Context, q *queue, n int, wait time.Duration) ([]store.Delivery, error) {
	vt := attrInt(q.rec.Attributes, attrVisibilityTimeout)
	for attempt := 0; ; attempt++ {
		c, err := q.rt.receiver(ctx, s.st, vt, s.consumerIdle())
		if err != nil {
			return nil, err
		}
		got, err := c.Fetch(ctx, n, wait)
		if err != nil && len(got) == 0 && store.ConsumerGone(err) && attempt == 0 {
			// Removed after being idle, between our last use and now.
			q.rt.forget(c)
			continue
		}
		return got, err
	}
}

// applyVisibility makes an existing receive consumer use a new visibility
// timeout at once (a consumer created later gets it anyway).
func (s *Service) applyVisibility(ctx context.Context, q *queue, vt int) error {
	c, err := q.rt.lookupConsumer(ctx, s.st)
	if err != nil || c == nil {
		return err
	}
	_, err = q.rt.receiver(ctx, s.st, vt, s.consumerIdle())
	return err
}

// consumerIdle is the InactiveThreshold of receive consumers.
func (s *Service) consumerIdle() time.Duration { return time.Duration(s.idle.Load()) }
