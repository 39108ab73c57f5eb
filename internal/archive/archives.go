package archive

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/event"
	"github.com/switchyard/switchyard/internal/pattern"
	"github.com/switchyard/switchyard/internal/store"
)

// HeaderReplayRules lists, comma-separated, the names of the rules a
// replayed event may be delivered to (a replay's FilterArns). Without it a
// replayed event goes to every matching rule.
const HeaderReplayRules = "Sy-Replay-Rules"

// Options tunes an Archives.
type Options struct {
	// Node names this node in replay leases (default: random).
	Node string
	// Lease is how long a replay stays claimed by a node that stops
	// renewing it (default 15 s).
	Lease time.Duration
	// Slack is how far an event's time may be from when it is archived
	// for it to go to the in-order subject (default 1 minute).
	Slack time.Duration
	// MaxActiveReplays per account and region (default 10, as AWS).
	MaxActiveReplays int
	// Day is the length of a retention day (default 24 h; tests shorten it).
	Day time.Duration
	// MaxImportBytes bounds the body of one import request (default
	// 1 GiB); a larger export is imported in several requests (an import
	// adds to what is there).
	MaxImportBytes int64
}

type nameID struct {
	catalog.Scope
	name string
}

type archiveEntry struct {
	a   *Archive
	rev uint64
}

type replayEntry struct {
	r   *Replay
	rev uint64
}

type dropEntry struct {
	d   *drop
	rev uint64
}

type admittedEntry struct {
	ad  *admitted
	rev uint64
}

// busArchives is the immutable view of one bus's archives the hot path
// reads.
type busArchives struct {
	all     []*Archive          // archives without a pattern
	matcher *pattern.Matcher    // archives with one, by id
	byID    map[string]*Archive // archives with a pattern
}

// Archives holds the archive and replay records of every scope, serves
// their API, makes the archive copies of routed events and runs replays.
type Archives struct {
	st   *store.Store
	cat  *catalog.Catalog
	kv   *store.KV
	log  *slog.Logger
	opts Options

	// mirror keeps the maps below current (see apply) and lets a node
	// read its own writes.
	mirror   *store.Mirror
	mu       sync.RWMutex
	archives map[nameID]*archiveEntry
	replays  map[nameID]*replayEntry
	drops    map[nameID]*dropEntry // by scope and archive id
	admitted map[catalog.Scope]*admittedEntry

	// buses is replaced whole on every archive change.
	buses atomic.Pointer[map[nameID]*busArchives]

	// w writes archive copies until Open's context ends.
	w *writer

	kick    chan struct{}
	runMu   sync.Mutex
	running map[nameID]context.CancelFunc
	stop    context.CancelFunc
	wg      sync.WaitGroup
}

// Open loads the records and keeps them current until ctx ends.
func Open(ctx context.Context, st *store.Store, cat *catalog.Catalog, log *slog.Logger, o Options) (*Archives, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.Node == "" {
		o.Node = rand.Text()[:12]
	}
	if o.Lease <= 0 {
		o.Lease = 15 * time.Second
	}
	if o.Slack <= 0 {
		o.Slack = time.Minute
	}
	if o.Day <= 0 {
		o.Day = 24 * time.Hour
	}
	if o.MaxActiveReplays <= 0 {
		o.MaxActiveReplays = 10
	}
	if o.MaxImportBytes <= 0 {
		o.MaxImportBytes = 1 << 30
	}
	kv, err := st.KV(ctx, Bucket)
	if err != nil {
		return nil, err
	}
	a := &Archives{
		st: st, cat: cat, kv: kv, log: log, opts: o,
		archives: map[nameID]*archiveEntry{},
		replays:  map[nameID]*replayEntry{},
		drops:    map[nameID]*dropEntry{},
		admitted: map[catalog.Scope]*admittedEntry{},
		kick:     make(chan struct{}, 1),
		running:  map[nameID]context.CancelFunc{},
		w:        newWriter(ctx, st),
	}
	empty := map[nameID]*busArchives{}
	a.buses.Store(&empty)
	a.mirror, err = kv.Mirror(ctx, a.apply)
	if err != nil {
		return nil, err
	}
	return a, nil
}

func (a *Archives) apply(e store.Entry) {
	kind, scope, name, err := parseKey(e.Key)
	if err != nil {
		a.log.Warn("ignoring archive key", "key", e.Key, "err", err)
		return
	}
	id := nameID{scope, name}
	a.mu.Lock()
	switch kind {
	case kindArchive:
		var old *Archive
		if ae := a.archives[id]; ae != nil {
			old = ae.a
		}
		if e.Deleted {
			delete(a.archives, id)
		} else {
			var rec Archive
			if err := json.Unmarshal(e.Value, &rec); err != nil {
				a.log.Error("bad archive record", "key", e.Key, "err", err)
			} else {
				a.archives[id] = &archiveEntry{a: &rec, rev: e.Revision}
			}
		}
		if old != nil {
			a.reindexLocked(scope, old.Bus)
		}
		if ae := a.archives[id]; ae != nil && (old == nil || old.Bus != ae.a.Bus) {
			a.reindexLocked(scope, ae.a.Bus)
		}
	case kindReplay:
		if e.Deleted {
			delete(a.replays, id)
		} else {
			var rec Replay
			if err := json.Unmarshal(e.Value, &rec); err != nil {
				a.log.Error("bad replay record", "key", e.Key, "err", err)
			} else {
				a.replays[id] = &replayEntry{r: &rec, rev: e.Revision}
			}
		}
		select {
		case a.kick <- struct{}{}:
		default:
		}
	case kindDrop:
		if e.Deleted {
			delete(a.drops, id)
		} else {
			var rec drop
			if err := json.Unmarshal(e.Value, &rec); err != nil {
				a.log.Error("bad archive drop record", "key", e.Key, "err", err)
			} else {
				a.drops[id] = &dropEntry{d: &rec, rev: e.Revision}
			}
		}
	case kindAdmitted:
		if e.Deleted {
			delete(a.admitted, scope)
		} else {
			var rec admitted
			if err := json.Unmarshal(e.Value, &rec); err != nil {
				a.log.Error("bad replay admission record", "key", e.Key, "err", err)
			} else {
				a.admitted[scope] = &admittedEntry{ad: &rec, rev: e.Revision}
			}
		}
	default:
		a.log.Warn("ignoring archive key", "key", e.Key)
	}
	a.mu.Unlock()
}

// reindexLocked rebuilds the hot-path view of one bus.
func (a *Archives) reindexLocked(scope catalog.Scope, bus string) {
	ba := &busArchives{byID: map[string]*Archive{}}
	for _, ae := range a.archives {
		ar := ae.a
		if ar.Scope != scope || ar.Bus != bus || !archiving(ar.State) {
			continue
		}
		if ar.Pattern == "" {
			ba.all = append(ba.all, ar)
			continue
		}
		p, err := pattern.Parse(ar.Pattern, pattern.WithMaxLength(0))
		if err != nil {
			a.log.Error("stored archive has an invalid pattern", "archive", ar.Arn(), "err", err)
			continue
		}
		if ba.matcher == nil {
			ba.matcher = pattern.NewMatcher()
		}
		ba.matcher.Add(ar.ID, p)
		ba.byID[ar.ID] = ar
	}
	old := *a.buses.Load()
	next := make(map[nameID]*busArchives, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	key := nameID{scope, bus}
	if len(ba.all) == 0 && ba.matcher == nil {
		delete(next, key)
	} else {
		next[key] = ba
	}
	a.buses.Store(&next)
}

// archiving reports whether an archive in this state takes events (its
// stream exists).
func archiving(state string) bool {
	return state == StateEnabled || state == StateUpdating || state == StateUpdateFailed
}

// ArchiveEvent stores an event in the archives of its bus that match it (none
// for a replayed event) and calls done once it is stored, or with the
// error that stopped it; it returns false, without calling done, when no
// archive takes the event. The router acknowledges the event only after
// done, so an archived event is never lost. Copies of many events are
// written together (see writer.go) and carry no de-duplication id; an
// event the router handles again (redelivered says so: a crash, a failed
// filing or an expired acknowledgement wait after its copy may have been
// stored) is stored alone on the archive's .r subject, which replays and
// exports read last and de-duplicate by event id.
func (a *Archives) ArchiveEvent(scope catalog.Scope, bus string, event []byte, replayed bool, redelivered func() bool, done func(error)) bool {
	if replayed {
		return false
	}
	ba := (*a.buses.Load())[nameID{scope, bus}]
	if ba == nil {
		return false
	}
	var ids [4]string
	matched := ids[:0]
	if ba.matcher != nil {
		var err error
		if matched, err = ba.matcher.MatchAppend(matched, event); err != nil {
			return false
		}
	}
	n := len(ba.all) + len(matched)
	if n == 0 {
		return false
	}
	alone := redelivered != nil && redelivered()
	inOrder := false
	if t, ok := eventTime(event); ok {
		d := time.Since(t)
		inOrder = d <= a.opts.Slack && d >= -a.opts.Slack
	}
	subjects := make([]string, 0, n)
	add := func(ar *Archive) {
		switch {
		case alone:
			subjects = append(subjects, subjectRedelivered(ar.ID))
		case inOrder:
			subjects = append(subjects, subjectInOrder(ar.ID))
		default:
			subjects = append(subjects, subjectOutOfOrder(ar.ID))
		}
	}
	for _, ar := range ba.all {
		add(ar)
	}
	for _, mid := range matched {
		if ar := ba.byID[mid]; ar != nil {
			add(ar)
		}
	}
	if len(subjects) == 0 {
		return false
	}
	a.w.add(copyJob{subjects: subjects, event: event, alone: alone, done: done})
	return true
}

// RestrictReplay keeps, of the rules a replayed event matched, those its
// replay names (header Sy-Replay-Rules); other events keep them all.
func (a *Archives) RestrictReplay(h store.Header, rules []*catalog.Rule) []*catalog.Rule {
	allowed := h.Get(HeaderReplayRules)
	if allowed == "" || h.Get(event.HeaderReplay) == "" {
		return rules
	}
	names := strings.Split(allowed, ",")
	kept := rules[:0]
	for _, r := range rules {
		for _, n := range names {
			if r.Name == n {
				kept = append(kept, r)
				break
			}
		}
	}
	return kept
}

// Archive returns an archive record.
func (a *Archives) Archive(s catalog.Scope, name string) (*Archive, uint64, bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	ae := a.archives[nameID{s, name}]
	if ae == nil {
		return nil, 0, false
	}
	return ae.a, ae.rev, true
}

// List returns the archives of a scope sorted by name.
func (a *Archives) List(s catalog.Scope) []*Archive {
	a.mu.RLock()
	defer a.mu.RUnlock()
	var out []*Archive
	for id, ae := range a.archives {
		if id.Scope == s {
			out = append(out, ae.a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Replay returns a replay record.
func (a *Archives) Replay(s catalog.Scope, name string) (*Replay, uint64, bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	re := a.replays[nameID{s, name}]
	if re == nil {
		return nil, 0, false
	}
	return re.r, re.rev, true
}

// Replays returns the replays of a scope sorted by name.
func (a *Archives) Replays(s catalog.Scope) []*Replay {
	a.mu.RLock()
	defer a.mu.RUnlock()
	var out []*Replay
	for id, re := range a.replays {
		if id.Scope == s {
			out = append(out, re.r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Counts returns an archive's event count and size in bytes (what its
// stream holds, retention applied). The count adds up the events of each
// subject (batch messages hold several); an event stored again on .r
// after a redelivery may be counted twice.
func (a *Archives) Counts(ctx context.Context, ar *Archive) (events, bytes int64) {
	if !archiving(ar.State) {
		return 0, 0
	}
	st, err := a.st.StreamState(ctx, ar.Stream())
	if err != nil {
		return 0, 0
	}
	if st.Msgs == 0 {
		return 0, int64(st.Bytes)
	}
	subjects, err := a.st.SubjectCounts(ctx, ar.Stream(), "archive."+ar.ID+".>")
	if err != nil {
		return int64(st.Msgs), int64(st.Bytes)
	}
	for subject, msgs := range subjects {
		events += int64(batchCount(subject)) * int64(msgs)
	}
	return events, int64(st.Bytes)
}
