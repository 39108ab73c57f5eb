package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Header is a message header (as in net/http).
type Header = nats.Header

// Msg is a message to publish, or one read back. JetStream refuses
// headers larger than 64 KiB in total.
type Msg struct {
	Subject string
	// ID de-duplicates publishes within the stream's duplicate window.
	ID     string
	Data   []byte
	Header Header
	// Seq is set on messages read back, and by Publish on each message it
	// stored (or found already stored under the same ID).
	Seq  uint64
	Time time.Time
}

// PublishError is Publish's error when some messages were not stored.
// Failed holds their indexes in the call's arguments; every other message
// was stored. A message whose outcome is unknown (the context ended before
// its acknowledgement came) counts as failed: publish it again with the
// same ID to be sure without storing it twice.
type PublishError struct {
	Failed []int
	Errs   []error // Errs[i] is why msgs[Failed[i]] failed
}

func (e *PublishError) Error() string {
	if len(e.Errs) == 1 {
		return "store: publish: " + e.Errs[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "store: %d messages not stored (first: %v)", len(e.Failed), e.Errs[0])
	return b.String()
}

// Unwrap returns the individual errors, for errors.Is and errors.As.
func (e *PublishError) Unwrap() []error { return e.Errs }

// Stored reports whether msgs[i] was stored, given Publish's error.
func Stored(err error, i int) bool {
	if err == nil {
		return true
	}
	var pe *PublishError
	if !errors.As(err, &pe) {
		return false
	}
	for _, f := range pe.Failed {
		if f == i {
			return false
		}
	}
	return true
}

// Publish appends messages and returns once every one is stored or has
// failed. Messages are sent pipelined, not one round trip each. When any
// fails the error is a *PublishError that says which; the others are
// stored (and their Seq set).
func (s *Store) Publish(ctx context.Context, msgs ...*Msg) error {
	if len(msgs) == 1 {
		m := msgs[0]
		err := s.fault(OpPublish, m.Subject)
		if err == nil {
			var ack *jetstream.PubAck
			ack, err = s.js.PublishMsg(ctx, natsMsg(m), pubOpts(m)...)
			if err == nil {
				m.Seq = ack.Sequence
				return nil
			}
		}
		return &PublishError{Failed: []int{0}, Errs: []error{err}}
	}
	futures := make([]jetstream.PubAckFuture, len(msgs))
	var pe PublishError
	fail := func(i int, err error) {
		pe.Failed = append(pe.Failed, i)
		pe.Errs = append(pe.Errs, err)
	}
	for i, m := range msgs {
		if err := s.fault(OpPublish, m.Subject); err != nil {
			fail(i, err)
			continue
		}
		f, err := s.js.PublishMsgAsync(natsMsg(m), pubOpts(m)...)
		if err != nil {
			fail(i, err)
			continue
		}
		futures[i] = f
	}
	for i, f := range futures {
		if f == nil {
			continue
		}
		select {
		case ack := <-f.Ok():
			msgs[i].Seq = ack.Sequence
		case err := <-f.Err():
			fail(i, err)
		case <-ctx.Done():
			fail(i, ctx.Err())
		}
	}
	if len(pe.Failed) == 0 {
		return nil
	}
	return &pe
}

func natsMsg(m *Msg) *nats.Msg {
	return &nats.Msg{Subject: m.Subject, Data: m.Data, Header: m.Header}
}

func pubOpts(m *Msg) []jetstream.PublishOpt {
	if m.ID == "" {
		return nil
	}
	return []jetstream.PublishOpt{jetstream.WithMsgID(m.ID)}
}

// PublishRetry publishes msgs, publishing again those whose write failed,
// up to attempts times in all with a short pause between. It returns the
// indexes of the messages still not stored. Messages should carry IDs, so
// a write that was stored but whose acknowledgement was lost is not
// stored twice.
func PublishRetry(ctx context.Context, s *Store, attempts int, msgs []*Msg) []int {
	pending := make([]int, len(msgs))
	for i := range pending {
		pending[i] = i
	}
	batch := msgs
	for try := 1; ; try++ {
		err := s.Publish(ctx, batch...)
		var still []int
		for j, i := range pending {
			if !Stored(err, j) {
				still = append(still, i)
			}
		}
		if len(still) == 0 || try >= attempts || ctx.Err() != nil {
			return still
		}
		pending = still
		batch = make([]*Msg, len(still))
		for j, i := range still {
			batch[j] = msgs[i]
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(try) * 50 * time.Millisecond):
		}
	}
}
