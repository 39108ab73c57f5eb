package connection

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/switchyard/switchyard/internal/store"
)

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

// retryCAS is store.Mirror.Write for connections and API destinations.
func (c *Catalog) retryCAS(ctx context.Context, what string, write func() (uint64, error)) error {
	return c.mirror.Write(ctx, "catalog: "+what, write)
}

func clone[T any](v *T) *T {
	data, _ := json.Marshal(v)
	var out T
	_ = json.Unmarshal(data, &out)
	return &out
}

// CreateConnection stores a new connection (ErrExists if one has the
// name) and starts its authorization when it is AUTHORIZING.
func (c *Catalog) CreateConnection(ctx context.Context, v *Connection) error {
	if err := c.create(ctx, connectionKey(v.Scope, v.Name), v); err != nil {
		return err
	}
	c.startAuthorization(v)
	return nil
}

// UpdateConnection applies fn to a copy of a connection and stores it with
// compare-and-set; it starts the authorization when the result is
// AUTHORIZING and the state changed or the auth material did.
func (c *Catalog) UpdateConnection(ctx context.Context, s Scope, name string, fn func(*Connection) error) (*Connection, error) {
	var old, cur *Connection
	err := c.retryCAS(ctx, "connection", func() (uint64, error) {
		var ok bool
		if old, ok = c.Connection(s, name); !ok {
			return 0, ErrNotFound
		}
		cur = clone(old)
		if err := fn(cur); err != nil {
			return 0, err
		}
		data, err := json.Marshal(cur)
		if err != nil {
			return 0, err
		}
		n, err := c.kv.Update(ctx, connectionKey(s, name), data, old.Rev)
		cur.Rev = n
		return n, err
	})
	if err != nil {
		return nil, err
	}
	if cur.State == ConnectionAuthorizing && (old.State != ConnectionAuthorizing || old.AuthVersion != cur.AuthVersion) {
		c.startAuthorization(cur)
	}
	return cur, nil
}

// DeleteConnection deletes a connection and returns it as it was.
func (c *Catalog) DeleteConnection(ctx context.Context, s Scope, name string) (*Connection, error) {
	var old *Connection
	err := c.retryCAS(ctx, "connection", func() (uint64, error) {
		var ok bool
		if old, ok = c.Connection(s, name); !ok {
			return 0, ErrNotFound
		}
		return c.deleteAt(ctx, connectionKey(s, name), old.Rev)
	})
	if err != nil {
		return nil, err
	}
	return old, nil
}

// deleteAt deletes key if its revision is rev; a key already gone is
// ErrNotFound.
func (c *Catalog) deleteAt(ctx context.Context, key string, rev uint64) (uint64, error) {
	n, err := c.kv.Delete(ctx, key, rev)
	if errors.Is(err, store.ErrNotFound) {
		return 0, ErrNotFound
	}
	return n, err
}

// CreateAPIDestination stores a new API destination (ErrExists if one has
// the name).
func (c *Catalog) CreateAPIDestination(ctx context.Context, v *APIDestination) error {
	return c.create(ctx, apiDestinationKey(v.Scope, v.Name), v)
}

// UpdateAPIDestination applies fn to a copy of an API destination and
// stores it with compare-and-set.
func (c *Catalog) UpdateAPIDestination(ctx context.Context, s Scope, name string, fn func(*APIDestination) error) (*APIDestination, error) {
	var cur APIDestination
	err := c.retryCAS(ctx, "api destination", func() (uint64, error) {
		old, ok := c.APIDestination(s, name)
		if !ok {
			return 0, ErrNotFound
		}
		cur = *old
		if err := fn(&cur); err != nil {
			return 0, err
		}
		data, err := json.Marshal(&cur)
		if err != nil {
			return 0, err
		}
		n, err := c.kv.Update(ctx, apiDestinationKey(s, name), data, old.Rev)
		cur.Rev = n
		return n, err
	})
	if err != nil {
		return nil, err
	}
	return &cur, nil
}

// DeleteAPIDestination deletes an API destination.
func (c *Catalog) DeleteAPIDestination(ctx context.Context, s Scope, name string) error {
	return c.retryCAS(ctx, "api destination", func() (uint64, error) {
		old, ok := c.APIDestination(s, name)
		if !ok {
			return 0, ErrNotFound
		}
		return c.deleteAt(ctx, apiDestinationKey(s, name), old.Rev)
	})
}
