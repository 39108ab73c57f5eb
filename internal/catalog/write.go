package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/switchyard/switchyard/internal/store"
)

const maxWriteAttempts = 20

// CreateBus stores a new bus (ErrExists if it exists).
func (c *Catalog) CreateBus(ctx context.Context, b *Bus) error {
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	rev, err := c.kv.Create(ctx, busKey(b.Scope, b.Name), data)
	if errors.Is(err, store.ErrExists) {
		return ErrExists
	}
	if err != nil {
		return err
	}
	return c.waitApplied(ctx, rev)
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
		if rev, lerr := c.kv.LastRevision(ctx); lerr == nil {
			_ = c.waitApplied(ctx, rev)
		}
	}
	b, ok := c.Bus(s, DefaultBus)
	if !ok {
		return nil, fmt.Errorf("catalog: default bus of %s/%s not visible", s.Account, s.Region)
	}
	return b, nil
}

// UpdateBus applies fn to a copy of a bus and stores the result.
func (c *Catalog) UpdateBus(ctx context.Context, s Scope, name string, fn func(*Bus) error) (*Bus, error) {
	for attempt := 0; attempt < maxWriteAttempts; attempt++ {
		c.mu.RLock()
		be := c.buses[busID{s, name}]
		var cur Bus
		var rev uint64
		if be != nil {
			cur, rev = *be.bus, be.rev
		}
		c.mu.RUnlock()
		if be == nil {
			return nil, ErrNotFound
		}
		cur.Tags = append([]Tag(nil), cur.Tags...)
		if cur.Policy != nil {
			p := *cur.Policy
			p.Statement = append([]json.RawMessage(nil), p.Statement...)
			cur.Policy = &p
		}
		if err := fn(&cur); err != nil {
			return nil, err
		}
		data, err := json.Marshal(&cur)
		if err != nil {
			return nil, err
		}
		n, err := c.kv.Update(ctx, busKey(s, name), data, rev)
		if errors.Is(err, store.ErrConflict) {
			c.catchUp(ctx)
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := c.waitApplied(ctx, n); err != nil {
			return nil, err
		}
		return &cur, nil
	}
	return nil, errors.New("catalog: too many concurrent writes to the same bus")
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
	for attempt := 0; attempt < maxWriteAttempts; attempt++ {
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
			return nil, ErrNotFound
		}
		nr, err := fn(old)
		if err != nil {
			return nil, err
		}
		data, err := json.Marshal(nr)
		if err != nil {
			return nil, err
		}
		var n uint64
		if old == nil {
			n, err = c.kv.Create(ctx, ruleKey(s, bus, name), data)
			if errors.Is(err, store.ErrExists) {
				c.catchUp(ctx)
				continue
			}
		} else {
			n, err = c.kv.Update(ctx, ruleKey(s, bus, name), data, rev)
			if errors.Is(err, store.ErrConflict) {
				c.catchUp(ctx)
				continue
			}
		}
		if err != nil {
			return nil, err
		}
		if err := c.waitApplied(ctx, n); err != nil {
			return nil, err
		}
		return nr, nil
	}
	return nil, errors.New("catalog: too many concurrent writes to the same rule")
}

// DeleteRule deletes a rule after check (if not nil) approves it.
func (c *Catalog) DeleteRule(ctx context.Context, s Scope, bus, name string, check func(*Rule) error) error {
	for attempt := 0; attempt < maxWriteAttempts; attempt++ {
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
			return ErrNotFound
		}
		if check != nil {
			if err := check(r); err != nil {
				return err
			}
		}
		n, err := c.kv.Delete(ctx, ruleKey(s, bus, name), rev)
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrExists) {
			c.catchUp(ctx)
			continue
		}
		if err != nil {
			return err
		}
		return c.waitApplied(ctx, n)
	}
	return errors.New("catalog: too many concurrent writes to the same rule")
}

// catchUp waits until the local copy has seen every write so far.
func (c *Catalog) catchUp(ctx context.Context) {
	_ = c.mirror.CatchUp(ctx)
}
