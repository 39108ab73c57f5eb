package delivery

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/switchyard/switchyard/internal/store"
	"github.com/switchyard/switchyard/internal/target"
)

// DeadLetterSender sends a failed event to a dead-letter queue ARN.
type DeadLetterSender func(ctx context.Context, queueArn string, m target.QueueMessage) error

// Deliverer delivers EventBridge events to rule targets on an Engine over
// the DELIVERIES stream: the router hands it first attempts (Deliver) and
// files what a lane cannot take; each target's RetryPolicy and
// DeadLetterConfig decide retries and dead letters (Task).
type Deliverer struct {
	*Engine
	targets    *target.Registry
	dlq        DeadLetterSender
	opt        Options
	transforms transforms
}

// New returns a Deliverer; Setup creates its stream, Start runs it.
func New(st *store.Store, targets *target.Registry, dlq DeadLetterSender, log *slog.Logger, opt Options) *Deliverer {
	opt.defaults()
	d := &Deliverer{targets: targets, dlq: dlq, opt: opt}
	d.Engine = NewEngine(st, engineConfig(d.decode), log, opt)
	return d
}

func engineConfig(decode func(store.Delivery) (Job, error)) EngineConfig {
	return EngineConfig{
		Stream: Stream, Subjects: []string{SubjectPrefix + ">"},
		Jobs: SubjectPrefix + "*", Later: SubjectPrefix + "later.",
		MaxMsgSize: 4 << 20, Duplicates: 2 * time.Minute,
		Consumer: "delivery", AckWait: 30 * time.Second, MaxAckPending: 50000,
		Decode: decode,
	}
}

// Setup creates the DELIVERIES stream (for callers that file tasks
// before a Deliverer exists).
func Setup(ctx context.Context, st *store.Store) error {
	return NewEngine(st, engineConfig(nil), nil, Options{}).Setup(ctx)
}

// Deliver makes the first attempt of a task for event without filing it
// first, when the target's lane takes it (see Engine.First; held is the
// routed event's message).
func (d *Deliverer) Deliver(t *Task, event []byte, held store.Delivery, done func(error)) bool {
	t.d, t.event = d, event
	return d.First(t, held, done)
}

// decode reads a filed task.
func (d *Deliverer) decode(m store.Delivery) (Job, error) {
	t := &Task{d: d, event: m.Data(), filed: true}
	if err := json.Unmarshal([]byte(m.Headers().Get(HeaderTask)), t); err != nil {
		return nil, err
	}
	return t, nil
}

// elastic is implemented by targets whose lanes may grow beyond
// TargetConcurrency while they answer fast.
type elastic interface {
	ElasticConcurrency() bool
}
