package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchyard/switchyard/internal/store"
	"github.com/switchyard/switchyard/internal/uuid"
)

// FIFO delivery (doc.go has the overview and the guarantees).
//
// A FIFO queue's stream has, per message group (by a hash of its id), a
// head subject sqs.<h>.m.<group> holding at most one message, the group's
// oldest, and a backlog subject sqs.<h>.f.<group> holding the rest in send
// order. The receive consumer reads the heads only, so a group never has
// more than one message visible or in flight, and its next message is
// promoted from the backlog to the head when the head is deleted (or moved
// to the dead-letter queue). A head is published with
// Nats-Expected-Last-Subject-Sequence: 0, so JetStream refuses a second
// head for a group atomically, whichever node tries. Deduplication is
// JetStream's: the first publish of a message carries the deduplication id
// as its Nats-Msg-Id and the stream's duplicate window is SQS's five
// minutes; a duplicate publish is acknowledged with the original's
// sequence. A message's MessageId and SequenceNumber derive from the stream
// sequence of that first publish, so a duplicate answers with the
// original's. Each node keeps an index of the backlog (group -> stream
// sequences), rebuilt at start from a temporary consumer on the backlog
// subjects.

const (
	// fifoDedupWindow is SQS's deduplication interval.
	fifoDedupWindow = 5 * time.Minute
	// indexConsumer reads the backlog subjects once to rebuild the index.
	indexConsumer = "fifo-index"

	hdrSeqNum    = "Sqs-Sequence-Number"    // FIFO SequenceNumber, on copies
	hdrOrigin    = "Sqs-Origin-Seq"         // backlog sequence a head was promoted from
	hdrDLQSource = "Sqs-Dead-Letter-Source" // ARN of the queue a dead letter came from
	hdrDedupKey  = "Sqs-Dedup-Key"          // a FIFO message's Nats-Msg-Id, on the original and on markers

	// natsExpectedLastSubjectSeq makes a publish conditional on the last
	// sequence stored for its subject (0: none).
	natsExpectedLastSubjectSeq = "Nats-Expected-Last-Subject-Sequence"
)

func subjectPrefix(stream string) string   { return "sqs." + strings.TrimPrefix(stream, "SQS_") }
func headSubject(stream, gh string) string { return subjectPrefix(stream) + ".m." + gh }
func backlogSubject(stream, gh string) string {
	return subjectPrefix(stream) + ".f." + gh
}
func headWildcard(stream string) string    { return subjectPrefix(stream) + ".m.*" }
func markerSubject(stream string) string   { return subjectPrefix(stream) + ".x" }
func backlogWildcard(stream string) string { return subjectPrefix(stream) + ".f.*" }

// groupHash names a message group in subjects (group ids may contain any
// punctuation, subjects may not).
func groupHash(group string) string {
	h := sha256.Sum256([]byte(group))
	return hex.EncodeToString(h[:12])
}

// subjectGroup returns the group hash of a head or backlog subject.
func subjectGroup(subject string) string {
	return subject[strings.LastIndexByte(subject, '.')+1:]
}

// fifoMessageID derives a FIFO message's id from the stream sequence of its
// first publish, so a deduplicated send answers with the original's id.
func fifoMessageID(stream string, seq uint64) string {
	h := sha256.Sum256([]byte(stream + "/" + strconv.FormatUint(seq, 10)))
	return uuid.Format([16]byte(h[:16]), 4)
}

// sequenceNumber renders a FIFO SequenceNumber: 20 digits, so the strings
// sort like the numbers.
func sequenceNumber(seq uint64) string { return fmt.Sprintf("%020d", seq) }

// dedupMsgID is the Nats-Msg-Id of a FIFO message's first publish.
func dedupMsgID(attrs map[string]string, group, dedupID string) string {
	if attrs[attrDeduplicationScope] == "messageGroup" {
		return "d:g:" + strconv.Itoa(len(group)) + ":" + group + ":" + dedupID
	}
	return "d:q:" + dedupID
}

func contentDedupID(body string) string {
	h := sha256.Sum256([]byte(body))
	return hex.EncodeToString(h[:])
}

// fifoState is one node's view of a FIFO queue's backlog.
type fifoState struct {
	loadMu sync.Mutex // held while loading
	loaded bool

	mu      sync.Mutex // guards the rest; serialises promotions
	backlog map[string][]uint64
	// dedup holds the deduplication ids read from markers at start: those
	// of messages whose original (which carried the id as its
	// Nats-Msg-Id) was gone from the stream, so JetStream did not
	// remember them across the restart.
	dedup map[string]dedupEntry
	// markers are the markers this node knows, oldest first, deleted once
	// their deduplication interval has passed.
	markers []dedupEntry
}

// dedupEntry is a deduplication id's original: stream sequence of its first
// publish, and send time (unix milliseconds). For markers, seq is the
// marker's own sequence.
type dedupEntry struct {
	seq  uint64
	sent int64
}

func newFifoState() *fifoState {
	return &fifoState{backlog: map[string][]uint64{}, dedup: map[string]dedupEntry{}}
}

// duplicate returns the original of a deduplication id seen within the
// interval, from the markers read at start.
func (f *fifoState) duplicate(key string, now time.Time) (uint64, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.dedup[key]
	if !ok {
		return 0, false
	}
	if time.UnixMilli(e.sent).Add(fifoDedupWindow).Before(now) {
		delete(f.dedup, key)
		return 0, false
	}
	return e.seq, true
}

// add records a backlog message (kept sorted, without duplicates). Called
// with f.mu held.
func (f *fifoState) add(gh string, seq uint64) {
	b := f.backlog[gh]
	i, found := slices.BinarySearch(b, seq)
	if !found {
		f.backlog[gh] = slices.Insert(b, i, seq)
	}
}

func (f *fifoState) has(gh string, seq uint64) bool {
	_, found := slices.BinarySearch(f.backlog[gh], seq)
	return found
}

func (f *fifoState) remove(gh string, seq uint64) {
	b := f.backlog[gh]
	if i, found := slices.BinarySearch(b, seq); found {
		b = slices.Delete(b, i, i+1)
	}
	if len(b) == 0 {
		delete(f.backlog, gh)
	} else {
		f.backlog[gh] = b
	}
}

func (f *fifoState) reset() {
	f.mu.Lock()
	f.backlog = map[string][]uint64{}
	f.markers = nil
	f.mu.Unlock()
}

// writeMarker keeps a deduplication id in the stream for the rest of its
// interval once the message that carried it as Nats-Msg-Id is removed
// (promoted to a head, or moved out of the delayed subject): JetStream
// rebuilds its duplicate table at start only from messages still stored.
// It also deletes the markers whose interval has passed. Called with f.mu
// held.
func (s *Service) writeMarker(ctx context.Context, q *queue, f *fifoState, h store.Header, origin uint64) error {
	key := h.Get(hdrDedupKey)
	sent, _ := strconv.ParseInt(h.Get(hdrSent), 10, 64)
	now := time.Now()
	if key != "" && time.UnixMilli(sent).Add(fifoDedupWindow).After(now) {
		m := &store.Msg{Subject: markerSubject(q.rec.Stream), Header: store.Header{
			hdrDedupKey: {key}, hdrOrigin: {strconv.FormatUint(origin, 10)}, hdrSent: {strconv.FormatInt(sent, 10)},
		}}
		if err := s.st.Publish(ctx, m); err != nil {
			return err
		}
		f.markers = append(f.markers, dedupEntry{seq: m.Seq, sent: sent})
	}
	for len(f.markers) > 0 && time.UnixMilli(f.markers[0].sent).Add(fifoDedupWindow).Before(now) {
		if err := s.st.DeleteMsg(ctx, q.rec.Stream, f.markers[0].seq); err != nil && !errors.Is(err, store.ErrNotFound) {
			break
		}
		f.markers = f.markers[1:]
	}
	return nil
}

// startFifoLoad rebuilds a FIFO queue's index in the background, retrying
// until it works or the queue goes away. Called with s.mu held.
func (s *Service) startFifoLoad(rt *runtime) {
	if s.closed {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		backoff := 100 * time.Millisecond
		for {
			q := s.lookup(rt.id)
			if q == nil || q.rt != rt {
				return
			}
			ctx, cancel := context.WithTimeout(s.ctx, time.Minute)
			_, err := s.fifoReady(ctx, q)
			cancel()
			if err == nil || s.ctx.Err() != nil {
				return
			}
			s.log.Warn("loading a FIFO queue's backlog failed; retrying", "queue", rt.id.name, "err", err)
			select {
			case <-s.ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 10*time.Second)
		}
	}()
}

// fifoReady returns the queue's FIFO state once its index is loaded,
// loading it if needed.
func (s *Service) fifoReady(ctx context.Context, q *queue) (*fifoState, error) {
	f := q.rt.fifo
	if f == nil {
		return nil, errors.New("queue: not a FIFO queue")
	}
	f.loadMu.Lock()
	defer f.loadMu.Unlock()
	if f.loaded {
		return f, nil
	}
	if err := s.loadFifo(ctx, q, f); err != nil {
		return nil, s.gone(q, err)
	}
	f.loaded = true
	return f, nil
}

// loadFifo makes sure the stream has the FIFO subjects (queues created by
// older versions lack them), reads the backlog into the index and promotes
// the first message of every group that has no head (after a crash
// between storing a message and promoting it).
func (s *Service) loadFifo(ctx context.Context, q *queue, f *fifoState) error {
	stream := q.rec.Stream
	if err := s.st.EnsureStream(ctx, streamConfig(q.rec)); err != nil {
		return err
	}
	if err := s.st.DeleteConsumer(ctx, stream, indexConsumer); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	c, err := s.st.EnsureConsumer(ctx, store.ConsumerConfig{
		Stream: stream, Durable: indexConsumer, Filter: []string{backlogWildcard(stream), markerSubject(stream)},
		AckWait: time.Hour, MaxAckPending: -1, Memory: true,
	})
	if err != nil {
		return err
	}
	defer func() { _ = s.st.DeleteConsumer(context.WithoutCancel(ctx), stream, indexConsumer) }()
	index := map[string][]uint64{}
	dedup := map[string]dedupEntry{}
	var markers, expired []dedupEntry
	now := time.Now()
	for {
		ds, err := c.Fetch(ctx, 256, 20*time.Millisecond)
		if err != nil {
			return err
		}
		if len(ds) == 0 {
			pending, _, err := c.Counts(ctx)
			if err != nil {
				return err
			}
			if pending == 0 {
				break
			}
			continue
		}
		for _, d := range ds {
			md, err := d.Metadata()
			if err != nil {
				return err
			}
			if d.Subject() == markerSubject(stream) {
				h := d.Headers()
				sent, _ := strconv.ParseInt(h.Get(hdrSent), 10, 64)
				origin, _ := strconv.ParseUint(h.Get(hdrOrigin), 10, 64)
				marker := dedupEntry{seq: md.Sequence.Stream, sent: sent}
				if time.UnixMilli(sent).Add(fifoDedupWindow).Before(now) {
					expired = append(expired, marker)
					continue
				}
				markers = append(markers, marker)
				dedup[h.Get(hdrDedupKey)] = dedupEntry{seq: origin, sent: sent}
				continue
			}
			gh := subjectGroup(d.Subject())
			index[gh] = append(index[gh], md.Sequence.Stream)
		}
	}
	for _, m := range expired {
		if err := s.st.DeleteMsg(ctx, stream, m.seq); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	slices.SortFunc(markers, func(a, b dedupEntry) int { return int(a.sent - b.sent) })
	f.mu.Lock()
	for gh, seqs := range index {
		for _, seq := range seqs {
			f.add(gh, seq)
		}
	}
	for k, v := range dedup {
		f.dedup[k] = v
	}
	f.markers = append(markers, f.markers...)
	groups := make([]string, 0, len(f.backlog))
	for gh := range f.backlog {
		groups = append(groups, gh)
	}
	f.mu.Unlock()
	for _, gh := range groups {
		if err := s.promote(ctx, q, f, gh); err != nil {
			return err
		}
	}
	return nil
}

// fifoEnqueue stores a message at the end of its group (msg carries its
// headers and Nats-Msg-Id) and promotes it if the group has no head. It
// returns the stream sequence of the stored message, or of the original
// when JetStream found it a duplicate.
func (s *Service) fifoEnqueue(ctx context.Context, q *queue, msg *store.Msg, group string) (uint64, error) {
	f, err := s.fifoReady(ctx, q)
	if err != nil {
		return 0, err
	}
	if seq, dup := f.duplicate(msg.ID, time.Now()); dup {
		return seq, nil
	}
	gh := groupHash(group)
	msg.Subject = backlogSubject(q.rec.Stream, gh)
	if err := s.st.Publish(ctx, msg); err != nil {
		return 0, s.gone(q, err)
	}
	// A duplicate's sequence may be a message promoted (and deleted from
	// the backlog) already: promote drops sequences that are gone.
	f.mu.Lock()
	f.add(gh, msg.Seq)
	f.mu.Unlock()
	if err := s.promote(ctx, q, f, gh); err != nil {
		s.promoteLater(q, gh, err)
	}
	return msg.Seq, nil
}

// promoteLater retries a failed promotion in the background: the message
// is stored, and its group must not stay stuck.
func (s *Service) promoteLater(q *queue, gh string, cause error) {
	s.log.Warn("promoting a FIFO message failed; retrying", "queue", q.rec.Name, "err", cause)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return // the next start promotes it
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		backoff := 100 * time.Millisecond
		for attempt := 0; attempt < 20; attempt++ {
			select {
			case <-s.ctx.Done():
				return
			case <-time.After(backoff):
			}
			cur := s.lookup(q.rec.id())
			if cur == nil || cur.rt != q.rt {
				return
			}
			ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
			err := s.promote(ctx, cur, cur.rt.fifo, gh)
			cancel()
			if err == nil {
				return
			}
			backoff = min(2*backoff, 5*time.Second)
		}
	}()
}

// promote makes the oldest backlog message of a group its head, unless the
// group has a head already.
func (s *Service) promote(ctx context.Context, q *queue, f *fifoState, gh string) error {
	stream := q.rec.Stream
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		seqs := f.backlog[gh]
		if len(seqs) == 0 {
			return nil
		}
		b := seqs[0]
		m, err := s.st.GetMsg(ctx, stream, b)
		if errors.Is(err, store.ErrNotFound) {
			f.remove(gh, b)
			continue
		}
		if err != nil {
			return err
		}
		head := &store.Msg{Subject: headSubject(stream, gh), ID: "h:" + strconv.FormatUint(b, 10), Data: m.Data, Header: copyHeader(m.Header)}
		if head.Header.Get(hdrMessageID) == "" {
			head.Header.Set(hdrMessageID, fifoMessageID(stream, b))
		}
		if head.Header.Get(hdrSeqNum) == "" {
			head.Header.Set(hdrSeqNum, sequenceNumber(b))
		}
		head.Header.Set(hdrOrigin, strconv.FormatUint(b, 10))
		head.Header.Set(natsExpectedLastSubjectSeq, "0")
		if err := s.st.Publish(ctx, head); err != nil {
			if isWrongLastSequence(err) {
				return nil // the group has a head: b waits
			}
			return err
		}
		origin := b
		if sn, err := strconv.ParseUint(m.Header.Get(hdrSeqNum), 10, 64); err == nil {
			origin = sn // a copy (delayed, dead letter): its first publish
		}
		if err := s.writeMarker(ctx, q, f, m.Header, origin); err != nil {
			s.log.Warn("writing a FIFO deduplication marker failed", "stream", stream, "err", err)
		}
		if err := s.st.DeleteMsg(ctx, stream, b); err != nil && !errors.Is(err, store.ErrNotFound) {
			// The head is out; a lingering backlog copy is deleted when
			// the head is (see fifoAfterHead).
			s.log.Warn("deleting a promoted FIFO message from the backlog failed", "stream", stream, "seq", b, "err", err)
			return nil
		}
		f.remove(gh, b)
		return nil
	}
}

// fifoAfterHead is called once a group's head is gone (deleted, moved to the
// dead-letter queue or to another queue): it removes the backlog copy the
// head came from if a crash left it behind, and promotes the next message.
func (s *Service) fifoAfterHead(ctx context.Context, q *queue, head *store.Msg) error {
	if q.rt.fifo == nil || head == nil || !strings.HasPrefix(head.Subject, subjectPrefix(q.rec.Stream)+".m.") {
		return nil
	}
	f, err := s.fifoReady(ctx, q)
	if err != nil {
		return err
	}
	gh := subjectGroup(head.Subject)
	if origin, err := strconv.ParseUint(head.Header.Get(hdrOrigin), 10, 64); err == nil {
		f.mu.Lock()
		lingering := f.has(gh, origin)
		f.mu.Unlock()
		if lingering {
			if err := s.st.DeleteMsg(ctx, q.rec.Stream, origin); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			f.mu.Lock()
			f.remove(gh, origin)
			f.mu.Unlock()
		}
	}
	if err := s.promote(ctx, q, f, gh); err != nil {
		s.promoteLater(q, gh, err)
	}
	return nil
}

// isWrongLastSequence recognises JetStream's refusal of a conditional
// publish (err_code 10071). The store returns publish errors unmapped.
func isWrongLastSequence(err error) bool {
	if errors.Is(err, store.ErrConflict) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "wrong last sequence") || strings.Contains(msg, "err_code=10071")
}

// copyHeader copies a stored message's headers without JetStream's own.
func copyHeader(h store.Header) store.Header {
	out := make(store.Header, len(h)+3)
	for k, v := range h {
		if !strings.HasPrefix(k, "Nats-") {
			out[k] = append([]string(nil), v...)
		}
	}
	return out
}
