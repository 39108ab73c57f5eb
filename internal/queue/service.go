package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard/switchyard/internal/store"
)

// Bucket is the key-value bucket holding one record per queue.
const Bucket = "switchyard-queues"

// Scope is an account and region: every queue lives in one.
type Scope struct {
	Account, Region string
}

// queueID names a queue.
type queueID struct {
	Scope
	name string
}

// key is the queue's key in the bucket: account.region.name (queue names
// contain no dot except in the ".fifo" suffix, so SplitN(key, ".", 3) parses
// it back).
func (id queueID) key() string { return id.Account + "." + id.Region + "." + id.name }

func parseKey(key string) (queueID, error) {
	parts := strings.SplitN(key, ".", 3)
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return queueID{}, fmt.Errorf("malformed queue key %q", key)
	}
	return queueID{Scope{parts[0], parts[1]}, parts[2]}, nil
}

// record is a queue's stored state, as JSON in the bucket.
type record struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	Name    string `json:"name"`
	// Key names the queue incarnation's place in the shared streams
	// (layout.go). It derives from the queue's identity and creation time,
	// so a queue deleted and created again never sees messages of its
	// previous incarnation. Records of older releases have none: their
	// queue has a stream of its own (Stream) until it is migrated.
	Key string `json:"key,omitempty"`
	// Stream is the stream holding the queue's messages: its shard, or
	// for a record of an older release the queue's own stream.
	Stream string `json:"stream"`
	// HandleKey (base64) authenticates the queue's receipt handles.
	HandleKey string `json:"handleKey,omitempty"`
	// SeqBase is added to stream sequences to make a FIFO queue's
	// SequenceNumbers: a queue migrated from its own stream starts past
	// the sequence numbers it issued there.
	SeqBase  uint64 `json:"seqBase,omitempty"`
	Created  int64  `json:"created"`  // unix seconds
	Modified int64  `json:"modified"` // unix seconds
	// Attributes holds the effective value of every settable attribute
	// (defaults filled in), as SQS strings.
	Attributes map[string]string `json:"attributes"`
	Tags       map[string]string `json:"tags,omitempty"`
	// MoveTasks are the message move tasks whose source is this queue
	// (at most maxMoveTasks, the most recent last).
	MoveTasks []moveTask `json:"moveTasks,omitempty"`
}

// migrated reports whether the record uses the shared streams.
func (r *record) migrated() bool { return r.Key != "" }

func (r *record) id() queueID { return queueID{Scope{r.Account, r.Region}, r.Name} }

// Service is the queue service: the in-memory, watched copy of every
// queue's record, and the operations on queues and messages.
type Service struct {
	st     *store.Store
	kv     *store.KV
	log    *slog.Logger
	shards [shardCount]*store.Stream

	ctx       context.Context // lifetime of background work
	cancel    context.CancelFunc
	stopAfter func() bool
	wg        sync.WaitGroup

	mirror *store.Mirror // keeps queues in step with the bucket (apply)
	// idle is the receive consumers' InactiveThreshold (nanoseconds).
	idle atomic.Int64

	mu     sync.RWMutex
	queues map[queueID]*queue
	runs   map[string]*runtime // by key, survives record updates
	// peaks are the largest sizes of queues and runs since they were last
	// copied (see shrink).
	queuesPeak, runsPeak int
	closed               bool
	// opened is set once the queues of an older release found at start
	// are migrated; migrating holds those being migrated later.
	opened    bool
	migrating map[queueID]bool

	purgeMu   sync.Mutex
	lastPurge map[string]time.Time // by key (this node only)
	purgePeak int

	firstRecv *firstReceiveCache
}

// queue is one queue as this node knows it.
type queue struct {
	rec *record // never modified once published
	rev uint64
	rt  *runtime // nil until a record of an older release is migrated
	// redrive is the parsed RedrivePolicy (nil without one).
	redrive *redrivePolicy
}

// Open loads the queue records from the store and keeps them current until
// ctx ends or Close is called. Queues of an older release, which had a
// stream each, are moved to the shared streams before it returns.
func Open(ctx context.Context, st *store.Store, log *slog.Logger) (*Service, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	kv, err := st.KV(ctx, Bucket)
	if err != nil {
		return nil, err
	}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Service{
		st: st, kv: kv, log: log.With("component", "queue"),
		ctx: bg, cancel: cancel,
		queues:    map[queueID]*queue{},
		runs:      map[string]*runtime{},
		lastPurge: map[string]time.Time{},
		firstRecv: newFirstReceiveCache(1 << 16),
	}
	s.idle.Store(int64(defaultConsumerIdle))
	s.stopAfter = context.AfterFunc(ctx, cancel)
	for i := range s.shards {
		if err := st.EnsureStreamWith(ctx, shardConfig(i), shardFeatures); err != nil {
			s.Close()
			return nil, err
		}
		if s.shards[i], err = st.OpenStream(ctx, shardStream(i)); err != nil {
			s.Close()
			return nil, err
		}
	}
	s.mirror, err = kv.Mirror(bg, s.apply)
	if err != nil {
		s.Close()
		return nil, err
	}
	if err := s.migrateAll(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.resumeTasks()
	return s, nil
}

// Close stops the background work (the watch, promotions being retried,
// move tasks) and waits for it. It does not close the store.
func (s *Service) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	if s.mirror != nil {
		s.mirror.Close()
	}
	s.stopAfter()
	s.cancel()
	s.wg.Wait()
	return nil
}

// apply is the watch callback: it keeps the map in step with the bucket,
// and forgets what this node kept for a queue once it is deleted.
func (s *Service) apply(e store.Entry) {
	id, err := parseKey(e.Key)
	if err != nil {
		s.log.Warn("ignoring queue key", "key", e.Key, "err", err)
		return
	}
	var gone *runtime
	s.mu.Lock()
	if e.Deleted {
		if q := s.queues[id]; q != nil {
			delete(s.queues, id)
			gone = q.rt
		}
	} else {
		var rec record
		if err := json.Unmarshal(e.Value, &rec); err != nil || rec.Stream == "" {
			s.log.Error("bad queue record", "key", e.Key, "err", err)
		} else {
			var rt *runtime
			if rec.migrated() {
				if rt = s.runs[rec.Key]; rt == nil {
					rt = newRuntime(s.shards[shardOf(rec.Key)], id, &rec)
					s.runs[rec.Key] = rt
				}
			} else if s.opened {
				s.migrateLater(id)
			}
			if old := s.queues[id]; old != nil && old.rt != nil && old.rt != rt {
				gone = old.rt // same name, new incarnation
			}
			s.queues[id] = &queue{rec: &rec, rev: e.Revision, rt: rt, redrive: parseRedrivePolicy(rec.Attributes[attrRedrivePolicy])}
		}
	}
	if gone != nil {
		delete(s.runs, gone.key)
	}
	s.queues = shrink(s.queues, &s.queuesPeak)
	s.runs = shrink(s.runs, &s.runsPeak)
	s.mu.Unlock()
	if gone != nil {
		s.forget(gone)
	}
}

// forget releases what this node keeps for a deleted queue incarnation
// beyond its runtime: its PurgeQueue time and first-receive times.
func (s *Service) forget(rt *runtime) {
	s.purgeMu.Lock()
	delete(s.lastPurge, rt.key)
	s.lastPurge = shrink(s.lastPurge, &s.purgePeak)
	s.purgeMu.Unlock()
	if rt.firstReceived.Load() {
		s.firstRecv.dropQueue(rt.key)
	}
}

// shrink tracks a map's peak size and returns a copy of it once it has
// shrunk to a quarter of that: Go maps keep their peak size after
// deletions, so without this the memory of deleted queues stays.
func shrink[K comparable, V any](m map[K]V, peak *int) map[K]V {
	n := len(m)
	if n > *peak {
		*peak = n
		return m
	}
	if *peak >= 64 && n*4 <= *peak {
		*peak = n
		// Not maps.Clone: it keeps the size of the map it copies.
		out := make(map[K]V, n)
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	return m
}

// lookup returns a queue, or nil if there is none. A queue of an older
// release is not served until it is migrated (migrate.go).
func (s *Service) lookup(id queueID) *queue {
	if q := s.lookupAny(id); q != nil && q.rt != nil {
		return q
	}
	return nil
}

// lookupAny is lookup, also returning a queue not migrated yet.
func (s *Service) lookupAny(id queueID) *queue {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.queues[id]
}

// Exists reports whether a queue exists.
func (s *Service) Exists(sc Scope, name string) bool {
	return s.lookup(queueID{sc, name}) != nil
}

// list returns the queues of a scope whose names start with prefix, sorted
// by name.
func (s *Service) list(sc Scope, prefix string) []*record {
	s.mu.RLock()
	var out []*record
	for id, q := range s.queues {
		if id.Scope == sc && strings.HasPrefix(id.name, prefix) && q.rt != nil {
			out = append(out, q.rec)
		}
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// update applies fn to a copy of a queue's record and stores the result with
// compare-and-set, retrying on conflicts (store.Mirror.Write).
func (s *Service) update(ctx context.Context, id queueID, fn func(*record) error) error {
	return s.mirror.Write(ctx, "queue "+id.name, func() (uint64, error) {
		q := s.lookupAny(id)
		if q == nil {
			return 0, ErrQueueNotFound
		}
		rec := *q.rec
		rec.Attributes = maps.Clone(q.rec.Attributes)
		rec.Tags = maps.Clone(q.rec.Tags)
		rec.MoveTasks = append([]moveTask(nil), q.rec.MoveTasks...)
		if err := fn(&rec); err != nil {
			return 0, err
		}
		data, err := json.Marshal(&rec)
		if err != nil {
			return 0, err
		}
		return store.GoneIsConflict(s.kv.Update(ctx, id.key(), data, q.rev))
	})
}

// updateQueue is update for the queue a request resolved: if that queue
// has been deleted (and perhaps created again) since, it fails with
// ErrQueueNotFound.
func (s *Service) updateQueue(ctx context.Context, q *queue, fn func(*record) error) error {
	return s.update(ctx, q.rec.id(), func(rec *record) error {
		if rec.Key != q.rec.Key {
			return ErrQueueNotFound
		}
		return fn(rec)
	})
}
