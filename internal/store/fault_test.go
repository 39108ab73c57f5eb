package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// FailNth returns a fault function that fails the nth (1-based) operation
// of kind op, and only that one.
func failNth(op Op, n int) FaultFunc {
	seen := 0
	return func(o Op, _ string) error {
		if o != op {
			return nil
		}
		seen++
		if seen == n {
			return errors.New("injected fault")
		}
		return nil
	}
}

// A batch publish in which one message fails reports exactly that one;
// the others are stored.
func TestPublishReportsEachFailure(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if err := s.EnsureStream(ctx, StreamConfig{Name: "T", Subjects: []string{"t.>"}}); err != nil {
		t.Fatal(err)
	}
	s.SetFaults(failNth(OpPublish, 3))
	var msgs []*Msg
	for i := range 5 {
		msgs = append(msgs, &Msg{Subject: "t.a", Data: []byte{byte('0' + i)}})
	}
	err := s.Publish(ctx, msgs...)
	var pe *PublishError
	if !errors.As(err, &pe) || len(pe.Failed) != 1 || pe.Failed[0] != 2 {
		t.Fatalf("Publish = %v, want message 2 reported failed", err)
	}
	for i, m := range msgs {
		if Stored(err, i) != (i != 2) || (m.Seq != 0) != (i != 2) {
			t.Fatalf("message %d: Stored %v, Seq %d", i, Stored(err, i), m.Seq)
		}
	}
	st, _ := s.StreamState(ctx, "T")
	if st.Msgs != 4 {
		t.Fatalf("stream holds %d messages, want 4", st.Msgs)
	}
	// A single message fails the same way.
	s.SetFaults(failNth(OpPublish, 1))
	if err := s.Publish(ctx, &Msg{Subject: "t.a"}); !errors.As(err, &pe) || Stored(err, 0) {
		t.Fatalf("single Publish = %v", err)
	}
	s.SetFaults(nil)
	if err := s.Publish(ctx, &Msg{Subject: "t.a"}); err != nil {
		t.Fatal(err)
	}
}

func TestKVFaults(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	kv, err := s.KV(ctx, "f")
	if err != nil {
		t.Fatal(err)
	}
	s.SetFaults(failNth(OpKVCreate, 1))
	if _, err := kv.Create(ctx, "k", []byte("v")); err == nil {
		t.Fatal("Create did not fail")
	}
	if _, err := kv.Get(ctx, "k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("failed Create stored the key: %v", err)
	}
	if _, err := kv.Create(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
}

// A long poll whose caller has gone stops taking messages: a message
// published after the cancellation stays visible to the next receiver.
func TestFetchEndsWithContext(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if err := s.EnsureStream(ctx, StreamConfig{Name: "T", Subjects: []string{"t.>"}, WorkQueue: true}); err != nil {
		t.Fatal(err)
	}
	c, err := s.EnsureConsumer(ctx, ConsumerConfig{Stream: "T", Durable: "w", AckWait: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 10} {
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		start := time.Now()
		go func() {
			_, err := c.Fetch(cctx, n, 20*time.Second)
			done <- err
		}()
		time.Sleep(200 * time.Millisecond)
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Fetch(%d) after cancel = %v", n, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("Fetch(%d) still waiting %v after its context ended", n, time.Since(start))
		}
		if err := s.Publish(ctx, &Msg{Subject: "t.a", Data: []byte("x")}); err != nil {
			t.Fatal(err)
		}
		got, err := c.Fetch(ctx, 1, 2*time.Second)
		if err != nil || len(got) != 1 {
			t.Fatalf("Fetch(%d): the next receiver got %d messages (%v); the cancelled poll kept it", n, len(got), err)
		}
		_ = got[0].Ack()
	}
}
