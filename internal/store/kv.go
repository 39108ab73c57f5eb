package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/nats-io/nats.go/jetstream"
)

// KV is a key-value bucket.
type KV struct {
	kv jetstream.KeyValue
	s  *Store
}

// Entry is a key's value at a revision. Deleted marks a deletion seen by
// a watch.
type Entry struct {
	Key      string
	Value    []byte
	Revision uint64
	Deleted  bool
}

// KV opens (creating if needed) a bucket that keeps the latest value of
// each key.
func (s *Store) KV(ctx context.Context, bucket string) (*KV, error) {
	kv, err := s.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:   bucket,
		History:  1,
		Storage:  jetstream.FileStorage,
		Replicas: s.replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", bucket, err)
	}
	return &KV{kv: kv, s: s}, nil
}

// Get returns a key's value, or ErrNotFound.
func (k *KV) Get(ctx context.Context, key string) (Entry, error) {
	e, err := k.kv.Get(ctx, key)
	if err != nil {
		return Entry{}, mapKVErr(err)
	}
	return Entry{Key: e.Key(), Value: e.Value(), Revision: e.Revision()}, nil
}

// Put sets a key and returns the new revision.
func (k *KV) Put(ctx context.Context, key string, value []byte) (uint64, error) {
	if err := k.s.fault(OpKVPut, key); err != nil {
		return 0, err
	}
	rev, err := k.kv.Put(ctx, key, value)
	return rev, mapKVErr(err)
}

// Create sets a key that must not exist (ErrExists otherwise).
func (k *KV) Create(ctx context.Context, key string, value []byte) (uint64, error) {
	if err := k.s.fault(OpKVCreate, key); err != nil {
		return 0, err
	}
	rev, err := k.kv.Create(ctx, key, value)
	return rev, mapKVErr(err)
}

// Update sets a key whose current revision is rev (ErrConflict otherwise).
func (k *KV) Update(ctx context.Context, key string, value []byte, rev uint64) (uint64, error) {
	if err := k.s.fault(OpKVUpdate, key); err != nil {
		return 0, err
	}
	n, err := k.kv.Update(ctx, key, value, rev)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return 0, fmt.Errorf("%w: %v", ErrConflict, err)
	}
	return n, mapKVErr(err)
}

// Delete removes a key; with rev > 0 only if its revision is rev. It
// returns the key's latest revision, the deletion's or a later write's:
// a mirror of any keys that include this one reaches it (see
// lastRevisionOf).
func (k *KV) Delete(ctx context.Context, key string, rev uint64) (uint64, error) {
	if err := k.s.fault(OpKVDelete, key); err != nil {
		return 0, err
	}
	var opts []jetstream.KVDeleteOpt
	if rev > 0 {
		opts = append(opts, jetstream.LastRevision(rev))
	}
	if err := k.kv.Delete(ctx, key, opts...); err != nil {
		return 0, mapKVErr(err)
	}
	return k.lastRevisionOf(ctx, []string{key})
}

// LastRevision returns the bucket's latest revision: once a watch has seen
// it, the watch has seen every write made before the call.
func (k *KV) LastRevision(ctx context.Context) (uint64, error) {
	st, err := k.kv.Status(ctx)
	if err != nil {
		return 0, mapKVErr(err)
	}
	if bs, ok := st.(*jetstream.KeyValueBucketStatus); ok {
		return bs.StreamInfo().State.LastSeq, nil
	}
	return 0, errors.New("store: bucket status without stream info")
}

// Watch calls fn for every current key and then every change, from one
// goroutine, until ctx ends. ready is closed once the current keys have
// been delivered.
func (k *KV) Watch(ctx context.Context, fn func(Entry)) (ready <-chan struct{}, err error) {
	return k.watch(ctx, nil, fn)
}

// watch is Watch for the keys matching filters (all keys if none; see
// WatchKeys).
func (k *KV) watch(ctx context.Context, filters []string, fn func(Entry)) (ready <-chan struct{}, err error) {
	var w jetstream.KeyWatcher
	if len(filters) == 0 {
		w, err = k.kv.WatchAll(ctx)
	} else {
		// WatchFiltered prefixes the filters in place.
		w, err = k.kv.WatchFiltered(ctx, slices.Clone(filters))
	}
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer w.Stop()
		initial := true
		for {
			select {
			case <-ctx.Done():
				if initial {
					close(done)
				}
				return
			case e, ok := <-w.Updates():
				if !ok {
					if initial {
						close(done)
					}
					return
				}
				if e == nil {
					if initial {
						initial = false
						close(done)
					}
					continue
				}
				fn(Entry{
					Key: e.Key(), Value: e.Value(), Revision: e.Revision(),
					Deleted: e.Operation() != jetstream.KeyValuePut,
				})
			}
		}
	}()
	return done, nil
}

// mapKVErr is mapErr, also treating a deleted key as not found.
func mapKVErr(err error) error {
	if errors.Is(err, jetstream.ErrKeyDeleted) {
		return fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	return mapErr(err)
}
