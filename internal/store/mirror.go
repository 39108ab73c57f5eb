package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Mirror keeps an in-memory copy of a bucket current: it calls apply for
// every key and then for every change, from one goroutine, and tracks the
// revision applied so far, so that a node can read its own writes: after a
// write at revision r, Wait(ctx, r) returns once apply has seen it.
type Mirror struct {
	kv      *KV
	bucket  string
	filters []string // the keys mirrored (all if empty; see MirrorKeys)
	ready   <-chan struct{}

	mu      sync.Mutex
	cond    *sync.Cond
	applied uint64
	closed  bool
}

// WaitTimeout bounds Mirror.Wait: a write not seen locally by then is
// reported as an error rather than waited for forever.
const WaitTimeout = 10 * time.Second

// Mirror starts mirroring the bucket into apply until ctx ends, and
// returns once the keys present at the start have been applied (or with
// ctx's error, if it ends first).
func (k *KV) Mirror(ctx context.Context, apply func(Entry)) (*Mirror, error) {
	return k.mirror(ctx, nil, apply)
}

// mirror is Mirror for the keys matching filters (all keys if none; see
// MirrorKeys).
func (k *KV) mirror(ctx context.Context, filters []string, apply func(Entry)) (*Mirror, error) {
	m := &Mirror{kv: k, bucket: k.kv.Bucket(), filters: slices.Clone(filters)}
	m.cond = sync.NewCond(&m.mu)
	ready, err := k.watch(ctx, m.filters, func(e Entry) {
		apply(e)
		m.mu.Lock()
		if e.Revision > m.applied {
			m.applied = e.Revision
		}
		m.cond.Broadcast()
		m.mu.Unlock()
	})
	if err != nil {
		return nil, err
	}
	m.ready = ready
	context.AfterFunc(ctx, m.Close)
	select {
	case <-ready:
		return m, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("bucket %s: closed while loading: %w", m.bucket, ctx.Err())
	}
}

// Ready is closed once the keys present at the start have been applied.
func (m *Mirror) Ready() <-chan struct{} { return m.ready }

// Close makes waiting calls return (the watch itself ends with its ctx).
func (m *Mirror) Close() {
	m.mu.Lock()
	m.closed = true
	m.cond.Broadcast()
	m.mu.Unlock()
}

// Wait blocks until revision rev has been applied, ctx ends, the mirror
// is closed, or WaitTimeout passes.
func (m *Mirror) Wait(ctx context.Context, rev uint64) error {
	m.mu.Lock()
	seen := m.applied >= rev
	m.mu.Unlock()
	if seen {
		return nil // the common case: no timer, no wake-up hook
	}
	ctx, cancel := context.WithTimeout(ctx, WaitTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		m.mu.Lock()
		m.cond.Broadcast()
		m.mu.Unlock()
	})
	defer stop()
	m.mu.Lock()
	defer m.mu.Unlock()
	for m.applied < rev {
		if m.closed {
			return fmt.Errorf("bucket %s: closed", m.bucket)
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("bucket %s: write %d not applied locally: %w", m.bucket, rev, err)
		}
		m.cond.Wait()
	}
	return nil
}

// CatchUp waits until every write made before the call to a mirrored key
// has been applied.
func (m *Mirror) CatchUp(ctx context.Context) error {
	rev, err := m.kv.lastRevisionOf(ctx, m.filters)
	if err != nil {
		return err
	}
	return m.Wait(ctx, rev)
}

// Create stores a key that must not exist (ErrExists otherwise) and waits
// until the mirror has applied it.
func (m *Mirror) Create(ctx context.Context, key string, value []byte) error {
	rev, err := m.kv.Create(ctx, key, value)
	if err != nil {
		return err
	}
	return m.Wait(ctx, rev)
}

// MaxWriteAttempts bounds Mirror.Write's retries.
const MaxWriteAttempts = 20

// Write runs a compare-and-set write until it does not lose a race. write
// reads the record from the mirror and stores the new state at the revision
// it read. A conflict (ErrConflict, or ErrExists from a create or a
// conditional delete) means another writer was first: Write catches up with
// the other writes and calls write again, up to MaxWriteAttempts times.
// Once a write succeeds, Write waits until the mirror has applied it. Other
// errors are returned as they are. what names the record in the error for
// too many attempts.
func (m *Mirror) Write(ctx context.Context, what string, write func() (uint64, error)) error {
	for attempt := 0; attempt < MaxWriteAttempts; attempt++ {
		rev, err := write()
		if errors.Is(err, ErrConflict) || errors.Is(err, ErrExists) {
			if err := m.CatchUp(ctx); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		return m.Wait(ctx, rev)
	}
	return fmt.Errorf("%s: too many concurrent writes", what)
}

// GoneIsConflict passes on the result of a compare-and-set update
// (KV.Update) for Write, reporting a record deleted meanwhile (ErrNotFound)
// as ErrConflict: Write then catches up and calls write again, which finds
// the record gone in the mirror.
func GoneIsConflict(rev uint64, err error) (uint64, error) {
	if errors.Is(err, ErrNotFound) {
		return 0, ErrConflict
	}
	return rev, err
}
