package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func ensureFeatureStream(t *testing.T, s *Store) *Stream {
	t.Helper()
	ctx := context.Background()
	err := s.EnsureStreamWith(ctx, StreamConfig{Name: "F", Subjects: []string{"f.>"}, WorkQueue: true, MaxConsumers: 1 << 20},
		StreamFeatures{MsgTTL: true, Schedules: true, DirectReads: true})
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.OpenStream(ctx, "F")
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestMessageTTL: a message with a TTL expires on its own; one without
// stays (the stream has no MaxAge).
func TestMessageTTL(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	st := ensureFeatureStream(t, s)
	short := &Msg{Subject: "f.short", Header: Header{}}
	SetTTL(short.Header, 10*time.Millisecond) // rounded up to a second
	if got := short.Header.Get(HeaderTTL); got != "1s" {
		t.Fatalf("TTL header %q", got)
	}
	if err := s.Publish(ctx, short, &Msg{Subject: "f.long"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := st.Count(ctx, "f.short")
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("message with a one-second TTL still there after 5 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n, err := st.Count(ctx, "f.long"); err != nil || n != 1 {
		t.Fatalf("message without TTL: %d %v", n, err)
	}
}

// TestSchedule: a schedule publishes its copy to the target at its time,
// with its headers and the TTL asked for, and is removed then.
func TestSchedule(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	st := ensureFeatureStream(t, s)
	at := time.Now().Add(time.Second)
	m := &Msg{Subject: "f.sched.1", ID: "once", Data: []byte("later"), Header: Header{"X-Kept": {"yes"}}}
	SetSchedule(m.Header, at, "f.target", time.Minute)
	if err := s.Publish(ctx, m); err != nil {
		t.Fatal(err)
	}
	if _, err := st.NextMsg(ctx, "f.target", 0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("published before its time: %v", err)
	}
	var got *Msg
	deadline := time.Now().Add(10 * time.Second)
	for got == nil {
		var err error
		got, err = st.NextMsg(ctx, "f.target", 0)
		if err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("schedule never fired")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if time.Now().Before(at) || string(got.Data) != "later" || got.Header.Get("X-Kept") != "yes" ||
		got.Header.Get(HeaderScheduler) != "f.sched.1" || got.Header.Get(HeaderTTL) != "60s" {
		t.Fatalf("fired at %v (due %v): %+v", time.Now(), at, got)
	}
	if n, err := st.Count(ctx, "f.sched.>"); err != nil || n != 0 {
		t.Fatalf("schedule message left: %d %v", n, err)
	}
}

// TestConditionalPublish: a publish conditional on the subject being empty
// is refused once it holds a message, and PublishConflict says so.
func TestConditionalPublish(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	ensureFeatureStream(t, s)
	cond := func() *Msg {
		m := &Msg{Subject: "f.head", Header: Header{}}
		SetExpectLastSubjectSeq(m.Header, 0)
		return m
	}
	if err := s.Publish(ctx, cond()); err != nil {
		t.Fatal(err)
	}
	err := s.Publish(ctx, cond())
	if !PublishConflict(err) {
		t.Fatalf("second conditional publish: %v", err)
	}
	if PublishConflict(errors.New("other")) || PublishConflict(nil) {
		t.Fatal("PublishConflict of other errors")
	}
}
