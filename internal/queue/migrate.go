package queue

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchyard/switchyard/internal/store"
)

// Queues created by older releases have a stream each, "SQS_<key>", with
// subjects under sqs.<key>: .m (a standard queue's visible and in-flight
// messages), .d (delayed messages, with their visible-at time), and on
// FIFO queues .m.<group> (a group's head: its oldest message, perhaps in
// flight), .f.<group> (the rest of the group in send order) and .x
// (deduplication markers); and durable consumers "receive" and "delay".
//
// A node that starts moves each such queue to the shared streams before it
// serves it (and one that sees such a record later, from a node not yet
// upgraded, moves it in the background; the queue is not served until
// then). Every message keeps its id, body, attributes, sent time,
// SequenceNumber, group order and deduplication id; its receive count is
// kept as a base the new count adds to: the old receive consumer hands out
// what it can (so its count is known exactly), and a message it cannot hand
// out is in flight and counted as received once (the consumer does not
// tell how often). Messages in flight become visible at once (their old
// receipt handles are not valid any more), a
// delayed one stays delayed until its time, and a message's retention
// still counts from when it was stored. Each message is deleted from the
// old stream once copied (with a Nats-Msg-Id, so a copy repeated after a
// crash is dropped), so a crash in the middle resumes where it stopped;
// the old stream is deleted at the end.

// migrateAll migrates every queue of an older release known now.
func (s *Service) migrateAll(ctx context.Context) error {
	s.mu.Lock()
	var old []queueID
	for id, q := range s.queues {
		if !q.rec.migrated() {
			old = append(old, id)
		}
	}
	s.opened = true
	s.mu.Unlock()
	for _, id := range old {
		if err := s.migrate(ctx, id); err != nil {
			return fmt.Errorf("moving queue %s to the shared streams: %w", id.name, err)
		}
	}
	return nil
}

// migrateLater migrates a queue of an older release in the background,
// retrying until it works or the service closes. Called with s.mu held.
func (s *Service) migrateLater(id queueID) {
	if s.closed || s.migrating[id] {
		return
	}
	if s.migrating == nil {
		s.migrating = map[queueID]bool{}
	}
	s.migrating[id] = true
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			delete(s.migrating, id)
			s.mu.Unlock()
		}()
		backoff := time.Second
		for s.ctx.Err() == nil {
			ctx, cancel := context.WithTimeout(s.ctx, 10*time.Minute)
			err := s.migrate(ctx, id)
			cancel()
			if err == nil {
				return
			}
			s.log.Warn("moving a queue to the shared streams failed; retrying", "queue", id.name, "err", err)
			select {
			case <-s.ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, time.Minute)
		}
	}()
}

// migrate moves one queue of an older release to the shared streams.
func (s *Service) migrate(ctx context.Context, id queueID) error {
	q := s.lookupAny(id)
	if q == nil || q.rec.migrated() {
		return nil
	}
	oldName := q.rec.Stream
	key := strings.TrimPrefix(oldName, "SQS_")
	if len(key) != 32 || strings.Trim(key, "0123456789abcdef") != "" {
		return fmt.Errorf("unexpected stream name %q", oldName)
	}
	handleKey := make([]byte, 16)
	rand.Read(handleKey)
	rec := *q.rec
	rec.Attributes = maps.Clone(q.rec.Attributes)
	rec.Key, rec.Stream, rec.HandleKey = key, shardStream(shardOf(key)), base64.StdEncoding.EncodeToString(handleKey)
	old, err := s.st.OpenStream(ctx, oldName)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Nothing stored (or deleted already by an earlier attempt).
	case err != nil:
		return err
	default:
		state, err := s.st.StreamState(ctx, oldName)
		if err != nil {
			return err
		}
		// SequenceNumbers go on past those the old stream issued.
		rec.SeqBase = state.LastSeq
		rt := newRuntime(s.shards[shardOf(key)], id, &rec)
		m := &migration{s: s, rec: &rec, rt: rt, old: old, prefix: "sqs." + key}
		if err := m.run(ctx); err != nil {
			return err
		}
		s.log.Info("queue moved to the shared streams", "queue", id.name, "messages", m.moved)
	}
	err = s.update(ctx, id, func(cur *record) error {
		if cur.migrated() {
			return errMigrated
		}
		if cur.Stream != oldName {
			return ErrQueueNotFound
		}
		cur.Key, cur.Stream, cur.HandleKey, cur.SeqBase = rec.Key, rec.Stream, rec.HandleKey, rec.SeqBase
		return nil
	})
	if errors.Is(err, errMigrated) || errors.Is(err, ErrQueueNotFound) {
		err = nil // another node was first, or the queue is gone
	}
	if err != nil {
		return err
	}
	if err := s.st.DeleteStream(context.WithoutCancel(ctx), oldName); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Warn("queue moved but its old stream was not deleted", "stream", oldName, "err", err)
	}
	return nil
}

var errMigrated = errors.New("queue: migrated already")

// migration is the move of one queue's messages.
type migration struct {
	s      *Service
	rec    *record
	rt     *runtime
	old    *store.Stream
	prefix string // of the old subjects
	// counts holds the receive counts of the messages the old receive
	// consumer handed out to the migration (nil: it had none, so no
	// message was ever received).
	counts map[uint64]uint64
	moved  int
}

// oldItem is a FIFO message of the old stream waiting to be moved.
type oldItem struct {
	seq    uint64
	rank   int    // 0 head, 1 backlog, 2 delayed
	origin uint64 // a head's backlog original
}

func (m *migration) run(ctx context.Context) error {
	if err := m.drainReceiver(ctx); err != nil {
		return err
	}
	groups := map[string][]oldItem{}
	for from := uint64(0); ; {
		msg, err := m.old.NextMsg(ctx, m.prefix+".>", from)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			return err
		}
		from = msg.Seq + 1
		rest := strings.TrimPrefix(msg.Subject, m.prefix+".")
		kind, gh, _ := strings.Cut(rest, ".")
		switch {
		case m.rt.fifo != nil && kind == "m" && gh != "":
			origin, _ := strconv.ParseUint(msg.Header.Get(hdrOrigin), 10, 64)
			groups[gh] = append(groups[gh], oldItem{seq: msg.Seq, rank: 0, origin: origin})
		case m.rt.fifo != nil && kind == "f":
			groups[gh] = append(groups[gh], oldItem{seq: msg.Seq, rank: 1})
		case m.rt.fifo != nil && kind == "d":
			g := groupHash(msg.Header.Get(hdrGroupID))
			groups[g] = append(groups[g], oldItem{seq: msg.Seq, rank: 2})
		case kind == "m" && gh == "":
			if err := m.copyStandard(ctx, msg, false); err != nil {
				return err
			}
		case kind == "d":
			if err := m.copyStandard(ctx, msg, true); err != nil {
				return err
			}
		case kind == "x":
			if err := m.copyMarker(ctx, msg); err != nil {
				return err
			}
		default:
			if err := m.drop(ctx, msg.Seq); err != nil {
				return err
			}
		}
	}
	for gh, items := range groups {
		slices.SortFunc(items, func(a, b oldItem) int {
			if a.rank != b.rank {
				return a.rank - b.rank
			}
			return int(a.seq - b.seq)
		})
		var headOrigin uint64
		for _, it := range items {
			if it.rank == 0 {
				headOrigin = it.origin
			} else if it.rank == 1 && it.seq == headOrigin {
				// A crash left the head's backlog original behind.
				if err := m.drop(ctx, it.seq); err != nil {
					return err
				}
				continue
			}
			if err := m.copyFifo(ctx, gh, it); err != nil {
				return err
			}
		}
	}
	return nil
}

// drainReceiver takes what the old receive consumer can hand out, to learn
// the receive counts.
func (m *migration) drainReceiver(ctx context.Context) error {
	c, err := m.s.st.LookupConsumer(ctx, m.old.Name(), "receive")
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	m.counts = map[uint64]uint64{}
	for {
		ds, err := c.Fetch(ctx, 256, 0)
		if err != nil {
			return err
		}
		if len(ds) == 0 {
			return nil
		}
		for _, d := range ds {
			if md, err := d.Metadata(); err == nil {
				m.counts[md.Sequence.Stream] = md.NumDelivered - 1 // this fetch counted one
			}
		}
	}
}

// receivedBefore is a message's receive count so far.
func (m *migration) receivedBefore(seq uint64) uint64 {
	if m.counts == nil {
		return 0
	}
	if n, ok := m.counts[seq]; ok {
		return n
	}
	return 1 // in flight: received at least once
}

// header copies an old message's headers for its new place, with the rest
// of its retention as TTL (ok is false if it has expired).
func (m *migration) header(msg *store.Msg, base uint64) (store.Header, bool) {
	left := retention(m.rec) - time.Since(msg.Time)
	if left <= 0 {
		return nil, false
	}
	h := copyHeader(msg.Header)
	delete(h, hdrOrigin)
	if base > 0 {
		h.Set(hdrReceiveBase, strconv.FormatUint(base, 10))
	}
	h.Set(store.HeaderTTL, ttlHeader(left))
	return h, true
}

func (m *migration) publish(ctx context.Context, out *store.Msg, oldSeq uint64) error {
	out.ID = "mig:" + m.rt.key + ":" + strconv.FormatUint(oldSeq, 10)
	if err := m.s.st.Publish(ctx, out); err != nil {
		return err
	}
	m.moved++
	return m.drop(ctx, oldSeq)
}

func (m *migration) drop(ctx context.Context, seq uint64) error {
	if err := m.old.DeleteMsg(ctx, seq); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// copyStandard moves a standard queue's visible, in-flight or delayed
// message.
func (m *migration) copyStandard(ctx context.Context, msg *store.Msg, delayed bool) error {
	var base uint64
	if !delayed {
		base = m.receivedBefore(msg.Seq)
	}
	h, ok := m.header(msg, base)
	if !ok {
		return m.drop(ctx, msg.Seq)
	}
	out := &store.Msg{Subject: m.rt.ready(), Data: msg.Data, Header: h}
	if delayed {
		at := visibleAt(h)
		if at.Before(time.Now()) {
			at = time.Now()
		}
		// The copy made visible keeps what is left of the retention.
		visibleFor := retention(m.rec) - time.Since(msg.Time) - time.Until(at)
		if visibleFor <= 0 {
			return m.drop(ctx, msg.Seq)
		}
		out.Subject = m.rt.delayed(h.Get(hdrMessageID))
		store.SetSchedule(h, at, m.rt.ready(), visibleFor)
	}
	return m.publish(ctx, out, msg.Seq)
}

// copyFifo moves a FIFO message to the end of its group, keeping its
// MessageId and SequenceNumber, and keeps its deduplication id for the
// rest of its interval.
func (m *migration) copyFifo(ctx context.Context, gh string, it oldItem) error {
	msg, err := m.old.GetMsg(ctx, it.seq)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var base uint64
	if it.rank == 0 {
		base = m.receivedBefore(it.seq)
	}
	h, ok := m.header(msg, base)
	if !ok {
		return m.drop(ctx, it.seq)
	}
	if h.Get(hdrSeqNum) == "" {
		h.Set(hdrSeqNum, strconv.FormatUint(it.seq, 10))
	}
	if h.Get(hdrMessageID) == "" {
		h.Set(hdrMessageID, fifoMessageID(m.rt.key, it.seq))
	}
	out := &store.Msg{Subject: m.rt.group(gh), Data: msg.Data, Header: h}
	if err := m.s.writeMarker(ctx, &queue{rec: m.rec, rt: m.rt}, &store.Msg{Header: h}); err != nil {
		return err
	}
	return m.publish(ctx, out, it.seq)
}

// copyMarker moves a deduplication marker still within its interval.
func (m *migration) copyMarker(ctx context.Context, msg *store.Msg) error {
	sent, _ := strconv.ParseInt(msg.Header.Get(hdrSent), 10, 64)
	left := time.Until(time.UnixMilli(sent).Add(fifoDedupWindow))
	if left <= 0 {
		return m.drop(ctx, msg.Seq)
	}
	h := copyHeader(msg.Header)
	store.SetTTL(h, left)
	return m.publish(ctx, &store.Msg{Subject: m.rt.markers(), Header: h}, msg.Seq)
}
