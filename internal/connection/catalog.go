package connection

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"sort"
	"sync"

	"github.com/switchyard/switchyard/internal/store"
)

// Bucket is the key-value bucket holding connections and API destinations:
// the catalog's (catalog.Bucket), where they were kept when they were part
// of the catalog, so existing data directories keep them.
const Bucket = "switchyard-catalog"

// Errors the write methods return; handlers turn them into AWS errors.
var (
	ErrNotFound = errors.New("connection: not found")
	ErrExists   = errors.New("connection: already exists")
)

// Catalog is the in-memory, watched copy of the connections and API
// destinations of every account and region.
type Catalog struct {
	kv     *store.KV
	log    *slog.Logger
	mirror *store.Mirror

	// Lock order and callbacks: see doc.go.
	mu    sync.RWMutex
	conns map[resID]*Connection
	dests map[resID]*APIDestination
	box   *SecretBox
	// boxErr says why there is no box.
	boxErr error
	// authorize starts the authorization of a connection (OAuth token
	// exchange) after a write left it AUTHORIZING.
	authorize func(s Scope, name string)

	listenMu  sync.Mutex // never held with mu
	listeners []func(Change)
}

type resID struct {
	Scope
	name string
}

// Change describes one applied write, for listeners.
type Change struct {
	Kind    string // "connection" or "apidest"
	Scope   Scope
	Name    string
	Deleted bool
}

// Open loads the connections and API destinations from the store and keeps
// them current until ctx ends.
func Open(ctx context.Context, st *store.Store, log *slog.Logger) (*Catalog, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	kv, err := st.KV(ctx, Bucket)
	if err != nil {
		return nil, err
	}
	c := &Catalog{
		kv: kv, log: log,
		conns: map[resID]*Connection{},
		dests: map[resID]*APIDestination{},
	}
	c.mirror, err = kv.MirrorKeys(ctx, []string{kindConnection + ".>", kindAPIDest + ".>"}, c.apply)
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

// apply applies a key from the watch, then tells the listeners (with no
// lock held).
func (c *Catalog) apply(e store.Entry) {
	kind, account, region, names, err := store.SplitRecordKey(e.Key)
	if err != nil || len(names) != 1 || (kind != kindConnection && kind != kindAPIDest) {
		c.log.Warn("ignoring catalog key", "key", e.Key, "err", err)
		return
	}
	ch := Change{Kind: kind, Scope: Scope{Account: account, Region: region}, Name: names[0], Deleted: e.Deleted}
	id := resID{ch.Scope, ch.Name}
	c.mu.Lock()
	switch kind {
	case kindConnection:
		if e.Deleted {
			delete(c.conns, id)
			break
		}
		var v Connection
		if err := json.Unmarshal(e.Value, &v); err != nil {
			c.log.Error("bad connection record", "key", e.Key, "err", err)
			break
		}
		v.Rev = e.Revision
		c.conns[id] = &v
	case kindAPIDest:
		if e.Deleted {
			delete(c.dests, id)
			break
		}
		var v APIDestination
		if err := json.Unmarshal(e.Value, &v); err != nil {
			c.log.Error("bad api destination record", "key", e.Key, "err", err)
			break
		}
		v.Rev = e.Revision
		c.dests[id] = &v
	}
	c.mu.Unlock()
	c.listenMu.Lock()
	ls := slices.Clone(c.listeners)
	c.listenMu.Unlock()
	for _, fn := range ls {
		fn(ch)
	}
}

// SetSecretBox installs the box that seals connection secrets. err, when
// not nil, says why there is none (connection writes then fail with it).
func (c *Catalog) SetSecretBox(b *SecretBox, err error) {
	c.mu.Lock()
	c.box, c.boxErr = b, err
	c.mu.Unlock()
}

// SecretBox returns the box sealing connection secrets.
func (c *Catalog) SecretBox() (*SecretBox, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.box == nil {
		if c.boxErr != nil {
			return nil, c.boxErr
		}
		return nil, errors.New("connection secrets cannot be encrypted: no secrets key is configured")
	}
	return c.box, nil
}

// SetConnectionAuthorizer installs fn, called (in its own goroutine) after
// a write leaves a connection AUTHORIZING.
func (c *Catalog) SetConnectionAuthorizer(fn func(s Scope, name string)) {
	c.mu.Lock()
	c.authorize = fn
	c.mu.Unlock()
}

func (c *Catalog) startAuthorization(conn *Connection) {
	if conn == nil || conn.State != ConnectionAuthorizing {
		return
	}
	c.mu.RLock()
	fn := c.authorize
	c.mu.RUnlock()
	if fn != nil {
		go fn(conn.Scope, conn.Name)
	}
}

// Connection returns a connection. The record must not be modified.
func (c *Catalog) Connection(s Scope, name string) (*Connection, bool) {
	c.mu.RLock()
	v := c.conns[resID{s, name}]
	c.mu.RUnlock()
	return v, v != nil
}

// ConnectionByArn returns the connection an ARN names (its UUID must match:
// a connection deleted and created again under the same name is another
// connection).
func (c *Catalog) ConnectionByArn(arn string) (*Connection, bool) {
	s, name, id, ok := ParseResourceArn(arn, "connection")
	if !ok {
		return nil, false
	}
	v, ok := c.Connection(s, name)
	if !ok || v.ID != id {
		return nil, false
	}
	return v, true
}

// Connections returns the connections of a scope sorted by name.
func (c *Catalog) Connections(s Scope) []*Connection {
	c.mu.RLock()
	var out []*Connection
	for id, v := range c.conns {
		if id.Scope == s {
			out = append(out, v)
		}
	}
	c.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// APIDestination returns an API destination. The record must not be
// modified.
func (c *Catalog) APIDestination(s Scope, name string) (*APIDestination, bool) {
	c.mu.RLock()
	v := c.dests[resID{s, name}]
	c.mu.RUnlock()
	return v, v != nil
}

// APIDestinations returns the API destinations of a scope sorted by name.
func (c *Catalog) APIDestinations(s Scope) []*APIDestination {
	c.mu.RLock()
	var out []*APIDestination
	for id, v := range c.dests {
		if id.Scope == s {
			out = append(out, v)
		}
	}
	c.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// APIDestinationState is ACTIVE while the destination's connection is
// authorized, INACTIVE otherwise.
func (c *Catalog) APIDestinationState(d *APIDestination) string {
	if conn, ok := c.ConnectionByArn(d.ConnectionArn); ok && conn.State == ConnectionAuthorized {
		return APIDestinationActive
	}
	return APIDestinationInactive
}
