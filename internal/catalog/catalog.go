package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"sort"
	"sync"

	"github.com/switchyard/switchyard/internal/pattern"
	"github.com/switchyard/switchyard/internal/store"
)

// Bucket is the key-value bucket holding the catalog. Package connection
// keeps its connections and API destinations in it too, under keys of its
// own kinds; each mirrors only its own.
const Bucket = "switchyard-catalog"

// Errors the write methods return; handlers turn them into AWS errors.
var (
	ErrNotFound = errors.New("catalog: not found")
	ErrExists   = errors.New("catalog: already exists")
)

type busID struct {
	Scope
	name string
}

type ruleID struct {
	Scope
	bus, name string
}

type ruleEntry struct {
	rule *Rule
	rev  uint64
}

type busEntry struct {
	bus *Bus
	rev uint64
	// rules on this bus, by name
	rules   map[string]*ruleEntry
	matcher *pattern.Matcher
}

// Catalog is the in-memory, watched copy of the control-plane state.
type Catalog struct {
	kv     *store.KV
	log    *slog.Logger
	mirror *store.Mirror

	// Lock order and callbacks: see doc.go.
	mu      sync.RWMutex
	buses   map[busID]*busEntry
	orphans map[ruleID]*ruleEntry // rules whose bus is not (yet) known

	listenMu  sync.Mutex // never held with mu
	listeners []func(Change)
}

// Change describes one applied write, for listeners.
type Change struct {
	Kind    string // "bus" or "rule"
	Scope   Scope
	Bus     string
	Rule    string // of a rule
	Deleted bool
	// RuleValue is the new rule (nil when deleted).
	RuleValue *Rule
}

// Open loads the catalog from the store and keeps it current until ctx ends.
func Open(ctx context.Context, st *store.Store, log *slog.Logger) (*Catalog, error) {
	kv, err := st.KV(ctx, Bucket)
	if err != nil {
		return nil, err
	}
	c := &Catalog{
		kv: kv, log: log,
		buses:   map[busID]*busEntry{},
		orphans: map[ruleID]*ruleEntry{},
	}
	c.mirror, err = kv.MirrorKeys(ctx, []string{kindBus + ".>", kindRule + ".>"}, c.apply)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Listen registers fn to be called after every applied change.
func (c *Catalog) Listen(fn func(Change)) {
	c.listenMu.Lock()
	defer c.listenMu.Unlock()
	c.listeners = append(c.listeners, fn)
}

func (c *Catalog) apply(e store.Entry) {
	kind, scope, names, err := parseKey(e.Key)
	if err != nil {
		c.log.Warn("ignoring catalog key", "key", e.Key, "err", err)
		return
	}
	var ch Change
	c.mu.Lock()
	switch {
	case kind == kindBus && len(names) == 1:
		ch = Change{Kind: kindBus, Scope: scope, Bus: names[0], Deleted: e.Deleted}
		c.applyBus(busID{scope, names[0]}, e)
	case kind == kindRule && len(names) == 2:
		ch = Change{Kind: kindRule, Scope: scope, Bus: names[0], Rule: names[1], Deleted: e.Deleted}
		ch.RuleValue = c.applyRule(ruleID{scope, names[0], names[1]}, e)
	default:
		c.log.Warn("ignoring catalog key", "key", e.Key)
	}
	c.mu.Unlock()
	c.listenMu.Lock()
	ls := slices.Clone(c.listeners)
	c.listenMu.Unlock()
	for _, fn := range ls {
		fn(ch)
	}
}

func (c *Catalog) applyBus(id busID, e store.Entry) {
	if e.Deleted {
		if be := c.buses[id]; be != nil {
			delete(c.buses, id)
			for name, re := range be.rules {
				c.orphans[ruleID{id.Scope, id.name, name}] = re
			}
		}
		return
	}
	var b Bus
	if err := json.Unmarshal(e.Value, &b); err != nil {
		c.log.Error("bad bus record", "key", e.Key, "err", err)
		return
	}
	be := c.buses[id]
	if be == nil {
		be = &busEntry{rules: map[string]*ruleEntry{}, matcher: pattern.NewMatcher()}
		c.buses[id] = be
		// adopt rules that arrived before their bus
		for rid, re := range c.orphans {
			if rid.Scope == id.Scope && rid.bus == id.name {
				be.rules[rid.name] = re
				c.index(be, re.rule)
				delete(c.orphans, rid)
			}
		}
	}
	be.bus, be.rev = &b, e.Revision
}

func (c *Catalog) applyRule(id ruleID, e store.Entry) *Rule {
	be := c.buses[busID{id.Scope, id.bus}]
	if e.Deleted {
		delete(c.orphans, id)
		if be != nil {
			delete(be.rules, id.name)
			be.matcher.Remove(id.name)
		}
		return nil
	}
	var r Rule
	if err := json.Unmarshal(e.Value, &r); err != nil {
		c.log.Error("bad rule record", "key", e.Key, "err", err)
		return nil
	}
	for i := range r.Targets {
		r.Targets[i].tr = new(lazyTransform)
	}
	re := &ruleEntry{rule: &r, rev: e.Revision}
	if be == nil {
		c.orphans[id] = re
		return &r
	}
	be.rules[id.name] = re
	c.index(be, &r)
	return &r
}

// index keeps the bus matcher in step with a rule.
func (c *Catalog) index(be *busEntry, r *Rule) {
	if !r.Enabled() || r.EventPattern == "" {
		be.matcher.Remove(r.Name)
		return
	}
	p, err := pattern.Parse(r.EventPattern, pattern.WithMaxLength(0))
	if err != nil {
		c.log.Error("stored rule has an invalid pattern", "rule", r.Arn(), "err", err)
		be.matcher.Remove(r.Name)
		return
	}
	be.matcher.Add(r.Name, p)
}

// waitApplied blocks until the local copy has applied revision rev.
func (c *Catalog) waitApplied(ctx context.Context, rev uint64) error {
	return c.mirror.Wait(ctx, rev)
}

// Bus returns a bus.
func (c *Catalog) Bus(s Scope, name string) (*Bus, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	be := c.buses[busID{s, name}]
	if be == nil {
		return nil, false
	}
	return be.bus, true
}

// Buses returns the buses of a scope sorted by name.
func (c *Catalog) Buses(s Scope) []*Bus {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []*Bus
	for id, be := range c.buses {
		if id.Scope == s {
			out = append(out, be.bus)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Rule returns a rule.
func (c *Catalog) Rule(s Scope, bus, name string) (*Rule, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	be := c.buses[busID{s, bus}]
	if be == nil {
		return nil, false
	}
	re := be.rules[name]
	if re == nil {
		return nil, false
	}
	return re.rule, true
}

// Rules returns the rules of a bus sorted by name.
func (c *Catalog) Rules(s Scope, bus string) []*Rule {
	c.mu.RLock()
	defer c.mu.RUnlock()
	be := c.buses[busID{s, bus}]
	if be == nil {
		return nil
	}
	out := make([]*Rule, 0, len(be.rules))
	for _, re := range be.rules {
		out = append(out, re.rule)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// AllRules calls fn for every rule of every bus (for schedulers).
func (c *Catalog) AllRules(fn func(*Rule)) {
	c.mu.RLock()
	var all []*Rule
	for _, be := range c.buses {
		for _, re := range be.rules {
			all = append(all, re.rule)
		}
	}
	c.mu.RUnlock()
	for _, r := range all {
		fn(r)
	}
}

// Match returns the enabled rules on a bus whose patterns match the event.
func (c *Catalog) Match(s Scope, bus string, event []byte) ([]*Rule, error) {
	return c.MatchAppend(nil, s, bus, event)
}

// MatchAppend is Match appending to dst.
func (c *Catalog) MatchAppend(dst []*Rule, s Scope, bus string, event []byte) ([]*Rule, error) {
	c.mu.RLock()
	be := c.buses[busID{s, bus}]
	c.mu.RUnlock()
	if be == nil {
		return dst, nil
	}
	var names [8]string
	ids, err := be.matcher.MatchAppend(names[:0], event)
	if err != nil {
		return dst, err
	}
	if len(ids) == 0 {
		return dst, nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, id := range ids {
		if re := be.rules[id]; re != nil && re.rule.Enabled() {
			dst = append(dst, re.rule)
		}
	}
	return dst, nil
}

// Explain explains every rule of a bus against an event.
func (c *Catalog) Explain(s Scope, bus string, event []byte) ([]pattern.RuleExplanation, error) {
	c.mu.RLock()
	be := c.buses[busID{s, bus}]
	c.mu.RUnlock()
	if be == nil {
		return nil, ErrNotFound
	}
	return be.matcher.Explain(event)
}
