package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchyard/switchyard/internal/store"
)

var (
	scope = Scope{Account: "123456789012", Region: "us-east-1"}
	other = Scope{Account: "123456789012", Region: "eu-west-1"}
)

// env is a store with two catalogs on it, as two nodes of a cluster see
// one bucket.
type env struct {
	ctx    context.Context
	st     *store.Store
	c1, c2 *Catalog
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, store.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		st.Close()
	})
	e := &env{ctx: ctx, st: st}
	e.c1 = e.open(t)
	e.c2 = e.open(t)
	return e
}

func (e *env) open(t *testing.T) *Catalog {
	t.Helper()
	c, err := Open(e.ctx, e.st, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// put writes a record straight to the bucket, as another node (or an
// older version) may have.
func (e *env) put(t *testing.T, key string, v any) {
	t.Helper()
	kv, err := e.st.KV(e.ctx, Bucket)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(e.ctx, key, data); err != nil {
		t.Fatal(err)
	}
}

// sync makes c apply every write made so far.
func (e *env) sync(t *testing.T, c *Catalog) {
	t.Helper()
	if err := c.mirror.CatchUp(e.ctx); err != nil {
		t.Fatal(err)
	}
}

func (e *env) bus(t *testing.T, c *Catalog, s Scope, name string) {
	t.Helper()
	now := time.Now().UTC()
	if err := c.CreateBus(e.ctx, &Bus{Scope: s, Name: name, Created: now, Modified: now}); err != nil {
		t.Fatal(err)
	}
}

// setRule stores a rule with UpdateRule, whatever was there.
func (e *env) setRule(t *testing.T, c *Catalog, r Rule) {
	t.Helper()
	_, err := c.UpdateRule(e.ctx, r.Scope, r.Bus, r.Name, func(*Rule) (*Rule, error) { return &r, nil })
	if err != nil {
		t.Fatal(err)
	}
}

func rule(bus, name, pattern string) Rule {
	return Rule{Scope: scope, Bus: bus, Name: name, EventPattern: pattern, State: StateEnabled}
}

func ruleNames(rs []*Rule) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

func busNames(bs []*Bus) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Name)
	}
	return out
}

// recorder collects a catalog's changes.
type recorder struct {
	mu  sync.Mutex
	chs []Change
}

func (r *recorder) listen(ch Change) {
	r.mu.Lock()
	r.chs = append(r.chs, ch)
	r.mu.Unlock()
}

func (r *recorder) take() []Change {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.chs
	r.chs = nil
	return out
}

// A write is visible to the writer's catalog when it returns, to another
// catalog on the same store once that one has caught up with the watch,
// and to a catalog opened afterwards from the start.
func TestWritesReachEveryCatalog(t *testing.T) {
	e := newEnv(t)
	steps := []struct {
		name  string
		write func(c *Catalog) error
		check func(c *Catalog) string // "" when the catalog shows the write
	}{
		{
			"create bus",
			func(c *Catalog) error { return c.CreateBus(e.ctx, &Bus{Scope: scope, Name: "orders"}) },
			func(c *Catalog) string {
				if _, ok := c.Bus(scope, "orders"); !ok {
					return "bus orders missing"
				}
				return ""
			},
		},
		{
			"update bus",
			func(c *Catalog) error {
				_, err := c.UpdateBus(e.ctx, scope, "orders", func(b *Bus) error { b.Description = "v2"; return nil })
				return err
			},
			func(c *Catalog) string {
				if b, _ := c.Bus(scope, "orders"); b == nil || b.Description != "v2" {
					return "bus description not v2"
				}
				return ""
			},
		},
		{
			"create rule",
			func(c *Catalog) error {
				_, err := c.UpdateRule(e.ctx, scope, "orders", "r1", func(old *Rule) (*Rule, error) {
					r := rule("orders", "r1", `{"source":["shop"]}`)
					return &r, nil
				})
				return err
			},
			func(c *Catalog) string {
				if r, ok := c.Rule(scope, "orders", "r1"); !ok || r.EventPattern != `{"source":["shop"]}` {
					return "rule r1 missing"
				}
				return ""
			},
		},
		{
			"disable rule",
			func(c *Catalog) error {
				_, err := c.UpdateRule(e.ctx, scope, "orders", "r1", func(old *Rule) (*Rule, error) {
					old.State = StateDisabled
					return old, nil
				})
				return err
			},
			func(c *Catalog) string {
				if r, _ := c.Rule(scope, "orders", "r1"); r == nil || r.Enabled() {
					return "rule r1 not disabled"
				}
				return ""
			},
		},
		{
			"delete rule",
			func(c *Catalog) error { return c.DeleteRule(e.ctx, scope, "orders", "r1", nil) },
			func(c *Catalog) string {
				if _, ok := c.Rule(scope, "orders", "r1"); ok {
					return "rule r1 still there"
				}
				return ""
			},
		},
		{
			"delete bus",
			func(c *Catalog) error { return c.DeleteBus(e.ctx, scope, "orders") },
			func(c *Catalog) string {
				if _, ok := c.Bus(scope, "orders"); ok {
					return "bus orders still there"
				}
				return ""
			},
		},
	}
	for i, st := range steps {
		// Alternate the writer: each catalog reads the other's writes.
		w, r := e.c1, e.c2
		if i%2 == 1 {
			w, r = e.c2, e.c1
		}
		if err := st.write(w); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if msg := st.check(w); msg != "" {
			t.Errorf("%s: writer: %s right after the write", st.name, msg)
		}
		e.sync(t, r)
		if msg := st.check(r); msg != "" {
			t.Errorf("%s: other catalog: %s after catching up", st.name, msg)
		}
		if msg := st.check(e.open(t)); msg != "" {
			t.Errorf("%s: new catalog: %s", st.name, msg)
		}
	}
}

// Listeners get one Change per applied write, after the catalog shows it
// (so a listener may read the catalog), on every catalog.
func TestListen(t *testing.T) {
	e := newEnv(t)
	var r1, r2 recorder
	e.c1.Listen(r1.listen)
	e.c2.Listen(r2.listen)
	// A listener reads the catalog it listens to: it must not be called
	// with the catalog's lock held.
	seen := map[string]bool{}
	e.c1.Listen(func(ch Change) {
		if ch.Kind == "rule" && !ch.Deleted {
			_, ok := e.c1.Rule(ch.Scope, ch.Bus, ch.Rule)
			seen[ch.Rule] = ok
		}
	})

	r := rule("orders", "r1", `{"source":["shop"]}`)
	steps := []struct {
		name  string
		write func()
		want  Change
	}{
		{"create bus", func() { e.bus(t, e.c1, scope, "orders") }, Change{Kind: "bus", Scope: scope, Bus: "orders"}},
		{"create rule", func() { e.setRule(t, e.c1, r) }, Change{Kind: "rule", Scope: scope, Bus: "orders", Rule: "r1", RuleValue: &r}},
		{"update rule", func() {
			r2 := r
			r2.Description = "v2"
			e.setRule(t, e.c2, r2)
		}, Change{Kind: "rule", Scope: scope, Bus: "orders", Rule: "r1", RuleValue: &Rule{Description: "v2"}}},
		{"delete rule", func() {
			if err := e.c1.DeleteRule(e.ctx, scope, "orders", "r1", nil); err != nil {
				t.Fatal(err)
			}
		}, Change{Kind: "rule", Scope: scope, Bus: "orders", Rule: "r1", Deleted: true}},
		{"delete bus", func() {
			if err := e.c2.DeleteBus(e.ctx, scope, "orders"); err != nil {
				t.Fatal(err)
			}
		}, Change{Kind: "bus", Scope: scope, Bus: "orders", Deleted: true}},
	}
	for _, st := range steps {
		st.write()
		e.sync(t, e.c1)
		e.sync(t, e.c2)
		for node, rec := range []*recorder{&r1, &r2} {
			got := rec.take()
			if len(got) != 1 {
				t.Errorf("%s: catalog %d got %d changes: %+v", st.name, node+1, len(got), got)
				continue
			}
			ch, want := got[0], st.want
			if (ch.RuleValue == nil) != (want.RuleValue == nil) {
				t.Errorf("%s: catalog %d: RuleValue %+v, want %+v", st.name, node+1, ch.RuleValue, want.RuleValue)
			}
			if ch.RuleValue != nil && (ch.RuleValue.Name != "r1" || ch.RuleValue.Description != want.RuleValue.Description) {
				t.Errorf("%s: catalog %d: RuleValue %+v", st.name, node+1, ch.RuleValue)
			}
			ch.RuleValue, want.RuleValue = nil, nil
			if ch != want {
				t.Errorf("%s: catalog %d: %+v, want %+v", st.name, node+1, ch, want)
			}
		}
	}
	if !seen["r1"] {
		t.Error("a listener did not find the rule it was told about")
	}
}

// A rule whose bus is not known yet (written first by another node, or
// read first at start) waits as an orphan, invisible and matching nothing,
// and joins the bus when the bus arrives; a bus deleted before its rules
// leaves them orphans again.
func TestOrphanRules(t *testing.T) {
	e := newEnv(t)
	event := []byte(`{"source":"shop","detail-type":"x","detail":{}}`)
	r := rule("late", "r1", `{"source":["shop"]}`)
	visible := func(c *Catalog) bool {
		_, ok := c.Rule(scope, "late", "r1")
		m, err := c.Match(scope, "late", event)
		if err != nil {
			t.Fatal(err)
		}
		all := 0
		c.AllRules(func(*Rule) { all++ })
		if ok != (len(m) == 1) || ok != (all == 1) || ok != (len(c.Rules(scope, "late")) == 1) {
			t.Fatalf("rule visible %v, matched %d, AllRules %d, Rules %d: the views disagree", ok, len(m), all, len(c.Rules(scope, "late")))
		}
		return ok
	}

	e.put(t, ruleKey(scope, "late", "r1"), r)
	e.sync(t, e.c1)
	if visible(e.c1) {
		t.Fatal("a rule without its bus is visible")
	}
	if _, err := e.c1.UpdateRule(e.ctx, scope, "late", "r1", func(old *Rule) (*Rule, error) { return old, nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateRule of an orphan: %v, want ErrNotFound", err)
	}
	e.bus(t, e.c1, scope, "late")
	if !visible(e.c1) {
		t.Fatal("the rule did not join its bus")
	}
	// A catalog opened now reads the rule key before the bus key.
	if !visible(e.open(t)) {
		t.Fatal("a new catalog did not adopt the rule read before its bus")
	}

	// The bus goes (as DeleteBus would after its rules, but here alone):
	// the rule waits again, and joins the bus made again.
	kv, err := e.st.KV(e.ctx, Bucket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Delete(e.ctx, busKey(scope, "late"), 0); err != nil {
		t.Fatal(err)
	}
	e.sync(t, e.c1)
	if visible(e.c1) {
		t.Fatal("the rule of a deleted bus is visible")
	}
	e.bus(t, e.c1, scope, "late")
	if !visible(e.c1) {
		t.Fatal("the rule did not join its bus made again")
	}

	// An orphan deleted before its bus comes never joins it.
	e.put(t, ruleKey(scope, "later", "r2"), rule("later", "r2", `{"source":["shop"]}`))
	if _, err := kv.Delete(e.ctx, ruleKey(scope, "later", "r2"), 0); err != nil {
		t.Fatal(err)
	}
	e.bus(t, e.c1, scope, "later")
	if rs := e.c1.Rules(scope, "later"); len(rs) != 0 {
		t.Errorf("a deleted orphan joined its bus: %v", ruleNames(rs))
	}
}

// MatchAppend follows rule writes: enabling, disabling, changing the
// pattern, a rule without a pattern, deleting.
func TestMatchAppend(t *testing.T) {
	e := newEnv(t)
	e.bus(t, e.c1, scope, "orders")
	shop := []byte(`{"source":"shop","detail-type":"Order","detail":{"total":12}}`)
	bank := []byte(`{"source":"bank","detail-type":"Payment","detail":{}}`)
	prior := &Rule{Name: "already-there"}
	steps := []struct {
		name       string
		write      func(c *Catalog)
		shop, bank []string // rules matching each event, sorted
	}{
		{"no rules", func(*Catalog) {}, nil, nil},
		{"a rule", func(c *Catalog) { e.setRule(t, c, rule("orders", "r1", `{"source":["shop"]}`)) }, []string{"r1"}, nil},
		{"a second rule", func(c *Catalog) { e.setRule(t, c, rule("orders", "r2", `{"detail-type":["Order","Payment"]}`)) }, []string{"r1", "r2"}, []string{"r2"}},
		{"disable r1", func(c *Catalog) {
			r := rule("orders", "r1", `{"source":["shop"]}`)
			r.State = StateDisabled
			e.setRule(t, c, r)
		}, []string{"r2"}, []string{"r2"}},
		{"enable r1 with another pattern", func(c *Catalog) { e.setRule(t, c, rule("orders", "r1", `{"source":["bank"]}`)) }, []string{"r2"}, []string{"r1", "r2"}},
		{"ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS routes", func(c *Catalog) {
			r := rule("orders", "r1", `{"source":["bank"]}`)
			r.State = StateEnabledWithAllCloudTrail
			e.setRule(t, c, r)
		}, []string{"r2"}, []string{"r1", "r2"}},
		{"r2 becomes a schedule without a pattern", func(c *Catalog) {
			r := rule("orders", "r2", "")
			r.ScheduleExpression = "rate(5 minutes)"
			e.setRule(t, c, r)
		}, nil, []string{"r1"}},
		{"a numeric pattern", func(c *Catalog) { e.setRule(t, c, rule("orders", "r3", `{"detail":{"total":[{"numeric":[">",10]}]}}`)) }, []string{"r3"}, []string{"r1"}},
		{"delete r1", func(c *Catalog) {
			if err := c.DeleteRule(e.ctx, scope, "orders", "r1", nil); err != nil {
				t.Fatal(err)
			}
		}, []string{"r3"}, nil},
	}
	for i, st := range steps {
		w := []*Catalog{e.c1, e.c2}[i%2]
		st.write(w)
		e.sync(t, e.c1)
		e.sync(t, e.c2)
		for node, c := range []*Catalog{e.c1, e.c2} {
			for _, ev := range []struct {
				event []byte
				want  []string
			}{{shop, st.shop}, {bank, st.bank}} {
				got, err := c.MatchAppend([]*Rule{prior}, scope, "orders", ev.event)
				if err != nil {
					t.Fatalf("%s: %v", st.name, err)
				}
				if len(got) == 0 || got[0] != prior {
					t.Fatalf("%s: MatchAppend dropped what dst held", st.name)
				}
				names := ruleNames(got[1:])
				slices.Sort(names)
				if !slices.Equal(names, ev.want) {
					t.Errorf("%s: catalog %d matched %s with %v, want %v", st.name, node+1, ev.event, names, ev.want)
				}
			}
		}
	}
	// Another bus, another scope, no bus: nothing, and no error.
	for _, tc := range []struct {
		s   Scope
		bus string
	}{{scope, "nope"}, {other, "orders"}} {
		got, err := e.c1.MatchAppend(nil, tc.s, tc.bus, shop)
		if err != nil || len(got) != 0 {
			t.Errorf("%v %s: %v %v", tc.s, tc.bus, ruleNames(got), err)
		}
	}
	if _, err := e.c1.Match(scope, "orders", []byte(`{"source":`)); err == nil {
		t.Error("an event that is not JSON matched without an error")
	}
	if _, err := e.c1.Explain(scope, "nope", shop); !errors.Is(err, ErrNotFound) {
		t.Errorf("Explain on a missing bus: %v", err)
	}
}

// Buses and Rules list one scope's, sorted by name.
func TestListsAreScopedAndSorted(t *testing.T) {
	e := newEnv(t)
	for _, n := range []string{"b", "c", "a"} {
		e.bus(t, e.c1, scope, n)
	}
	e.bus(t, e.c1, other, "z")
	for _, n := range []string{"r2", "r3", "r1"} {
		e.setRule(t, e.c1, rule("b", n, `{"source":["x"]}`))
	}
	e.setRule(t, e.c1, rule("c", "r0", `{"source":["x"]}`))
	if got := busNames(e.c1.Buses(scope)); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("Buses = %v", got)
	}
	if got := busNames(e.c1.Buses(other)); !slices.Equal(got, []string{"z"}) {
		t.Errorf("Buses(other) = %v", got)
	}
	if got := ruleNames(e.c1.Rules(scope, "b")); !slices.Equal(got, []string{"r1", "r2", "r3"}) {
		t.Errorf("Rules = %v", got)
	}
	if got := e.c1.Rules(other, "b"); got != nil {
		t.Errorf("Rules of another scope's bus = %v", ruleNames(got))
	}
	var all []string
	e.c1.AllRules(func(r *Rule) { all = append(all, r.Name) })
	slices.Sort(all)
	if !slices.Equal(all, []string{"r0", "r1", "r2", "r3"}) {
		t.Errorf("AllRules = %v", all)
	}
}
