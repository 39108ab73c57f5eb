package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Errors callers test for with errors.Is.
var (
	ErrNotFound = errors.New("store: not found")
	ErrExists   = errors.New("store: already exists")
	ErrConflict = errors.New("store: revision conflict")
)

// StreamConfig describes a stream.
type StreamConfig struct {
	Name     string
	Subjects []string
	// WorkQueue removes each message once it is acknowledged (one consumer
	// per subject). Otherwise messages stay until limits remove them.
	WorkQueue bool
	// Memory keeps the stream in memory only (not durable).
	Memory     bool
	MaxAge     time.Duration
	MaxBytes   int64
	MaxMsgs    int64
	MaxMsgSize int32
	// Duplicates is the window in which a repeated message id is dropped
	// (default two minutes).
	Duplicates time.Duration
	// MaxConsumers bounds consumers on the stream (default 64).
	MaxConsumers int
}

func (s *Store) streamConfig(c StreamConfig) jetstream.StreamConfig {
	sc := jetstream.StreamConfig{
		Name:         c.Name,
		Subjects:     c.Subjects,
		Retention:    jetstream.LimitsPolicy,
		Storage:      jetstream.FileStorage,
		MaxAge:       c.MaxAge,
		MaxBytes:     c.MaxBytes,
		MaxMsgs:      c.MaxMsgs,
		MaxMsgSize:   c.MaxMsgSize,
		Duplicates:   c.Duplicates,
		MaxConsumers: c.MaxConsumers,
		Replicas:     s.replicas,
		Discard:      jetstream.DiscardOld,
	}
	if c.WorkQueue {
		sc.Retention = jetstream.WorkQueuePolicy
		sc.Discard = jetstream.DiscardNew
	}
	if c.Memory {
		sc.Storage = jetstream.MemoryStorage
	}
	if sc.MaxBytes == 0 {
		sc.MaxBytes = -1
	}
	if sc.MaxMsgs == 0 {
		sc.MaxMsgs = -1
	}
	if sc.MaxMsgSize == 0 {
		sc.MaxMsgSize = -1
	}
	if sc.MaxConsumers == 0 {
		sc.MaxConsumers = 64
	}
	return sc
}

// EnsureStream creates the stream or updates it to the given configuration.
func (s *Store) EnsureStream(ctx context.Context, c StreamConfig) error {
	_, err := s.js.CreateOrUpdateStream(ctx, s.streamConfig(c))
	if err != nil {
		return fmt.Errorf("stream %s: %w", c.Name, err)
	}
	return nil
}

// DeleteStream removes a stream and its messages.
func (s *Store) DeleteStream(ctx context.Context, name string) error {
	err := s.js.DeleteStream(ctx, name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return ErrNotFound
	}
	return err
}

// PurgeStream removes all messages from a stream.
func (s *Store) PurgeStream(ctx context.Context, name string) error {
	st, err := s.js.Stream(ctx, name)
	if err != nil {
		return mapErr(err)
	}
	return st.Purge(ctx)
}

// StreamState is a stream's message counts.
type StreamState struct {
	Msgs, Bytes       uint64
	FirstSeq, LastSeq uint64
	FirstTime         time.Time
	Consumers         int
}

// StreamState returns the current counts of a stream.
func (s *Store) StreamState(ctx context.Context, name string) (StreamState, error) {
	st, err := s.js.Stream(ctx, name)
	if err != nil {
		return StreamState{}, mapErr(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return StreamState{}, mapErr(err)
	}
	return StreamState{
		Msgs: info.State.Msgs, Bytes: info.State.Bytes,
		FirstSeq: info.State.FirstSeq, LastSeq: info.State.LastSeq,
		FirstTime: info.State.FirstTime, Consumers: info.State.Consumers,
	}, nil
}

// GetMsg reads one message of a stream by sequence.
func (s *Store) GetMsg(ctx context.Context, stream string, seq uint64) (*Msg, error) {
	st, err := s.js.Stream(ctx, stream)
	if err != nil {
		return nil, mapErr(err)
	}
	raw, err := st.GetMsg(ctx, seq)
	if err != nil {
		return nil, mapErr(err)
	}
	return &Msg{Subject: raw.Subject, Data: raw.Data, Header: raw.Header, Seq: raw.Sequence, Time: raw.Time}, nil
}

// DeleteMsg removes one message of a stream by sequence.
func (s *Store) DeleteMsg(ctx context.Context, stream string, seq uint64) error {
	st, err := s.js.Stream(ctx, stream)
	if err != nil {
		return mapErr(err)
	}
	return mapErr(st.DeleteMsg(ctx, seq))
}

// mapErr turns JetStream's errors into the store's ErrNotFound, ErrExists
// and ErrConflict.
func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jetstream.ErrStreamNotFound), errors.Is(err, jetstream.ErrConsumerNotFound),
		errors.Is(err, jetstream.ErrMsgNotFound), errors.Is(err, jetstream.ErrKeyNotFound):
		return fmt.Errorf("%w: %v", ErrNotFound, err)
	case errors.Is(err, jetstream.ErrKeyExists):
		return fmt.Errorf("%w: %v", ErrExists, err)
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
		return fmt.Errorf("%w: %v", ErrConflict, err)
	}
	return err
}

// SubjectCounts returns how many messages a stream holds on each subject
// that matches filter.
func (s *Store) SubjectCounts(ctx context.Context, stream, filter string) (map[string]uint64, error) {
	st, err := s.js.Stream(ctx, stream)
	if err != nil {
		return nil, mapErr(err)
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return nil, mapErr(err)
	}
	return info.State.Subjects, nil
}
