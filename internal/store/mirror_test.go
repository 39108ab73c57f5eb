package store

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestMirrorReadsItsWrites(t *testing.T) {
	s := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	kv, err := s.KV(ctx, "mirror-test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "before", []byte("1")); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]string{}
	m, err := kv.Mirror(ctx, func(e Entry) {
		mu.Lock()
		defer mu.Unlock()
		if e.Deleted {
			delete(seen, e.Key)
		} else {
			seen[e.Key] = string(e.Value)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	<-m.Ready()
	for i, v := range []string{"a", "b", "c"} {
		rev, err := kv.Put(ctx, "k", []byte(v))
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Wait(ctx, rev); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		got := seen["k"]
		mu.Unlock()
		if got != v {
			t.Fatalf("write %d: mirror has %q after Wait, want %q", i, got, v)
		}
	}
	rev, err := kv.Delete(ctx, "before", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Wait(ctx, rev); err != nil {
		t.Fatal(err)
	}
	if err := m.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if _, ok := seen["before"]; ok {
		t.Error("deleted key still mirrored")
	}
	mu.Unlock()

	// A revision that never comes: the caller's context ends the wait,
	// and so does closing the mirror.
	short, stop := context.WithTimeout(ctx, 50*time.Millisecond)
	defer stop()
	if err := m.Wait(short, rev+1000); err == nil {
		t.Error("Wait for a future revision returned nil")
	}
	done := make(chan error, 1)
	go func() { done <- m.Wait(ctx, rev+1000) }()
	m.Close()
	if err := <-done; err == nil {
		t.Error("Wait after Close returned nil")
	}
}

// Concurrent compare-and-set writers through Mirror.Write lose no update.
func TestMirrorWriteRetriesConflicts(t *testing.T) {
	s := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	kv, err := s.KV(ctx, "mirror-cas")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var value int
	var rev uint64
	m, err := kv.Mirror(ctx, func(e Entry) {
		mu.Lock()
		defer mu.Unlock()
		value, rev = 0, e.Revision
		for _, c := range e.Value {
			value = value*10 + int(c-'0')
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	<-m.Ready()
	if _, err := kv.Create(ctx, "n", []byte("0")); err != nil {
		t.Fatal(err)
	}
	if err := m.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				err := m.Write(ctx, "counter", func() (uint64, error) {
					mu.Lock()
					v, r := value, rev
					mu.Unlock()
					return kv.Update(ctx, "n", []byte(strconv.Itoa(v+1)), r)
				})
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if value != 20 {
		t.Errorf("counter = %d after 20 increments", value)
	}
}
