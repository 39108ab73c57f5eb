package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// StreamFeatures are stream settings a caller opts into beyond
// StreamConfig.
type StreamFeatures struct {
	// MsgTTL lets each message carry its own maximum age (SetTTL). A
	// message without one keeps the stream's MaxAge.
	MsgTTL bool
	// Schedules lets a message ask the server to publish a copy of it
	// later (SetSchedule). The server then also allows roll-ups, and a
	// work-queue stream discards old messages rather than new ones at its
	// limits (JetStream refuses schedules with DiscardNew).
	Schedules bool
	// DirectReads answers Stream.GetMsg, NextMsg and LastMsg from the
	// stream itself rather than through the JetStream API (measured 55
	// against 140 µs a read). It applies only to single-replica streams:
	// with replicas, followers answer direct reads too and may not have a
	// write that was just acknowledged.
	DirectReads bool
}

// EnsureStreamWith is EnsureStream for a stream with the given features.
// A feature once enabled cannot be disabled again (JetStream refuses it).
func (s *Store) EnsureStreamWith(ctx context.Context, c StreamConfig, f StreamFeatures) error {
	sc := s.streamConfig(c)
	sc.AllowMsgTTL = f.MsgTTL
	if f.Schedules {
		sc.AllowMsgSchedules = true
		sc.AllowRollup = true
		sc.Discard = jetstream.DiscardOld
	}
	sc.AllowDirect = f.DirectReads && sc.Replicas <= 1
	if _, err := s.js.CreateOrUpdateStream(ctx, sc); err != nil {
		return fmt.Errorf("stream %s: %w", c.Name, err)
	}
	return nil
}

// Headers JetStream interprets.
const (
	// HeaderTTL is a message's own maximum age (SetTTL).
	HeaderTTL = "Nats-TTL"
	// HeaderScheduler is set on a message a schedule published: the
	// subject of the schedule message.
	HeaderScheduler = "Nats-Scheduler"

	headerSchedule          = "Nats-Schedule"
	headerScheduleTarget    = "Nats-Schedule-Target"
	headerScheduleTTL       = "Nats-Schedule-TTL"
	headerExpectedLastSubjS = "Nats-Expected-Last-Subject-Sequence"
)

// ttlValue renders a TTL in whole seconds, rounded up, at least one (the
// smallest TTL JetStream accepts).
func ttlValue(d time.Duration) string {
	secs := max((d+time.Second-1)/time.Second, 1)
	return strconv.FormatInt(int64(secs), 10) + "s"
}

// SetTTL makes a message expire d after it is stored, in a stream with the
// MsgTTL feature. d is rounded up to whole seconds, at least one.
func SetTTL(h Header, d time.Duration) {
	h.Set(HeaderTTL, ttlValue(d))
}

// SetSchedule turns a message into a schedule, in a stream with the
// Schedules feature: at time at (or at once, if it has passed) the server
// stores a copy of the message's data and headers on target, in the same
// stream, with HeaderScheduler set to the schedule's subject and, when ttl
// > 0, a TTL of ttl; storing it removes every message on the schedule's
// subject. A schedule is known by its subject: a later schedule on the same
// subject replaces an earlier one, so give each schedule its own subject.
// The copy does not carry the schedule's message id (Msg.ID).
func SetSchedule(h Header, at time.Time, target string, ttl time.Duration) {
	h.Set(headerSchedule, "@at "+at.UTC().Format(time.RFC3339Nano))
	h.Set(headerScheduleTarget, target)
	if ttl > 0 {
		h.Set(headerScheduleTTL, ttlValue(ttl))
	}
}

// SetExpectLastSubjectSeq makes a publish conditional: the stream stores
// the message only if the last message on its subject has sequence seq (0:
// the subject holds none). Otherwise the publish fails with an error for
// which PublishConflict is true.
func SetExpectLastSubjectSeq(h Header, seq uint64) {
	h.Set(headerExpectedLastSubjS, strconv.FormatUint(seq, 10))
}

// PublishConflict reports whether Publish failed because a condition set
// with SetExpectLastSubjectSeq did not hold.
func PublishConflict(err error) bool {
	var apiErr *jetstream.APIError
	if err == nil || !errors.As(err, &apiErr) {
		return false
	}
	// Replicated streams report the conflict with a code of its own.
	return apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant
}
