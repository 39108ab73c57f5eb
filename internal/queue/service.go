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
	// Stream holds the queue's messages. Its name is derived from the queue's
	// identity and creation time, so a queue deleted and created again never
	// sees messages of its previous incarnation.
	Stream   string `json:"stream"`
	Created  int64  `json:"created"`  // unix seconds
	Modified int64  `json:"modified"` // unix seconds
	// Attributes holds the effective value of every settable attribute
	// (defaults filled in), as SQS strings.
	Attributes map[string]string `json:"attributes"`
	Tags       map[string]string `json:"tags,omitempty"`
	// Delayed is set once the queue has had a delayed message: from then on
	// every node runs the mover that makes delayed messages visible.
	Delayed bool `json:"delayed,omitempty"`
	// MoveTasks are the message move tasks whose source is this queue
	// (at most maxMoveTasks, the most recent last).
	MoveTasks []moveTask `json:"moveTasks,omitempty"`
}

func (r *record) id() queueID { return queueID{Scope{r.Account, r.Region}, r.Name} }

// Service is the queue service: the in-memory, watched copy of every
// queue's record, and the operations on queues and messages.
type Service struct {
	st  *store.Store
	kv  *store.KV
	log *slog.Logger

	ctx       context.Context // lifetime of background work
	cancel    context.CancelFunc
	stopAfter func() bool
	wg        sync.WaitGroup

	mirror *store.Mirror // keeps queues in step with the bucket (apply)

	mu     sync.RWMutex
	queues map[queueID]*queue
	runs   map[string]*runtime // by stream, survives record updates
	closed bool

	purgeMu   sync.Mutex
	lastPurge map[string]time.Time // by stream (this node only)

	firstRecv *firstReceiveCache
}

// queue is one queue as this node knows it.
type queue struct {
	rec *record // never modified once published
	rev uint64
	rt  *runtime
	// redrive is the parsed RedrivePolicy (nil without one).
	redrive *redrivePolicy
}

// Open loads the queue records from the store and keeps them current until
// ctx ends or Close is called.
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
	s.stopAfter = context.AfterFunc(ctx, cancel)
	s.mirror, err = kv.Mirror(bg, s.apply)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.resumeTasks()
	return s, nil
}

// Close stops the background work (the watch and the delayed-message
// movers) and waits for it. It does not close the store.
func (s *Service) Close() error {
	s.mu.Lock()
	s.closed = true
	runs := make([]*runtime, 0, len(s.runs))
	for _, rt := range s.runs {
		runs = append(runs, rt)
	}
	s.mu.Unlock()
	if s.mirror != nil {
		s.mirror.Close()
	}
	s.stopAfter()
	s.cancel()
	for _, rt := range runs {
		rt.stopMover()
	}
	s.wg.Wait()
	return nil
}

// apply is the watch callback: it keeps the map in step with the bucket.
func (s *Service) apply(e store.Entry) {
	id, err := parseKey(e.Key)
	if err != nil {
		s.log.Warn("ignoring queue key", "key", e.Key, "err", err)
		return
	}
	var stopMover *runtime
	s.mu.Lock()
	if e.Deleted {
		if q := s.queues[id]; q != nil {
			delete(s.queues, id)
			if q.rt != nil {
				delete(s.runs, q.rt.stream)
				stopMover = q.rt
			}
		}
	} else {
		var rec record
		if err := json.Unmarshal(e.Value, &rec); err != nil || rec.Stream == "" {
			s.log.Error("bad queue record", "key", e.Key, "err", err)
		} else {
			rt := s.runs[rec.Stream]
			if rt == nil {
				rt = newRuntime(s.st, id, &rec)
				s.runs[rec.Stream] = rt
				if rt.fifo != nil {
					s.startFifoLoad(rt)
				}
			}
			if old := s.queues[id]; old != nil && old.rt != rt {
				// Same name, new incarnation (deleted and recreated).
				delete(s.runs, old.rt.stream)
				stopMover = old.rt
			}
			s.queues[id] = &queue{rec: &rec, rev: e.Revision, rt: rt, redrive: parseRedrivePolicy(rec.Attributes[attrRedrivePolicy])}
			if rec.Delayed {
				s.startMover(rt)
			}
		}
	}
	s.mu.Unlock()
	if stopMover != nil {
		stopMover.stopMover()
	}
}

func (s *Service) lookup(id queueID) *queue {
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
		if id.Scope == sc && strings.HasPrefix(id.name, prefix) {
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
		q := s.lookup(id)
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
		if rec.Stream != q.rec.Stream {
			return ErrQueueNotFound
		}
		return fn(rec)
	})
}
