package queue

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/switchyard/switchyard/internal/store"
)

// Delayed messages (DelaySeconds on the queue or the message) are held out
// of the receive consumer's subject: they are published to the stream's
// delayed subject with their visible-at time in a header, and a mover
// consuming that subject republishes each one to the ready subject once it is
// due (negatively acknowledging it with the remaining delay until then). So
// a delayed message is never delivered to ReceiveMessage early, and its
// ApproximateReceiveCount starts at 1 like any other. The mover's consumer is
// durable: delayed messages survive restarts. The republish carries a
// Nats-Msg-Id, so a mover that crashes between republishing and
// acknowledging does not duplicate the message.

// startMover starts the mover of a stream unless it runs already. Called
// with s.mu held (so Close cannot be waiting on s.wg yet).
func (s *Service) startMover(rt *runtime) {
	if s.closed {
		return
	}
	rt.mu.Lock()
	if rt.moving || rt.stopped {
		rt.mu.Unlock()
		return
	}
	rt.moving = true
	rt.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.runMover(rt)
	}()
}

// runMover starts consuming the delayed subject, retrying until it works or
// the queue or service goes away.
func (s *Service) runMover(rt *runtime) {
	backoff := 100 * time.Millisecond
	for {
		stop, err := s.consumeDelayed(rt)
		if err == nil {
			rt.mu.Lock()
			if rt.stopped {
				rt.mu.Unlock()
				stop()
				return
			}
			rt.stopMoving = stop
			rt.mu.Unlock()
			return
		}
		rt.mu.Lock()
		stopped := rt.stopped
		rt.mu.Unlock()
		if stopped {
			return
		}
		s.log.Warn("delayed-message mover not started; retrying", "stream", rt.stream, "err", err)
		select {
		case <-s.ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

func (s *Service) consumeDelayed(rt *runtime) (func(), error) {
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	c, err := rt.delayer(ctx)
	if err != nil {
		return nil, err
	}
	return c.Consume(func(m store.Delivery) { s.move(rt, m) }, 256)
}

// move makes one delayed message visible if it is due, or puts it back
// until it is.
func (s *Service) move(rt *runtime, m store.Delivery) {
	h := m.Headers()
	due, _ := strconv.ParseInt(h.Get(hdrVisibleAt), 10, 64)
	if wait := time.Until(time.UnixMilli(due)); wait > 0 {
		_ = m.NakWithDelay(wait)
		return
	}
	out := &store.Msg{
		Subject: readySubject(rt.stream),
		ID:      "delayed-" + h.Get(hdrMessageID),
		Data:    m.Data(),
		Header:  make(store.Header, len(h)),
	}
	for k, v := range h {
		if k != hdrVisibleAt && !strings.HasPrefix(k, "Nats-") {
			out.Header[k] = v
		}
	}
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	var err error
	if rt.fifo != nil {
		err = s.moveDelayedFifo(ctx, rt, m, out)
	} else {
		err = s.st.Publish(ctx, out)
	}
	if err != nil {
		s.log.Warn("moving a delayed message failed; will retry", "stream", rt.stream, "err", err)
		_ = m.NakWithDelay(time.Second)
		return
	}
	_ = m.Ack()
}

// moveDelayedFifo enqueues a due message of a FIFO queue at the end of its
// group. Its id and sequence number are those of its first publish.
func (s *Service) moveDelayedFifo(ctx context.Context, rt *runtime, m store.Delivery, out *store.Msg) error {
	q := s.lookup(rt.id)
	if q == nil || q.rt != rt {
		return nil // the queue is gone: so is the stream
	}
	md, err := m.Metadata()
	if err != nil {
		return err
	}
	seq := md.Sequence.Stream
	if out.Header.Get(hdrMessageID) == "" {
		out.Header.Set(hdrMessageID, fifoMessageID(rt.stream, seq))
	}
	if out.Header.Get(hdrSeqNum) == "" {
		out.Header.Set(hdrSeqNum, sequenceNumber(seq))
	}
	out.ID = "delayed-" + out.Header.Get(hdrMessageID)
	// The delayed original carried the deduplication id: keep it.
	f, err := s.fifoReady(ctx, q)
	if err != nil {
		return err
	}
	f.mu.Lock()
	err = s.writeMarker(ctx, q, f, out.Header, seq)
	f.mu.Unlock()
	if err != nil {
		return err
	}
	delete(out.Header, hdrDedupKey) // written once is enough
	_, err = s.fifoEnqueue(ctx, q, out, out.Header.Get(hdrGroupID))
	return err
}
