package main

import (
	"testing"
	"time"
)

func TestOrderChecks(t *testing.T) {
	ms := time.Millisecond
	// msg builds a message: SequenceNumber, first send and ack times in
	// ms, receive position (-1: not received).
	msg := func(seq uint64, send, ack, recv int) fifoMsg {
		return fifoMsg{seq: seq, firstSend: time.Duration(send) * ms, acked: time.Duration(ack) * ms, recv: recv}
	}
	tests := []struct {
		name                    string
		msgs                    []fifoMsg
		seq, causal, inversions int
	}{
		{"in order", []fifoMsg{msg(1, 0, 1, 0), msg(2, 2, 3, 1), msg(3, 4, 5, 2)}, 0, 0, 0},
		{"one swap", []fifoMsg{msg(1, 0, 1, 1), msg(2, 2, 3, 0), msg(3, 4, 5, 2)}, 1, 1, 0},
		// 2,3,4 received before 1: each overtook it.
		{"first last", []fifoMsg{msg(1, 0, 1, 3), msg(2, 2, 3, 0), msg(3, 4, 5, 1), msg(4, 6, 7, 2)}, 3, 3, 0},
		// Concurrent sends (overlapping requests): no causal order between
		// them, only the sequence numbers.
		{"concurrent swap", []fifoMsg{msg(1, 0, 5, 1), msg(2, 0, 5, 0)}, 1, 0, 0},
		// A lost message is not the cause of later violations.
		{"lost", []fifoMsg{msg(1, 0, 1, -1), msg(2, 2, 3, 0), msg(3, 4, 5, 1)}, 0, 0, 0},
		// The server numbered a later send lower than an earlier one, and
		// delivered by number.
		{"inverted numbers", []fifoMsg{msg(2, 0, 1, 1), msg(1, 2, 3, 0)}, 0, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := len(seqViolations(tt.msgs)); got != tt.seq {
				t.Errorf("seqViolations = %d, want %d", got, tt.seq)
			}
			if got := len(causalViolations(tt.msgs)); got != tt.causal {
				t.Errorf("causalViolations = %d, want %d", got, tt.causal)
			}
			if got := len(seqInversions(tt.msgs)); got != tt.inversions {
				t.Errorf("seqInversions = %d, want %d", got, tt.inversions)
			}
		})
	}
}

func TestLedger(t *testing.T) {
	l := newLedger("x")
	l.ack("a", sent{id: "A", acked: 2 * time.Second})
	l.ack("b", sent{id: "B", acked: 5 * time.Second})
	l.ack("c", sent{id: "C", acked: 9 * time.Second})
	l.receive("a", "A", "A", 0, 1)
	l.receive("a", "A", "A", 0, 2)   // delivered twice
	l.receive("c", "C2", "C2", 0, 1) // stored under another id
	l.receive("c", "C", "C", 0, 1)   // and again
	l.receive("z", "Z", "Z", 0, 1)   // never acknowledged
	if l.complete() {
		t.Fatal("complete with b missing")
	}
	r := l.report([]time.Duration{4 * time.Second, 8 * time.Second}, 10)
	want := streamReport{Accepted: 3, ReceivedDistinct: 2, Lost: 1, Duplicates: 2, DuplicatesNewID: 1, Unacknowledged: 1, IDMismatches: 1, Receipts: 5}
	if r.Accepted != want.Accepted || r.ReceivedDistinct != want.ReceivedDistinct || r.Lost != want.Lost || r.Duplicates != want.Duplicates ||
		r.DuplicatesNewID != want.DuplicatesNewID || r.Unacknowledged != want.Unacknowledged || r.IDMismatches != want.IDMismatches || r.Receipts != want.Receipts {
		t.Fatalf("report = %+v, want %+v", r, want)
	}
	if len(r.LostSample) != 1 || r.LostSample[0].PayloadID != "b" || r.LostSample[0].Epoch != 1 ||
		r.LostSample[0].SinceKillMS != 1000 || r.LostSample[0].NextKillMS != 3000 {
		t.Fatalf("lost = %+v", r.LostSample)
	}
	if r.LostByEpoch[1] != 1 {
		t.Fatalf("lost by epoch = %v", r.LostByEpoch)
	}
}
