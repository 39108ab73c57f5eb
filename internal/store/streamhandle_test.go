package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestStreamHandle(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	st := ensureFeatureStream(t, s)
	if _, err := s.OpenStream(ctx, "NONE"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("open a missing stream: %v", err)
	}
	var msgs []*Msg
	for _, subj := range []string{"f.a.1", "f.b.1", "f.a.2", "f.a.1", "f.b.2"} {
		msgs = append(msgs, &Msg{Subject: subj, Data: []byte(subj)})
	}
	if err := s.Publish(ctx, msgs[:3]...); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	split := time.Now()
	time.Sleep(20 * time.Millisecond)
	if err := s.Publish(ctx, msgs[3:]...); err != nil {
		t.Fatal(err)
	}
	seq := func(i int) uint64 { return msgs[i].Seq }

	if m, err := st.GetMsg(ctx, seq(1)); err != nil || m.Subject != "f.b.1" || m.Seq != seq(1) {
		t.Fatalf("GetMsg: %+v %v", m, err)
	}
	if m, err := st.NextMsg(ctx, "f.a.*", seq(0)+1); err != nil || m.Seq != seq(2) {
		t.Fatalf("NextMsg wildcard: %+v %v", m, err)
	}
	if m, err := st.NextMsg(ctx, "f.a.1", 0); err != nil || m.Seq != seq(0) {
		t.Fatalf("NextMsg from the start: %+v %v", m, err)
	}
	if _, err := st.NextMsg(ctx, "f.c", 0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("NextMsg of an empty subject: %v", err)
	}
	if m, err := st.LastMsg(ctx, "f.a.1"); err != nil || m.Seq != seq(3) {
		t.Fatalf("LastMsg: %+v %v", m, err)
	}
	if got, err := st.FirstSince(ctx, "f.a.*", split); err != nil || got != seq(3) {
		t.Fatalf("FirstSince: %d %v, want %d", got, err, seq(3))
	}
	if _, err := st.FirstSince(ctx, "f.a.*", time.Now().Add(time.Hour)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("FirstSince in the future: %v", err)
	}
	if n, err := st.Count(ctx, "f.a.*"); err != nil || n != 3 {
		t.Fatalf("Count: %d %v", n, err)
	}
	if err := st.DeleteMsg(ctx, seq(0)); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteMsg(ctx, seq(0)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	// A message a consumer's acknowledgement removed.
	c, err := s.EnsureConsumer(ctx, ConsumerConfig{Stream: "F", Durable: "d", Filter: []string{"f.b.1"}, AckWait: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Fetch(ctx, 1, time.Second)
	if err != nil || len(got) != 1 {
		t.Fatalf("fetch %d %v", len(got), err)
	}
	if err := s.Reply(ctx, got[0].Reply(), "+ACK", 0); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteMsg(ctx, seq(1)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete an acknowledged message: %v", err)
	}
	// Purge below a sequence: only f.a.2 goes.
	if err := st.Purge(ctx, "f.a.*", seq(3)); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.Count(ctx, "f.a.*"); n != 1 {
		t.Fatalf("after a purge below %d: %d left", seq(3), n)
	}
	if err := st.Purge(ctx, "f.>", 0); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.Count(ctx, "f.>"); n != 0 {
		t.Fatalf("after purging all: %d left", n)
	}
}

// TestConsumerGoneAndInactive: a consumer is found without being created;
// once it is deleted (here by its InactiveThreshold) fetches and replies
// report ConsumerGone, and creating it again works.
func TestConsumerGoneAndInactive(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	ensureFeatureStream(t, s)
	if _, err := s.LookupConsumer(ctx, "F", "c"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("lookup before creation: %v", err)
	}
	cc := ConsumerConfig{Stream: "F", Durable: "c", Filter: []string{"f.q"}, AckWait: time.Minute, InactiveThreshold: time.Second}
	c, err := s.EnsureConsumer(ctx, cc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.LookupConsumer(ctx, "F", "c"); err != nil {
		t.Fatal(err)
	}
	// A second consumer of the same subject of a work-queue stream.
	_, err = s.EnsureConsumer(ctx, ConsumerConfig{Stream: "F", Durable: "other", Filter: []string{"f.q"}, AckWait: time.Minute})
	if !FilterTaken(err) {
		t.Fatalf("second consumer of f.q: %v", err)
	}
	if FilterTaken(errors.New("other")) || FilterTaken(nil) {
		t.Fatal("FilterTaken of other errors")
	}
	if err := s.Publish(ctx, &Msg{Subject: "f.q", Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Fetch(ctx, 1, time.Second)
	if err != nil || len(got) != 1 {
		t.Fatalf("fetch %d %v", len(got), err)
	}
	// In flight within its ack deadline: the consumer stays.
	time.Sleep(2500 * time.Millisecond)
	if _, err := s.LookupConsumer(ctx, "F", "c"); err != nil {
		t.Fatalf("consumer with a message in flight removed: %v", err)
	}
	if err := got[0].Ack(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := s.LookupConsumer(ctx, "F", "c")
		if errors.Is(err, ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("idle consumer still there: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := c.Fetch(ctx, 1, 100*time.Millisecond); !ConsumerGone(err) {
		t.Fatalf("fetch from a removed consumer: %v", err)
	}
	if err := s.Reply(ctx, got[0].Reply(), "+ACK", 0); !ConsumerGone(err) {
		t.Fatalf("reply to a removed consumer: %v", err)
	}
	if ConsumerGone(errors.New("other")) {
		t.Fatal("ConsumerGone of another error")
	}
	if _, err := s.EnsureConsumer(ctx, cc); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Fetch(ctx, 1, 100*time.Millisecond); err != nil {
		t.Fatalf("the old handle after creating it again: %v", err)
	}
}
