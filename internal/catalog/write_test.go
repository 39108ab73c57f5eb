package catalog

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
)

var errNo = errors.New("refused")

// Writes of buses and rules: what each returns, and what the catalog holds
// afterwards.
func TestWrites(t *testing.T) {
	e := newEnv(t)
	c := e.c1
	e.bus(t, c, scope, "orders")
	e.setRule(t, c, rule("orders", "r1", `{"source":["a"]}`))
	for _, tc := range []struct {
		name    string
		write   func() error
		wantErr error
		check   func() string
	}{
		{"create an existing bus", func() error { return c.CreateBus(e.ctx, &Bus{Scope: scope, Name: "orders"}) }, ErrExists, nil},
		{"same name in another scope", func() error { return c.CreateBus(e.ctx, &Bus{Scope: other, Name: "orders"}) }, nil, func() string {
			if _, ok := c.Bus(other, "orders"); !ok {
				return "missing"
			}
			return ""
		}},
		{"update a missing bus", func() error {
			_, err := c.UpdateBus(e.ctx, scope, "nope", func(*Bus) error { return nil })
			return err
		}, ErrNotFound, nil},
		{"update refused by fn", func() error {
			_, err := c.UpdateBus(e.ctx, scope, "orders", func(b *Bus) error { b.Description = "x"; return errNo })
			return err
		}, errNo, func() string {
			if b, _ := c.Bus(scope, "orders"); b.Description != "" {
				return "an aborted update was stored"
			}
			return ""
		}},
		{"update works on a copy", func() error {
			_, err := c.UpdateBus(e.ctx, scope, "orders", func(b *Bus) error {
				b.Tags = append(b.Tags, Tag{Key: "k", Value: "v"})
				b.Policy = &Policy{Version: "2012-10-17"}
				return errNo
			})
			return err
		}, errNo, func() string {
			if b, _ := c.Bus(scope, "orders"); len(b.Tags) != 0 || b.Policy != nil {
				return "fn changed the catalog's own record"
			}
			return ""
		}},
		{"update returns the stored bus", func() error {
			b, err := c.UpdateBus(e.ctx, scope, "orders", func(b *Bus) error { b.Description = "d"; return nil })
			if err == nil && b.Description != "d" {
				return fmt.Errorf("returned %+v", b)
			}
			return err
		}, nil, func() string {
			if b, _ := c.Bus(scope, "orders"); b.Description != "d" {
				return "not stored"
			}
			return ""
		}},
		{"rule on a missing bus", func() error {
			_, err := c.UpdateRule(e.ctx, scope, "nope", "r", func(*Rule) (*Rule, error) { r := rule("nope", "r", "{}"); return &r, nil })
			return err
		}, ErrNotFound, nil},
		{"rule update refused by fn", func() error {
			_, err := c.UpdateRule(e.ctx, scope, "orders", "r1", func(old *Rule) (*Rule, error) {
				old.Targets = append(old.Targets, Target{ID: "t"})
				return nil, errNo
			})
			return err
		}, errNo, func() string {
			if r, _ := c.Rule(scope, "orders", "r1"); len(r.Targets) != 0 {
				return "fn changed the catalog's own rule"
			}
			return ""
		}},
		{"delete refused by check", func() error {
			return c.DeleteRule(e.ctx, scope, "orders", "r1", func(r *Rule) error {
				if r.Name != "r1" {
					return fmt.Errorf("check got %s", r.Name)
				}
				return errNo
			})
		}, errNo, func() string {
			if _, ok := c.Rule(scope, "orders", "r1"); !ok {
				return "deleted anyway"
			}
			return ""
		}},
		{"delete a missing rule", func() error { return c.DeleteRule(e.ctx, scope, "orders", "nope", nil) }, ErrNotFound, nil},
		{"delete a rule of a missing bus", func() error { return c.DeleteRule(e.ctx, scope, "nope", "r1", nil) }, ErrNotFound, nil},
		{"delete a missing bus", func() error { return c.DeleteBus(e.ctx, scope, "nope") }, ErrNotFound, nil},
		{"delete a bus with rules", func() error { return c.DeleteBus(e.ctx, scope, "orders") }, nil, func() string {
			e.bus(t, c, scope, "orders")
			if rs := c.Rules(scope, "orders"); len(rs) != 0 {
				return fmt.Sprintf("the bus made again has the old rules %v", ruleNames(rs))
			}
			return ""
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.write()
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if tc.check != nil {
				if msg := tc.check(); msg != "" {
					t.Error(msg)
				}
			}
		})
	}
}

// Two writers on two catalogs race on one rule. Each write is a
// compare-and-set on the revision its writer read: the loser reads the
// winner's rule and applies its change again, so no change is lost.
func TestRuleCompareAndSet(t *testing.T) {
	addTarget := func(id string) func(*Rule) (*Rule, error) {
		return func(old *Rule) (*Rule, error) {
			if old == nil {
				r := rule("orders", "r1", `{"source":["a"]}`)
				old = &r
			}
			old.Targets = append(old.Targets, Target{ID: id, Arn: "arn:aws:sqs:us-east-1:123456789012:q"})
			return old, nil
		}
	}
	targetIDs := func(c *Catalog) []string {
		r, ok := c.Rule(scope, "orders", "r1")
		if !ok {
			return nil
		}
		var ids []string
		for _, tg := range r.Targets {
			ids = append(ids, tg.ID)
		}
		slices.Sort(ids)
		return ids
	}

	for _, tc := range []struct {
		name string
		// first is the rule before the race (nil: none yet).
		first bool
		// race runs the other writer's write inside the first writer's
		// fn, between its read and its compare-and-set.
		race  func(e *env) error
		calls int // of the first writer's fn
		want  []string
	}{
		{"update loses to an update", true, func(e *env) error {
			_, err := e.c2.UpdateRule(e.ctx, scope, "orders", "r1", addTarget("b"))
			return err
		}, 2, []string{"a", "b", "first"}},
		{"create loses to a create", false, func(e *env) error {
			_, err := e.c2.UpdateRule(e.ctx, scope, "orders", "r1", addTarget("b"))
			return err
		}, 2, []string{"a", "b"}},
		{"update loses to a delete", true, func(e *env) error {
			return e.c2.DeleteRule(e.ctx, scope, "orders", "r1", nil)
		}, 2, []string{"a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.bus(t, e.c1, scope, "orders")
			e.sync(t, e.c2)
			if tc.first {
				if _, err := e.c1.UpdateRule(e.ctx, scope, "orders", "r1", addTarget("first")); err != nil {
					t.Fatal(err)
				}
				e.sync(t, e.c2)
			}
			calls := 0
			var olds []bool
			_, err := e.c1.UpdateRule(e.ctx, scope, "orders", "r1", func(old *Rule) (*Rule, error) {
				calls++
				olds = append(olds, old != nil)
				if calls == 1 {
					if err := tc.race(e); err != nil {
						return nil, err
					}
				}
				return addTarget("a")(old)
			})
			if err != nil {
				t.Fatal(err)
			}
			if calls != tc.calls {
				t.Errorf("fn called %d times (old present: %v), want %d", calls, olds, tc.calls)
			}
			e.sync(t, e.c2)
			for node, c := range []*Catalog{e.c1, e.c2} {
				if got := targetIDs(c); !slices.Equal(got, tc.want) {
					t.Errorf("catalog %d: targets %v, want %v", node+1, got, tc.want)
				}
			}
		})
	}

	t.Run("delete loses to an update", func(t *testing.T) {
		e := newEnv(t)
		e.bus(t, e.c1, scope, "orders")
		if _, err := e.c1.UpdateRule(e.ctx, scope, "orders", "r1", addTarget("first")); err != nil {
			t.Fatal(err)
		}
		e.sync(t, e.c2)
		var seen [][]string
		err := e.c1.DeleteRule(e.ctx, scope, "orders", "r1", func(r *Rule) error {
			var ids []string
			for _, tg := range r.Targets {
				ids = append(ids, tg.ID)
			}
			seen = append(seen, ids)
			if len(seen) == 1 {
				_, err := e.c2.UpdateRule(e.ctx, scope, "orders", "r1", addTarget("b"))
				return err
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// The check ran again on the rule the other writer stored.
		if len(seen) != 2 || !slices.Equal(seen[1], []string{"first", "b"}) {
			t.Errorf("check saw %v", seen)
		}
		e.sync(t, e.c2)
		if _, ok := e.c2.Rule(scope, "orders", "r1"); ok {
			t.Error("rule still there")
		}
	})

	t.Run("many writers", func(t *testing.T) {
		e := newEnv(t)
		e.bus(t, e.c1, scope, "orders")
		e.sync(t, e.c2)
		var want []string
		var wg sync.WaitGroup
		for w, c := range []*Catalog{e.c1, e.c2, e.c1, e.c2} {
			for i := range 5 {
				id := fmt.Sprintf("w%d-%d", w, i)
				want = append(want, id)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 5 {
					if _, err := c.UpdateRule(e.ctx, scope, "orders", "r1", addTarget(fmt.Sprintf("w%d-%d", w, i))); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		slices.Sort(want)
		e.sync(t, e.c1)
		e.sync(t, e.c2)
		for node, c := range []*Catalog{e.c1, e.c2} {
			if got := targetIDs(c); !slices.Equal(got, want) {
				t.Errorf("catalog %d: %d targets %v, want %d", node+1, len(got), got, len(want))
			}
		}
	})
}

// EnsureDefaultBus creates the default bus once, whichever node asks
// first; a node that loses the race to create it sees the winner's.
func TestEnsureDefaultBus(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	buses := make([]*Bus, 4)
	for i := range buses {
		c := []*Catalog{e.c1, e.c2}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := c.EnsureDefaultBus(e.ctx, scope)
			if err != nil {
				t.Error(err)
				return
			}
			buses[i] = b
		}()
	}
	wg.Wait()
	for i, b := range buses {
		if b == nil || b.Name != DefaultBus || b.Scope != scope {
			t.Fatalf("caller %d: %+v", i, b)
		}
		if !b.Created.Equal(buses[0].Created) {
			t.Errorf("caller %d got another default bus (created %v, not %v)", i, b.Created, buses[0].Created)
		}
	}
	if got := busNames(e.c1.Buses(scope)); !slices.Equal(got, []string{DefaultBus}) {
		t.Errorf("buses %v", got)
	}
}
