package store

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// keySet is a mirrored copy of some keys of a bucket.
type keySet struct {
	mu   sync.Mutex
	vals map[string]string
	seen []string // every key applied, in order
}

func (k *keySet) apply(e Entry) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.seen = append(k.seen, e.Key)
	if e.Deleted {
		delete(k.vals, e.Key)
	} else {
		k.vals[e.Key] = string(e.Value)
	}
}

func (k *keySet) get(key string) (string, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.vals[key]
	return v, ok
}

func (k *keySet) keys() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.seen)
}

// Two mirrors of one bucket, each of its own kinds of key: each applies
// only its keys, reads its own writes and deletions, and catches up
// promptly when the latest write in the bucket is the other's.
func TestMirrorKeysSplitsABucket(t *testing.T) {
	s := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	kv, err := s.KV(ctx, "split")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"bus.a", "conn.a", "rule.a.b"} {
		if _, err := kv.Put(ctx, k, []byte("0")); err != nil {
			t.Fatal(err)
		}
	}
	mine := &keySet{vals: map[string]string{}}
	theirs := &keySet{vals: map[string]string{}}
	m1, err := kv.MirrorKeys(ctx, []string{"bus.>", "rule.>"}, mine.apply)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := kv.MirrorKeys(ctx, []string{"conn.>"}, theirs.apply)
	if err != nil {
		t.Fatal(err)
	}
	if got := mine.keys(); !slices.Equal(got, []string{"bus.a", "rule.a.b"}) {
		t.Errorf("initial keys of bus.>, rule.>: %v", got)
	}
	if got := theirs.keys(); !slices.Equal(got, []string{"conn.a"}) {
		t.Errorf("initial keys of conn.>: %v", got)
	}

	steps := []struct {
		name  string
		write func() (uint64, error)
		m     *Mirror
		set   *keySet
		key   string
		want  string // "" for absent
	}{
		{"update own key", func() (uint64, error) { return kv.Put(ctx, "bus.a", []byte("1")) }, m1, mine, "bus.a", "1"},
		{"create own key", func() (uint64, error) { return kv.Create(ctx, "rule.a.c", []byte("2")) }, m1, mine, "rule.a.c", "2"},
		{"other's key", func() (uint64, error) { return kv.Put(ctx, "conn.b", []byte("3")) }, m2, theirs, "conn.b", "3"},
		{"delete own key", func() (uint64, error) { return kv.Delete(ctx, "rule.a.b", 0) }, m1, mine, "rule.a.b", ""},
		{"delete other's key", func() (uint64, error) { return kv.Delete(ctx, "conn.a", 0) }, m2, theirs, "conn.a", ""},
	}
	for _, st := range steps {
		rev, err := st.write()
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		// Within WaitTimeout: a revision the mirror never sees would
		// fail here rather than pass late.
		wctx, stop := context.WithTimeout(ctx, 2*time.Second)
		err = st.m.Wait(wctx, rev)
		stop()
		if err != nil {
			t.Fatalf("%s: revision %d not applied: %v", st.name, rev, err)
		}
		if got, _ := st.set.get(st.key); got != st.want {
			t.Errorf("%s: %s = %q after Wait, want %q", st.name, st.key, got, st.want)
		}
	}
	for _, k := range mine.keys() {
		if k[:4] == "conn" {
			t.Errorf("bus/rule mirror applied %s", k)
		}
	}
	for _, k := range theirs.keys() {
		if k[:4] != "conn" {
			t.Errorf("conn mirror applied %s", k)
		}
	}

	// The latest write in the bucket is another mirror's: catching up
	// must not wait for it.
	if _, err := kv.Put(ctx, "conn.c", []byte("4")); err != nil {
		t.Fatal(err)
	}
	cctx, stop := context.WithTimeout(ctx, 2*time.Second)
	defer stop()
	if err := m1.CatchUp(cctx); err != nil {
		t.Errorf("CatchUp after another kind's write: %v", err)
	}
	if err := m2.CatchUp(cctx); err != nil {
		t.Errorf("CatchUp after an own write: %v", err)
	}
	if v, _ := theirs.get("conn.c"); v != "4" {
		t.Errorf("conn.c = %q after CatchUp", v)
	}
}

// A mirror of keys that do not exist yet is ready at once, and catches up
// with nothing to wait for.
func TestMirrorKeysEmpty(t *testing.T) {
	s := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	kv, err := s.KV(ctx, "empty")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "other.x", []byte("1")); err != nil {
		t.Fatal(err)
	}
	set := &keySet{vals: map[string]string{}}
	m, err := kv.MirrorKeys(ctx, []string{"mine.>"}, set.apply)
	if err != nil {
		t.Fatal(err)
	}
	<-m.Ready()
	if rev, err := kv.lastRevisionOf(ctx, []string{"mine.>"}); err != nil || rev != 0 {
		t.Errorf("last revision of no keys: %d %v", rev, err)
	}
	cctx, stop := context.WithTimeout(ctx, 2*time.Second)
	defer stop()
	if err := m.CatchUp(cctx); err != nil {
		t.Error(err)
	}
	if got := set.keys(); len(got) != 0 {
		t.Errorf("applied %v", got)
	}
	if _, err := kv.WatchKeys(ctx, []string{"bad key"}, set.apply); err == nil {
		t.Error("a filter that is no key was accepted")
	}
}

// Mirror.Write retries compare-and-set conflicts on a filtered mirror, and
// Mirror.Create refuses a key that exists.
func TestMirrorKeysWrite(t *testing.T) {
	s := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	kv, err := s.KV(ctx, "cas")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var value int
	var rev uint64
	m, err := kv.MirrorKeys(ctx, []string{"n.>"}, func(e Entry) {
		mu.Lock()
		defer mu.Unlock()
		value, rev = int(e.Value[0]-'0'), e.Revision
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(ctx, "n.x", []byte("0")); err != nil {
		t.Fatal(err)
	}
	if err := m.Create(ctx, "n.x", []byte("0")); !errors.Is(err, ErrExists) {
		t.Fatalf("second Create: %v, want ErrExists", err)
	}
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 3; i++ {
				err := m.Write(ctx, "counter", func() (uint64, error) {
					mu.Lock()
					v, r := value, rev
					mu.Unlock()
					// Writes to keys outside the mirror in between
					// must not stall its catching up.
					if _, err := kv.Put(ctx, "other.x", []byte("x")); err != nil {
						return 0, err
					}
					return kv.Update(ctx, "n.x", []byte{byte('0' + v + 1)}, r)
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
	if value != 9 {
		t.Errorf("counter = %d after 9 increments", value)
	}
}

func TestRecordKey(t *testing.T) {
	for _, tc := range []struct {
		kind, account, region string
		names                 []string
	}{
		{"bus", "123456789012", "us-east-1", []string{"default"}},
		{"rule", "123456789012", "eu-west-1", []string{"orders.bus/with-slash", "rule.with.dots"}},
		{"connection", "1", "r", []string{"naïve *>"}},
	} {
		key := RecordKey(tc.kind, tc.account, tc.region, tc.names...)
		kind, account, region, names, err := SplitRecordKey(key)
		if err != nil || kind != tc.kind || account != tc.account || region != tc.region || !slices.Equal(names, tc.names) {
			t.Errorf("%s: split %q %q %q %q %v", key, kind, account, region, names, err)
		}
	}
	for _, bad := range []string{"bus.1.r", "bus", "bus.1.r.!!"} {
		if _, _, _, _, err := SplitRecordKey(bad); err == nil {
			t.Errorf("%q split", bad)
		}
	}
}
