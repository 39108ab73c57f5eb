package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/switchyard/switchyard/internal/store"
)

// CreateBus stores a new bus (ErrExists if it exists).
func (c *Catalog) CreateBus(ctx context.Context, b *Bus) error {
	return c.create(ctx, busKey(b.Scope, b.Name), b)
}

// create stores a new record under key (ErrExists if the key exists) and
// waits until the local copy has it.
func (c *Catalog) create(ctx context.Context, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	err = c.mirror.Create(ctx, key, data)
	if errors.Is(err, store.ErrExists) {
		return ErrExists
	}
	return err
}

// retryCAS is store.Mirror.Write for the catalog's records.
func (c *Catalog) retryCAS(ctx context.Context, what string, write func() (uint64, error)) error {
	return c.mirror.Write(ctx, "catalog: "+what, write)
}

// EnsureDefaultBus creates the scope's default bus if it does not exist.
func (c *Catalog) EnsureDefaultBus(ctx context.Context, s Scope) (*Bus, error) {
	if b, ok := c.Bus(s, DefaultBus); ok {
		return b, nil
	}
	now := time.Now().UTC()
	err := c.CreateBus(ctx, &Bus{Scope: s, Name: DefaultBus, Created: now, Modified: now})
	if err != nil && !errors.Is(err, ErrExists) {
		return nil, err
	}
	if errors.Is(err, ErrExists) {
		// Another node created it; wait until we see it.
		c.catchUp(ctx)
	}
	b, ok := c.Bus(s, DefaultBus)
	if !ok {
		return nil, fmt.Errorf("catalog: default bus of %s/%s not visible", s.Account, s.Region)
	}
	return b, nil
}

// UpdateBus applies fn to a copy of a bus and stores the result.
func (c *Catalog) UpdateBus(ctx context.Context, s Scope, name string, fn func(*Bus) error) (*Bus, error) {
	var cur Bus
	err := c.retryCAS(ctx, "bus", func() (uint64, error) {
		c.mu.RLock()
		be := c.buses[busID{s, name}]
		var rev uint64
		if be != nil {
			cur, rev = *be.bus, be.rev
		}
		c.mu.RUnlock()
		if be == nil {
			return 0, ErrNotFound
		}
		cur.Tags = append([]Tag(nil), cur.Tags...)
		if cur.Policy != nil {
			p := *cur.Policy
			p.Statement = append([]json.RawMessage(nil), p.Statement...)
			cur.Policy = &p
		}
		if err := fn(&cur); err != nil {
			return 0, err
		}
		data, err := json.Marshal(&cur)
		if err != nil {
			return 0, err
		}
		return c.kv.Update(ctx, busKey(s, name), data, rev)
	})
	if err != nil {
		return nil, err
	}
	return &cur, nil
}

// DeleteBus deletes a bus and its rules.
func (c *Catalog) DeleteBus(ctx context.Context, s Scope, name string) error {
	if _, ok := c.Bus(s, name); !ok {
		return ErrNotFound
	}
	for _, r := range c.Rules(s, name) {
		if _, err := c.kv.Delete(ctx, ruleKey(s, name, r.Name), 0); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	rev, err := c.kv.Delete(ctx, busKey(s, name), 0)
	if err != nil {
		return err
	}
	return c.waitApplied(ctx, rev)
}

// UpdateRule reads a rule (nil if absent), lets fn return its new value,
// and stores it with compare-and-set, retrying on conflicts. fn may return
// an error to abort. The bus must exist.
func (c *Catalog) UpdateRule(ctx context.Context, s Scope, bus, name string, fn func(old *Rule) (*Rule, error)) (*Rule, error) {
	var nr *Rule
	err := c.retryCAS(ctx, "rule", func() (uint64, error) {
		c.mu.RLock()
		be := c.buses[busID{s, bus}]
		var old *Rule
		var rev uint64
		if be != nil {
			if re := be.rules[name]; re != nil {
				cp := *re.rule
				cp.Targets = append([]Target(nil), re.rule.Targets...)
				cp.Tags = append([]Tag(nil), re.rule.Tags...)
				old, rev = &cp, re.rev
			}
		}
		c.mu.RUnlock()
		if be == nil {
			return 0, ErrNotFound
		}
		var err error
		if nr, err = fn(old); err != nil {
			return 0, err
		}
		data, err := json.Marshal(nr)
		if err != nil {
			return 0, err
		}
		if old == nil {
			return c.kv.Create(ctx, ruleKey(s, bus, name), data)
		}
		return c.kv.Update(ctx, ruleKey(s, bus, name), data, rev)
	})
	if err != nil {
		return nil, err
	}
	return nr, nil
}

// DeleteRule deletes a rule after check (if not nil) approves it.
func (c *Catalog) DeleteRule(ctx context.Context, s Scope, bus, name string, check func(*Rule) error) error {
	return c.retryCAS(ctx, "rule", func() (uint64, error) {
		c.mu.RLock()
		var r *Rule
		var rev uint64
		if be := c.buses[busID{s, bus}]; be != nil {
			if re := be.rules[name]; re != nil {
				r, rev = re.rule, re.rev
			}
		}
		c.mu.RUnlock()
		if r == nil {
			return 0, ErrNotFound
		}
		if check != nil {
			if err := check(r); err != nil {
				return 0, err
			}
		}
		return c.kv.Delete(ctx, ruleKey(s, bus, name), rev)
	})
}

// catchUp waits until the local copy has seen every write so far.
func (c *Catalog) catchUp(ctx context.Context) {
	_ = c.mirror.CatchUp(ctx)
}
