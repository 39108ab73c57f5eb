package queue

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchyard/switchyard/internal/store"
)

// maxFifoRounds bounds the fetches of one FIFO receive that found only
// kicks, stale tokens or messages to move to the dead-letter queue.
const maxFifoRounds = 20

// takeFifo takes up to n messages of a FIFO queue, waiting up to wait for
// the first. As SQS describes it, a receive returns as many messages of
// one group as it can, in order, before it turns to other groups: the
// first token is fetched alone and its group may fill the receive; then
// one token per place left is fetched, each group getting at least one
// place, so that no token is taken only to be put back (which would count
// a receive of messages nobody saw).
func (s *Service) takeFifo(ctx context.Context, q *queue, n int, wait time.Duration) ([]taken, error) {
	if _, err := s.fifoReady(ctx, q); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	var out []taken
	for round := 0; len(out) < n && round < maxFifoRounds; round++ {
		k, w := 1, time.Duration(0)
		if len(out) == 0 {
			w = max(time.Until(deadline), 0)
		} else {
			k = n - len(out)
		}
		ds, err := s.fetch(ctx, q, k, w)
		if err != nil && len(ds) == 0 {
			if len(out) > 0 {
				break
			}
			return nil, err
		}
		if len(ds) == 0 {
			break // waited (or, with messages already, looked) in vain
		}
		tokens := 0
		for _, d := range ds {
			if d.Subject() != q.rt.kicks() {
				tokens++
			}
		}
		for _, d := range ds {
			if d.Subject() == q.rt.kicks() {
				s.onKick(ctx, q, d)
				continue
			}
			tokens--
			// Leave a place for each token after this one.
			got, err := s.fromToken(ctx, q, d, n-len(out)-tokens)
			if err != nil {
				s.log.Warn("reading a FIFO group failed", "queue", q.rec.Name, "err", err)
				_ = s.st.Reply(ctx, d.Reply(), "-NAK", time.Second)
				continue
			}
			out = append(out, got...)
		}
	}
	return out, nil
}

// onKick promotes the group a kick names: its first delayed message is due.
func (s *Service) onKick(ctx context.Context, q *queue, d store.Delivery) {
	gh := d.Headers().Get(hdrGroupHash)
	if gh == "" {
		gh = subjectGroup(d.Headers().Get(store.HeaderScheduler))
	}
	if err := s.promote(ctx, q, gh, true); err != nil {
		s.promoteLater(q, gh, err)
	}
	_ = s.st.Reply(ctx, d.Reply(), "+ACK", 0)
}

// fromToken hands out up to limit (at least one) of the first messages of
// a token's group, in order. The token's lease records how far each of
// its earlier receives went, so each message's ApproximateReceiveCount is
// exact: one more than the earlier receives of the token that handed it
// out. A token whose messages are all gone is retired; one whose group's
// first message is not due yet is retired and a kick scheduled. Messages
// received more than the RedrivePolicy's maxReceiveCount (the first ones:
// counts never grow along the group) go to the dead-letter queue instead.
func (s *Service) fromToken(ctx context.Context, q *queue, d store.Delivery, limit int) ([]taken, error) {
	md, err := d.Metadata()
	if err != nil {
		return nil, err
	}
	gh := subjectGroup(d.Subject())
	token := md.Sequence.Stream
	var reach leaseReach
	var lease uint64
	if md.NumDelivered > 1 {
		l, err := q.rt.msgs.LastMsg(ctx, q.rt.lease(gh))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if l != nil && l.Header.Get(hdrToken) == strconv.FormatUint(token, 10) {
			lease, reach = l.Seq, parseReach(l.Header.Get(hdrLast))
		}
	}
	limit = max(limit, 1)
	for rounds := 0; ; rounds++ {
		members, notDue, err := s.members(ctx, q, gh, limit)
		if err != nil {
			return nil, err
		}
		if len(members) == 0 {
			if !notDue.IsZero() {
				if err := s.retire(ctx, q, d.Reply(), token, lease, gh, false); err != nil {
					return nil, err
				}
				return nil, s.kick(ctx, q, gh, notDue)
			}
			return nil, s.retire(ctx, q, d.Reply(), token, lease, gh, true)
		}
		count := func(m *store.Msg) uint64 { return reach.count(m.Seq) + receiveBase(m.Header) }
		if q.redrive != nil && rounds < maxDeadLetterRounds {
			n := 0
			for n < len(members) && count(members[n]) > uint64(q.redrive.maxReceiveCount) {
				n++
			}
			if n > 0 {
				moved, err := s.deadLetterFifo(ctx, q, members[:n])
				if err != nil {
					s.log.Warn("moving a message to the dead-letter queue failed", "queue", q.rec.Name, "err", err)
				}
				if moved {
					continue // read the group again
				}
			}
		}
		// Record how far this receive goes before handing anything out.
		first, last := members[0].Seq, members[len(members)-1].Seq
		next := reach.add(last)
		l := &store.Msg{Subject: q.rt.lease(gh), Header: store.Header{
			hdrToken: {strconv.FormatUint(token, 10)}, hdrLast: {next.String()},
		}}
		store.SetTTL(l.Header, leaseTTL)
		if err := s.st.Publish(ctx, l); err != nil {
			return nil, err
		}
		if lease != 0 {
			if err := q.rt.msgs.DeleteMsg(ctx, lease); err != nil && !errors.Is(err, store.ErrNotFound) {
				s.log.Warn("deleting a FIFO lease failed", "queue", q.rec.Name, "err", err)
			}
		}
		out := make([]taken, len(members))
		for i, m := range members {
			h := q.rt.encodeReceipt(receipt{subject: d.Reply(), group: gh, member: m.Seq, first: first, last: last, lease: l.Seq})
			out[i] = taken{msg: m, count: count(m), handle: h, release: d.Reply()}
		}
		return out, nil
	}
}

// leaseReach is what a token's lease records: for each sequence, how many
// receives of the token handed out messages up to it.
type leaseReach []struct{ last, times uint64 } // by last, ascending

func parseReach(v string) leaseReach {
	var r leaseReach
	for _, pair := range strings.Split(v, ",") {
		last, times, ok := strings.Cut(pair, ":")
		l, err1 := strconv.ParseUint(last, 10, 64)
		t, err2 := strconv.ParseUint(times, 10, 64)
		if ok && err1 == nil && err2 == nil {
			r = append(r, struct{ last, times uint64 }{l, t})
		}
	}
	slices.SortFunc(r, func(a, b struct{ last, times uint64 }) int { return cmp.Compare(a.last, b.last) })
	return r
}

func (r leaseReach) String() string {
	var b strings.Builder
	for i, e := range r {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(e.last, 10) + ":" + strconv.FormatUint(e.times, 10))
	}
	return b.String()
}

// count is the receive count of sequence seq if it is handed out now.
func (r leaseReach) count(seq uint64) uint64 {
	n := uint64(1)
	for _, e := range r {
		if e.last >= seq {
			n += e.times
		}
	}
	return n
}

// add returns r with one more receive that went up to last.
func (r leaseReach) add(last uint64) leaseReach {
	out := slices.Clone(r)
	for i := range out {
		if out[i].last == last {
			out[i].times++
			return out
		}
	}
	out = append(out, struct{ last, times uint64 }{last, 1})
	slices.SortFunc(out, func(a, b struct{ last, times uint64 }) int { return cmp.Compare(a.last, b.last) })
	return out
}

// members reads the first messages of a group, up to limit, in order,
// stopping at the first one not yet due (notDue is its visible-at time
// when it is the first).
func (s *Service) members(ctx context.Context, q *queue, gh string, limit int) (out []*store.Msg, notDue time.Time, err error) {
	now := time.Now()
	from := uint64(0)
	for len(out) < limit {
		m, err := q.rt.msgs.NextMsg(ctx, q.rt.group(gh), from)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			return nil, time.Time{}, err
		}
		if due := visibleAt(m.Header); due.After(now) {
			if len(out) == 0 {
				notDue = due
			}
			break
		}
		out = append(out, m)
		from = m.Seq + 1
	}
	return out, notDue, nil
}

// deleteFifo deletes the message a FIFO receipt names. Once every message
// handed out with it is deleted, the token is retired and the group's next
// messages get their turn (those the token covered that were not handed
// out get a new token, so they start their receive count afresh).
func (s *Service) deleteFifo(ctx context.Context, q *queue, rc receipt) error {
	m, err := q.rt.msgs.GetMsg(ctx, rc.member)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Deleted already: deleting it again succeeds, as in SQS.
	case err != nil:
		return s.gone(q, err)
	default:
		if err := q.rt.msgs.DeleteMsg(ctx, rc.member); err != nil && !errors.Is(err, store.ErrNotFound) {
			return s.gone(q, err)
		}
		if err := s.writeMarker(ctx, q, m); err != nil {
			s.log.Warn("writing a FIFO deduplication marker failed", "queue", q.rec.Name, "err", err)
		}
	}
	s.firstRecv.del(q.rt.key, rc.member)
	next, err := q.rt.msgs.NextMsg(ctx, q.rt.group(rc.group), rc.first)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return s.gone(q, err)
	}
	if next == nil || next.Seq > rc.last {
		if err := s.retire(ctx, q, rc.subject, rc.seq, rc.lease, rc.group, true); err != nil {
			s.log.Warn("ending a FIFO group's turn failed; it ends with its visibility timeout", "queue", q.rec.Name, "err", err)
		}
	}
	return nil
}
