package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStreamPublishConsume(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if err := s.EnsureStream(ctx, StreamConfig{Name: "T", Subjects: []string{"t.>"}, WorkQueue: true}); err != nil {
		t.Fatal(err)
	}
	msgs := []*Msg{{Subject: "t.a", ID: "1", Data: []byte("one")}, {Subject: "t.a", ID: "2", Data: []byte("two")}, {Subject: "t.a", ID: "1", Data: []byte("dup")}}
	if err := s.Publish(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	st, err := s.StreamState(ctx, "T")
	if err != nil || st.Msgs != 2 {
		t.Fatalf("state %+v %v, want 2 messages (duplicate dropped)", st, err)
	}
	c, err := s.EnsureConsumer(ctx, ConsumerConfig{Stream: "T", Durable: "w", AckWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Fetch(ctx, 10, time.Second)
	if err != nil || len(got) != 2 {
		t.Fatalf("fetch %d %v", len(got), err)
	}
	if err := got[0].Ack(); err != nil {
		t.Fatal(err)
	}
	// Nak with delay through the reply subject, as a receipt handle would.
	if err := s.Reply(ctx, got[1].Reply(), "-NAK", 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	again, err := c.Fetch(ctx, 10, 2*time.Second)
	if err != nil || len(again) != 1 || string(again[0].Data()) != "two" {
		for _, m := range again {
			md, _ := m.Metadata()
			t.Logf("got %s %d", m.Data(), md.NumDelivered)
		}
		t.Fatalf("redelivery %d %v", len(again), err)
	}
	md, _ := again[0].Metadata()
	if md.NumDelivered != 2 {
		t.Fatalf("NumDelivered = %d", md.NumDelivered)
	}
	if err := s.Reply(ctx, again[0].Reply(), "+ACK", 0); err != nil {
		t.Fatal(err)
	}
	pending, ackPending, err := c.Counts(ctx)
	if err != nil || pending != 0 || ackPending != 0 {
		t.Fatalf("counts %d %d %v", pending, ackPending, err)
	}
}

func TestKV(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	kv, err := s.KV(ctx, "cat")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]string{}
	var last uint64
	ready, err := kv.Watch(ctx, func(e Entry) {
		mu.Lock()
		defer mu.Unlock()
		if e.Deleted {
			delete(seen, e.Key)
		} else {
			seen[e.Key] = string(e.Value)
		}
		last = e.Revision
	})
	if err != nil {
		t.Fatal(err)
	}
	<-ready
	rev, err := kv.Create(ctx, "a", []byte("1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Create(ctx, "a", []byte("x")); !errors.Is(err, ErrExists) {
		t.Fatalf("create twice: %v", err)
	}
	if _, err := kv.Update(ctx, "a", []byte("2"), rev+100); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	rev, err = kv.Update(ctx, "a", []byte("2"), rev)
	if err != nil {
		t.Fatal(err)
	}
	drev, err := kv.Delete(ctx, "a", 0)
	if err != nil || drev <= rev {
		t.Fatalf("delete rev %d %v", drev, err)
	}
	if _, err := kv.Get(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get deleted: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		done := last >= drev
		_, present := seen["a"]
		mu.Unlock()
		if done {
			if present {
				t.Fatal("watch missed the deletion")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("watch did not catch up")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
