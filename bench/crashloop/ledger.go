package main

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ledger is one stream's books: what the server acknowledged (by the
// payload id the client put in the body) and what came back from the
// queue.
type ledger struct {
	name string

	requestErrors atomic.Int64 // calls that failed as a whole (server down, connection reset, 5xx)
	failedEntries atomic.Int64 // entries a successful call reported as failed
	receiveErrors atomic.Int64 // ReceiveMessage or DeleteMessageBatch calls that failed

	mu    sync.Mutex
	acked map[string]*sent    // payload id -> the acknowledged send
	got   map[string]*receipt // payload id -> what was received (acknowledged or not)
	// reacks counts FIFO entries acknowledged again by a retried batch;
	// reackMismatch those whose MessageId or SequenceNumber changed (the
	// deduplication id did not deduplicate).
	reacks, reackMismatch int
	receipts              int // every message received, first or not
	ackedN, gotAckedN     atomic.Int64
	maxSeq                atomic.Uint64 // largest SequenceNumber acknowledged so far (FIFO)
	// retried counts FIFO entries first acknowledged by a retry of their
	// batch; storedBefore those among them whose SequenceNumber was below
	// one already acknowledged when the retry started, so the server had
	// stored them in an attempt whose answer a kill cut off, and the retry
	// was deduplicated.
	retried, storedBefore atomic.Int64
}

// sent is an acknowledged send.
type sent struct {
	id    string // EventId, or MessageId
	group string // FIFO MessageGroupId
	seq   uint64 // FIFO SequenceNumber
	// firstSend is when the first request carrying this payload started,
	// acked when the response that acknowledged it arrived (since the
	// start of the run).
	firstSend, acked time.Duration
}

// receipt is what the drain saw of one payload id.
type receipt struct {
	count int    // times received
	id    string // message (or event) id of the first receipt
	seq   uint64 // SequenceNumber of the first receipt (FIFO)
	order int    // position of the first receipt in the stream's receive order
	// receiveCount is the ApproximateReceiveCount of the first receipt: >1
	// means the server had handed the message out before (and we never
	// saw it).
	receiveCount int
	// msgIDs are the SQS MessageIds it came as; newMessage counts later
	// receipts as a MessageId not seen before: the payload was stored
	// twice (an event: delivered to the queue twice), not delivered twice.
	msgIDs     []string
	newMessage int
	// firstAgain counts later receipts with ApproximateReceiveCount 1: the
	// server delivered again without counting the earlier delivery (a
	// consumer state older than the last deliveries, after a kill).
	firstAgain int
}

func newLedger(name string) *ledger {
	return &ledger{name: name, acked: map[string]*sent{}, got: map[string]*receipt{}}
}

// ack records an acknowledged send and reports whether it is the
// payload's first. A payload acknowledged again (a FIFO batch retried
// with the same deduplication ids) keeps its first acknowledgement.
func (l *ledger) ack(pid string, s sent) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if prev, ok := l.acked[pid]; ok {
		l.reacks++
		if prev.id != s.id || prev.seq != s.seq {
			l.reackMismatch++
		}
		return false
	}
	l.acked[pid] = &s
	l.ackedN.Add(1)
	for m := l.maxSeq.Load(); s.seq > m && !l.maxSeq.CompareAndSwap(m, s.seq); m = l.maxSeq.Load() {
	}
	if _, ok := l.got[pid]; ok {
		// Received before the acknowledgement reached the client.
		l.gotAckedN.Add(1)
	}
	return true
}

// receive records a received message. Call it before deleting the
// message: a FIFO group's next message is not handed out before this one
// is deleted, so the receive order recorded is the order the server gave.
func (l *ledger) receive(pid, id, msgID string, seq uint64, receiveCount int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.receipts++
	if r, ok := l.got[pid]; ok {
		r.count++
		if !slices.Contains(r.msgIDs, msgID) {
			r.msgIDs = append(r.msgIDs, msgID)
			r.newMessage++
		}
		if receiveCount <= 1 {
			r.firstAgain++
		}
		return
	}
	l.got[pid] = &receipt{count: 1, id: id, msgIDs: []string{msgID}, seq: seq, order: len(l.got), receiveCount: receiveCount}
	if _, ok := l.acked[pid]; ok {
		l.gotAckedN.Add(1)
	}
}

// complete reports whether every acknowledged payload has been received.
func (l *ledger) complete() bool { return l.gotAckedN.Load() >= l.ackedN.Load() }

// streamReport is one stream's result.
type streamReport struct {
	Accepted         int `json:"accepted"`
	ReceivedDistinct int `json:"received_distinct"`
	Lost             int `json:"lost"`
	// Duplicates counts receipts beyond the first of an acknowledged
	// payload; DuplicatesNewID those among them that came as another SQS
	// message than before (stored twice, or an event delivered to the
	// queue twice, rather than one message delivered twice).
	Duplicates      int `json:"duplicates"`
	DuplicatesNewID int `json:"duplicates_new_message"`
	// DuplicatesCount1 counts duplicates that came with
	// ApproximateReceiveCount 1 (the server lost count of the earlier
	// delivery).
	DuplicatesCount1 int `json:"duplicates_receive_count_1"`
	// Unacknowledged counts payloads received that no response
	// acknowledged (a request cut off by a kill, stored anyway): allowed.
	Unacknowledged int `json:"received_unacknowledged"`
	// IDMismatches counts first receipts whose message id (event id) is
	// not the one the send was acknowledged with.
	IDMismatches  int         `json:"id_mismatches"`
	Receipts      int         `json:"receipts"`
	RequestErrors int64       `json:"request_errors"`
	FailedEntries int64       `json:"failed_entries"`
	ReceiveErrors int64       `json:"receive_errors"`
	LostByEpoch   []int       `json:"lost_by_epoch,omitempty"` // index i: acknowledged after kill i (0: before the first)
	LostSample    []lostItem  `json:"lost_sample,omitempty"`
	FIFO          *fifoReport `json:"fifo,omitempty"`
}

// lostItem is an acknowledged payload never received, with its timing
// relative to the kills.
type lostItem struct {
	PayloadID   string  `json:"payload_id"`
	ID          string  `json:"id"`
	Group       string  `json:"group,omitempty"`
	Seq         uint64  `json:"seq,omitempty"`
	FirstSendS  float64 `json:"first_send_s"`
	AckedS      float64 `json:"acked_s"`
	Epoch       int     `json:"epoch"`                  // kills before the acknowledgement
	SinceKillMS float64 `json:"since_kill_ms"`          // since the last kill before it (or the start)
	NextKillMS  float64 `json:"next_kill_ms,omitempty"` // until the next kill (0: none followed)
}

// report sums the ledger up; kills are the kill times since the start.
func (l *ledger) report(kills []time.Duration, sampleMax int) streamReport {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := streamReport{
		Accepted:      len(l.acked),
		Receipts:      l.receipts,
		RequestErrors: l.requestErrors.Load(),
		FailedEntries: l.failedEntries.Load(),
		ReceiveErrors: l.receiveErrors.Load(),
		LostByEpoch:   make([]int, len(kills)+1),
	}
	var lost []lostItem
	for pid, s := range l.acked {
		g, ok := l.got[pid]
		if !ok {
			lost = append(lost, lostAt(pid, s, kills))
			continue
		}
		r.ReceivedDistinct++
		r.Duplicates += g.count - 1
		r.DuplicatesNewID += g.newMessage
		r.DuplicatesCount1 += g.firstAgain
		if g.id != s.id {
			r.IDMismatches++
		}
	}
	for pid := range l.got {
		if _, ok := l.acked[pid]; !ok {
			r.Unacknowledged++
		}
	}
	r.Lost = len(lost)
	slices.SortFunc(lost, func(a, b lostItem) int { return int((a.AckedS - b.AckedS) * 1e6) })
	for _, it := range lost {
		r.LostByEpoch[it.Epoch]++
	}
	if r.Lost == 0 {
		r.LostByEpoch = nil
	}
	r.LostSample = lost[:min(len(lost), sampleMax)]
	return r
}

func lostAt(pid string, s *sent, kills []time.Duration) lostItem {
	it := lostItem{PayloadID: pid, ID: s.id, Group: s.group, Seq: s.seq,
		FirstSendS: s.firstSend.Seconds(), AckedS: s.acked.Seconds()}
	// epoch: kills that happened before the acknowledgement.
	it.Epoch, _ = slices.BinarySearch(kills, s.acked)
	since := s.acked
	if it.Epoch > 0 {
		since -= kills[it.Epoch-1]
	}
	it.SinceKillMS = float64(since.Microseconds()) / 1000
	if it.Epoch < len(kills) {
		it.NextKillMS = float64((kills[it.Epoch] - s.acked).Microseconds()) / 1000
	}
	return it
}
