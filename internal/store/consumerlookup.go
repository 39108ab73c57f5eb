package store

import (
	"context"
	"errors"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// LookupConsumer returns a durable consumer that exists, without creating
// it (ErrNotFound if there is none).
func (s *Store) LookupConsumer(ctx context.Context, stream, name string) (*Consumer, error) {
	c, err := s.js.Consumer(ctx, stream, name)
	if err != nil {
		return nil, mapErr(err)
	}
	return &Consumer{c: c}, nil
}

// ConsumerGone reports whether an error from Consumer.Fetch or Store.Reply
// means that the consumer does not exist (any more): deleted, or removed by
// the server after its InactiveThreshold. Create it again to go on.
func ConsumerGone(err error) bool {
	return errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrConsumerDeleted) ||
		errors.Is(err, jetstream.ErrConsumerNotFound)
}

// errCodeFilterNotUnique is JetStream's refusal of a consumer whose filter
// overlaps another consumer's on a work-queue stream.
const errCodeFilterNotUnique jetstream.ErrorCode = 10100

// FilterTaken reports whether EnsureConsumer failed because another
// consumer of the work-queue stream reads an overlapping subject (a
// work-queue stream hands each message to one consumer only).
func FilterTaken(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeFilterNotUnique
}
