package main

import (
	"cmp"
	"slices"
	"sort"
	"time"
)

// FIFO order checks. SQS promises that a group's successfully sent
// messages are received in the order they were stored, which is the order
// of their SequenceNumbers. The drain records each payload's first
// receipt; within a group:
//
//   - an order violation is a message received while an acknowledged
//     message of the same group with a smaller SequenceNumber (the one
//     its send was acknowledged with) had not been received yet;
//   - a causal order violation is a message m received before a message
//     m' of its group whose send was acknowledged before the first
//     request carrying m started (the client could see m' was stored
//     before it sent m; this does not trust the server's numbers);
//   - a sequence inversion (at send) is a message whose SequenceNumber is
//     smaller than that of a message of its group acknowledged before m's
//     first request started.
//
// Only a message's first receipt counts: a message received again (the
// kill lost its delete, and the server delivers it after messages that
// were promoted behind it) is a duplicate, not a reordering. Only messages
// received at least once take part (a lost message is counted as lost,
// not as the cause of every later message's violation), and a message
// whose first receipt has ApproximateReceiveCount > 1 (the server had
// handed it out before, to a receive a kill cut off, so we do not know
// when it was first received) is left out. Each violating message counts
// once, however many messages it overtook; the example names the message
// it overtook with the smallest SequenceNumber (causal: the one received
// last).

// fifoMsg is one acknowledged message of a group.
type fifoMsg struct {
	pid              string
	seq              uint64
	firstSend, acked time.Duration
	recv             int // position of its first receipt; -1: not received, or left out
}

// violation names two messages of a group: early was received while
// pending, which should have come first, had not been.
type violation struct{ early, pending int }

// seqViolations finds messages received while one with a smaller
// SequenceNumber was still pending.
func seqViolations(msgs []fifoMsg) []violation {
	var byRecv, bySeq []int
	for i, m := range msgs {
		if m.recv >= 0 {
			byRecv = append(byRecv, i)
			bySeq = append(bySeq, i)
		}
	}
	slices.SortFunc(byRecv, func(a, b int) int { return cmp.Compare(msgs[a].recv, msgs[b].recv) })
	slices.SortFunc(bySeq, func(a, b int) int { return cmp.Compare(msgs[a].seq, msgs[b].seq) })
	received := make(map[int]bool, len(byRecv))
	var out []violation
	next := 0 // bySeq[next] is the smallest sequence not received yet
	for _, i := range byRecv {
		received[i] = true
		if msgs[i].seq > msgs[bySeq[next]].seq {
			out = append(out, violation{early: i, pending: bySeq[next]})
		}
		for next < len(bySeq) && received[bySeq[next]] {
			next++
		}
	}
	return out
}

// causalViolations finds messages received before a message whose send
// was acknowledged before theirs was first sent.
func causalViolations(msgs []fifoMsg) []violation {
	return ackedBefore(msgs, func(m fifoMsg) (int, bool) { return m.recv, m.recv >= 0 },
		func(m fifoMsg, latest int) bool { return latest > m.recv })
}

// seqInversions finds messages stored with a smaller SequenceNumber than a
// message acknowledged before they were first sent.
func seqInversions(msgs []fifoMsg) []violation {
	return ackedBefore(msgs, func(m fifoMsg) (int, bool) { return int(m.seq), true },
		func(m fifoMsg, largest int) bool { return uint64(largest) > m.seq })
}

// ackedBefore reports, for each message m that key accepts, the message
// with the largest key among those acknowledged before m was first sent,
// when bad(m, that key) holds.
func ackedBefore(msgs []fifoMsg, key func(fifoMsg) (int, bool), bad func(fifoMsg, int) bool) []violation {
	var idx []int
	for i, m := range msgs {
		if _, ok := key(m); ok {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(msgs[a].acked, msgs[b].acked) })
	// best[k] is the message with the largest key among idx[:k+1].
	best := make([]int, len(idx))
	for k, i := range idx {
		best[k] = i
		if k > 0 {
			prev, _ := key(msgs[best[k-1]])
			if cur, _ := key(msgs[i]); prev > cur {
				best[k] = best[k-1]
			}
		}
	}
	var out []violation
	for _, i := range idx {
		m := msgs[i]
		n := sort.Search(len(idx), func(k int) bool { return msgs[idx[k]].acked >= m.firstSend })
		if n == 0 {
			continue
		}
		if b := best[n-1]; b != i {
			if v, _ := key(msgs[b]); bad(m, v) {
				out = append(out, violation{early: i, pending: b})
			}
		}
	}
	return out
}

// fifoReport is the FIFO stream's order and deduplication result.
type fifoReport struct {
	Groups             int `json:"groups"`
	OrderViolations    int `json:"order_violations"`
	CausalViolations   int `json:"causal_order_violations"`
	SequenceInversions int `json:"sequence_inversions_at_send"`
	// ExcludedRedelivered counts messages left out of the order checks
	// because their first receipt was a redelivery.
	ExcludedRedelivered int `json:"excluded_redelivered"`
	// SeqMismatches counts first receipts whose SequenceNumber is not the
	// one their send was acknowledged with.
	SeqMismatches int `json:"sequence_number_mismatches"`
	// Reacks counts entries acknowledged again by a retried batch (same
	// deduplication ids); ReackMismatches those answered with another
	// MessageId or SequenceNumber than the first time.
	Reacks int `json:"reacks"`
	// Retried counts entries first acknowledged by a retried batch;
	// StoredBefore those the server had stored in an earlier attempt
	// (their SequenceNumber is below one acknowledged before the retry
	// started): deduplication across a kill at work.
	Retried         int64                 `json:"retried"`
	StoredBefore    int64                 `json:"retried_stored_before"`
	ReackMismatches int                   `json:"reack_mismatches"`
	PerGroup        map[string]groupOrder `json:"per_group"`
	Examples        []orderExample        `json:"examples,omitempty"`
}

type groupOrder struct {
	Accepted        int `json:"accepted"`
	OrderViolations int `json:"order_violations"`
	Causal          int `json:"causal_order_violations"`
}

// orderExample is one order violation: Early (received at position
// EarlyAt of the stream's receive order) overtook Pending.
type orderExample struct {
	Kind       string `json:"kind"` // "sequence" or "causal"
	Group      string `json:"group"`
	Early      string `json:"early"`
	EarlySeq   uint64 `json:"early_seq"`
	EarlyAt    int    `json:"early_received_at"`
	Pending    string `json:"pending"`
	PendingSeq uint64 `json:"pending_seq"`
	PendingAt  int    `json:"pending_received_at"`
	// First sends and acknowledgements, seconds since the load started.
	EarlySentS    float64 `json:"early_sent_s"`
	EarlyAckedS   float64 `json:"early_acked_s"`
	PendingSentS  float64 `json:"pending_sent_s"`
	PendingAckedS float64 `json:"pending_acked_s"`
}

// fifoOrder runs the order checks over the ledger of the FIFO stream.
func (l *ledger) fifoOrder(sampleMax int) *fifoReport {
	l.mu.Lock()
	defer l.mu.Unlock()
	rep := &fifoReport{PerGroup: map[string]groupOrder{}, Reacks: l.reacks, ReackMismatches: l.reackMismatch,
		Retried: l.retried.Load(), StoredBefore: l.storedBefore.Load()}
	groups := map[string][]fifoMsg{}
	for pid, s := range l.acked {
		m := fifoMsg{pid: pid, seq: s.seq, firstSend: s.firstSend, acked: s.acked, recv: -1}
		if g, ok := l.got[pid]; ok {
			if g.seq != s.seq {
				rep.SeqMismatches++
			}
			if g.receiveCount > 1 {
				rep.ExcludedRedelivered++
			} else {
				m.recv = g.order
			}
		}
		groups[s.group] = append(groups[s.group], m)
	}
	rep.Groups = len(groups)
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	slices.Sort(names)
	example := func(kind, g string, msgs []fifoMsg, v violation) {
		if len(rep.Examples) < sampleMax {
			e, p := msgs[v.early], msgs[v.pending]
			rep.Examples = append(rep.Examples, orderExample{Kind: kind, Group: g,
				Early: e.pid, EarlySeq: e.seq, EarlyAt: e.recv, Pending: p.pid, PendingSeq: p.seq, PendingAt: p.recv,
				EarlySentS: e.firstSend.Seconds(), EarlyAckedS: e.acked.Seconds(),
				PendingSentS: p.firstSend.Seconds(), PendingAckedS: p.acked.Seconds()})
		}
	}
	for _, g := range names {
		msgs := groups[g]
		seqV, causalV := seqViolations(msgs), causalViolations(msgs)
		rep.OrderViolations += len(seqV)
		rep.CausalViolations += len(causalV)
		rep.SequenceInversions += len(seqInversions(msgs))
		rep.PerGroup[g] = groupOrder{Accepted: len(msgs), OrderViolations: len(seqV), Causal: len(causalV)}
		for _, v := range seqV[:min(len(seqV), 3)] {
			example("sequence", g, msgs, v)
		}
		for _, v := range causalV[:min(len(causalV), 2)] {
			example("causal", g, msgs, v)
		}
	}
	return rep
}
