package store

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ReadOptions selects the messages Read returns.
type ReadOptions struct {
	// Filter restricts the read to one subject (or wildcard), Filters to
	// several; with neither the read takes every subject of the stream.
	Filter  string
	Filters []string
	// StartSeq is the first sequence to read; when zero, StartTime is used
	// (the first message stored at or after it), and when both are zero
	// the stream is read from its first message.
	StartSeq  uint64
	StartTime time.Time
	// Batch is how many messages one round trip fetches (default 1,000).
	Batch int
}

// Read calls fn, in stream order, for the messages selected by o that are
// stored when it gets to them, through an ephemeral ordered consumer (no
// acknowledgements, nothing left behind). It stops when fn returns false,
// when no more messages are available, or when ctx ends. fn owns the
// messages it is given.
func (s *Store) Read(ctx context.Context, stream string, o ReadOptions, fn func(*Msg) bool) error {
	cfg := jetstream.OrderedConsumerConfig{InactiveThreshold: time.Minute}
	if o.Filter != "" {
		cfg.FilterSubjects = []string{o.Filter}
	}
	cfg.FilterSubjects = append(cfg.FilterSubjects, o.Filters...)
	switch {
	case o.StartSeq > 0:
		cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cfg.OptStartSeq = o.StartSeq
	case !o.StartTime.IsZero():
		cfg.DeliverPolicy = jetstream.DeliverByStartTimePolicy
		t := o.StartTime
		cfg.OptStartTime = &t
	}
	batch := o.Batch
	if batch <= 0 {
		batch = 1000
	}
	c, err := s.js.OrderedConsumer(ctx, stream, cfg)
	if err != nil {
		return mapErr(err)
	}
	for ctx.Err() == nil {
		b, err := c.FetchNoWait(batch)
		if err != nil {
			return mapErr(err)
		}
		n := 0
		for m := range b.Messages() {
			n++
			md, err := m.Metadata()
			if err != nil {
				return err
			}
			msg := &Msg{Subject: m.Subject(), Data: m.Data(), Header: m.Headers(), Seq: md.Sequence.Stream, Time: md.Timestamp}
			if !fn(msg) {
				return nil
			}
			if md.NumPending == 0 {
				return nil
			}
		}
		if err := b.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			return mapErr(err)
		}
		if n == 0 {
			return nil
		}
	}
	return ctx.Err()
}
