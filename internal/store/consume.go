package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Delivery is a message handed out by a consumer. Acknowledge it with Ack,
// ask for it again later with NakWithDelay, or drop it with Term.
// Metadata().NumDelivered counts deliveries, surviving restarts.
type Delivery = jetstream.Msg

// ConsumerConfig describes a durable pull consumer.
type ConsumerConfig struct {
	Stream  string
	Durable string
	Filter  []string
	// AckWait is how long a delivered message may go unacknowledged
	// before it is handed out again.
	AckWait time.Duration
	// MaxAckPending bounds messages handed out and not yet acknowledged
	// (0 means the server's default of 1,000).
	MaxAckPending int
	// Memory keeps the consumer's state in memory only.
	Memory bool
	// InactiveThreshold, when > 0, lets the server delete the consumer once
	// no pull request has waited on it and no message was delivered for
	// that long, and every message it delivered has been acknowledged or
	// has passed its ack deadline by that long.
	InactiveThreshold time.Duration
}

// Consumer is a durable pull consumer.
type Consumer struct {
	c jetstream.Consumer
}

// EnsureConsumer creates or updates a durable consumer.
func (s *Store) EnsureConsumer(ctx context.Context, cc ConsumerConfig) (*Consumer, error) {
	cfg := jetstream.ConsumerConfig{
		Durable:       cc.Durable,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cc.AckWait,
		MaxDeliver:    -1,
		MaxAckPending: cc.MaxAckPending,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		MemoryStorage: cc.Memory,
		Replicas:      s.replicas,

		InactiveThreshold: cc.InactiveThreshold,
	}
	switch len(cc.Filter) {
	case 0:
	case 1:
		cfg.FilterSubject = cc.Filter[0]
	default:
		cfg.FilterSubjects = cc.Filter
	}
	c, err := s.js.CreateOrUpdateConsumer(ctx, cc.Stream, cfg)
	if err != nil {
		return nil, fmt.Errorf("consumer %s on %s: %w", cc.Durable, cc.Stream, mapErr(err))
	}
	return &Consumer{c: c}, nil
}

// DeleteConsumer removes a durable consumer.
func (s *Store) DeleteConsumer(ctx context.Context, stream, name string) error {
	return mapErr(s.js.DeleteConsumer(ctx, stream, name))
}

// Consume calls handle for each message, from a background goroutine, with
// up to batch messages buffered. Call stop to end it: once stop returns,
// no handler is running and none will run (messages still buffered are
// left unacknowledged and are handed out again), so the caller may tear
// down what its handler uses.
func (c *Consumer) Consume(handle func(Delivery), batch int) (stop func(), err error) {
	var (
		mu      sync.Mutex
		stopped bool
		running sync.WaitGroup
	)
	cc, err := c.c.Consume(func(m jetstream.Msg) {
		mu.Lock()
		if stopped {
			mu.Unlock()
			return
		}
		running.Add(1)
		mu.Unlock()
		defer running.Done()
		handle(m)
	}, jetstream.PullMaxMessages(batch))
	if err != nil {
		return nil, err
	}
	return func() {
		cc.Stop()
		mu.Lock()
		stopped = true
		mu.Unlock()
		running.Wait()
	}, nil
}

// Fetch waits up to wait for a message and returns it with up to n-1 more
// that are immediately available: it returns as soon as there is
// something, as long polling should. For more than one message it first
// takes what is there, so one round trip serves a busy consumer (a waiting
// fetch of several takes two: one for the first message, one for the
// rest).
//
// Fetch ends when ctx does, and its pull request ends with it: the server
// stops handing messages to a caller that has gone. Messages that reached
// the caller after ctx ended are released at once (negatively
// acknowledged, so they count a delivery but do not stay invisible), and
// Fetch returns ctx's error.
func (c *Consumer) Fetch(ctx context.Context, n int, wait time.Duration) ([]Delivery, error) {
	got, err := c.fetch(ctx, n, wait)
	if ctx.Err() != nil {
		for _, m := range got {
			_ = m.Nak()
		}
		return nil, ctx.Err()
	}
	return got, err
}

func (c *Consumer) fetch(ctx context.Context, n int, wait time.Duration) ([]Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if n > 1 && wait >= time.Millisecond {
		b, err := c.c.FetchNoWait(n)
		if err != nil {
			return nil, err
		}
		if got, err := collect(b); len(got) > 0 || err != nil {
			return got, err
		}
	}
	var out []Delivery
	if wait >= time.Millisecond {
		wctx, cancel := context.WithTimeout(ctx, wait)
		b, err := c.c.Fetch(1, jetstream.FetchContext(wctx))
		if err != nil {
			cancel()
			if ctx.Err() == nil && wctx.Err() != nil {
				return nil, nil // the wait was too short to ask for
			}
			return nil, err
		}
		first, err := collect(b)
		cancel()
		if err != nil || len(first) == 0 {
			return first, err
		}
		out = first
		n--
	}
	if n <= 0 {
		return out, nil
	}
	b, err := c.c.FetchNoWait(n)
	if err != nil {
		return out, err
	}
	more, err := collect(b)
	return append(out, more...), err
}

func collect(b jetstream.MessageBatch) ([]Delivery, error) {
	var out []Delivery
	for m := range b.Messages() {
		out = append(out, m)
	}
	if err := b.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) &&
		!errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return out, err
	}
	return out, nil
}

// Counts returns messages waiting to be delivered and messages delivered
// but not yet acknowledged.
func (c *Consumer) Counts(ctx context.Context) (pending, ackPending uint64, err error) {
	info, err := c.c.Info(ctx)
	if err != nil {
		return 0, 0, mapErr(err)
	}
	return info.NumPending, uint64(info.NumAckPending), nil
}

// Reply acknowledges (or negatively acknowledges) a delivered message by
// its reply subject, which callers may hand out as an opaque token (for
// example inside an SQS receipt handle) and use after a restart.
// kind is one of "+ACK", "-NAK", "+WPI", "+TERM"; delay applies to "-NAK".
func (s *Store) Reply(ctx context.Context, subject, kind string, delay time.Duration) error {
	payload := []byte(kind)
	if kind == "-NAK" && delay > 0 {
		payload = fmt.Appendf(nil, `-NAK {"delay": %d}`, delay.Nanoseconds())
	}
	if kind == "+WPI" {
		return s.nc.Publish(subject, payload)
	}
	// Wait for the server to confirm, so a receive right after a delete or
	// a visibility change sees its effect.
	_, err := s.nc.RequestWithContext(ctx, subject, payload)
	return err
}
