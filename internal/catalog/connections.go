package catalog

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/switchyard/switchyard/internal/arn"
	"github.com/switchyard/switchyard/internal/store"
	"github.com/switchyard/switchyard/internal/uuid"
)

// Connection states, as EventBridge reports them.
const (
	ConnectionCreating      = "CREATING"
	ConnectionUpdating      = "UPDATING"
	ConnectionDeleting      = "DELETING"
	ConnectionAuthorized    = "AUTHORIZED"
	ConnectionDeauthorized  = "DEAUTHORIZED"
	ConnectionAuthorizing   = "AUTHORIZING"
	ConnectionDeauthorizing = "DEAUTHORIZING"
)

// Authorization types of a connection.
const (
	AuthBasic  = "BASIC"
	AuthAPIKey = "API_KEY"
	AuthOAuth  = "OAUTH_CLIENT_CREDENTIALS"
)

// API destination states.
const (
	APIDestinationActive   = "ACTIVE"
	APIDestinationInactive = "INACTIVE"
)

// DefaultInvocationRate is the InvocationRateLimitPerSecond EventBridge
// gives an API destination created without one.
const DefaultInvocationRate = 300

// SigningSecretHeader is Switchyard's reserved connection header parameter
// (InvocationHttpParameters.HeaderParameters) holding Standard Webhooks
// signing secrets. It is never sent to the endpoint and its value is
// always kept encrypted and left out of DescribeConnection, whatever
// IsValueSecret says.
const SigningSecretHeader = "Switchyard-Webhook-Secret"

// Sealed is a secret encrypted with the catalog's SecretBox ("v1:..."), or
// "" when there is none.
type Sealed string

// Param is one header, query string or body parameter of a connection.
// Secret values are kept only in Sealed.
type Param struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Secret bool   `json:"secret,omitempty"`
	Sealed Sealed `json:"sealed,omitempty"`
}

// HTTPParams are a connection's additional HTTP parameters.
type HTTPParams struct {
	Headers []Param `json:"headers,omitempty"`
	Query   []Param `json:"query,omitempty"`
	Body    []Param `json:"body,omitempty"`
}

// BasicAuth is BASIC authorization.
type BasicAuth struct {
	Username string `json:"username"`
	Password Sealed `json:"password,omitempty"`
}

// APIKeyAuth is API_KEY authorization: a header carrying the key.
type APIKeyAuth struct {
	Name  string `json:"name"`
	Value Sealed `json:"value,omitempty"`
}

// OAuthAuth is OAUTH_CLIENT_CREDENTIALS authorization.
type OAuthAuth struct {
	ClientID              string      `json:"clientId"`
	ClientSecret          Sealed      `json:"clientSecret,omitempty"`
	AuthorizationEndpoint string      `json:"authorizationEndpoint"`
	HTTPMethod            string      `json:"httpMethod"`
	HTTP                  *HTTPParams `json:"http,omitempty"`
}

// ConnectionAuth is a connection's authorization parameters.
type ConnectionAuth struct {
	Basic        *BasicAuth      `json:"basic,omitempty"`
	APIKey       *APIKeyAuth     `json:"apiKey,omitempty"`
	OAuth        *OAuthAuth      `json:"oauth,omitempty"`
	Invocation   *HTTPParams     `json:"invocation,omitempty"`
	Connectivity json.RawMessage `json:"connectivity,omitempty"`
}

// Connection is an EventBridge connection: how API destinations that use
// it authorize with their endpoints. Secrets are stored sealed.
type Connection struct {
	Scope
	Name string `json:"name"`
	// ID is the UUID that ends the connection ARN.
	ID string `json:"id"`
	// SecretID ends the SecretArn EventBridge reports ("<uuid>-<suffix>");
	// empty while the connection has no secret (deauthorized).
	SecretID               string          `json:"secretId,omitempty"`
	Description            string          `json:"description,omitempty"`
	AuthorizationType      string          `json:"authorizationType"`
	State                  string          `json:"state"`
	StateReason            string          `json:"stateReason,omitempty"`
	Auth                   ConnectionAuth  `json:"auth"`
	InvocationConnectivity json.RawMessage `json:"invocationConnectivity,omitempty"`
	KmsKeyIdentifier       string          `json:"kmsKeyIdentifier,omitempty"`
	// AuthVersion changes whenever the authorization material changes, so
	// cached credentials (OAuth tokens) can tell they are stale.
	AuthVersion    int       `json:"authVersion"`
	Created        time.Time `json:"created"`
	Modified       time.Time `json:"modified"`
	LastAuthorized time.Time `json:"lastAuthorized,omitzero"`

	// Rev is the bucket revision the record was read at.
	Rev uint64 `json:"-"`
}

// Arn returns the connection ARN.
func (c *Connection) Arn() string { return ConnectionArn(c.Scope, c.Name, c.ID) }

// SecretArn returns the ARN EventBridge reports for the connection's
// secret (Switchyard keeps the secret in the catalog, encrypted).
func (c *Connection) SecretArn() string {
	if c.SecretID == "" {
		return ""
	}
	return c.Scope.In("secretsmanager", "secret:events!connection/"+c.Name+"/"+c.SecretID).String()
}

// ConnectionArn returns the ARN of a connection.
func ConnectionArn(s Scope, name, id string) string {
	return s.In("events", "connection/"+name+"/"+id).String()
}

// APIDestination is an EventBridge API destination.
type APIDestination struct {
	Scope
	Name               string    `json:"name"`
	ID                 string    `json:"id"`
	Description        string    `json:"description,omitempty"`
	ConnectionArn      string    `json:"connectionArn"`
	InvocationEndpoint string    `json:"invocationEndpoint"`
	HTTPMethod         string    `json:"httpMethod"`
	RateLimit          int32     `json:"rateLimit"`
	Created            time.Time `json:"created"`
	Modified           time.Time `json:"modified"`

	Rev uint64 `json:"-"`
}

// Arn returns the API destination ARN.
func (d *APIDestination) Arn() string { return APIDestinationArn(d.Scope, d.Name, d.ID) }

// APIDestinationArn returns the ARN of an API destination.
func APIDestinationArn(s Scope, name, id string) string {
	return s.In("events", "api-destination/"+name+"/"+id).String()
}

// ResourcePrefix is the start of the ARNs of every incarnation of a
// connection or API destination (kind "connection" or "api-destination"):
// the ARN up to and including the "/" before its id.
func ResourcePrefix(s Scope, kind, name string) string {
	return s.In("events", kind+"/"+name+"/").String()
}

// ParseResourceArn splits arn:aws:events:<region>:<account>:<kind>/<name>/<id>
// (kind "connection" or "api-destination").
func ParseResourceArn(v, kind string) (s Scope, name, id string, ok bool) {
	a, err := arn.Parse(v)
	if err != nil || a.Service != "events" {
		return s, "", "", false
	}
	rest, found := a.ResourceOf(kind)
	if !found || !strings.HasPrefix(a.Resource, kind+"/") {
		return s, "", "", false
	}
	name, id, found = strings.Cut(rest, "/")
	if !found || name == "" || id == "" || strings.Contains(id, "/") {
		return s, "", "", false
	}
	return Scope{Account: a.Account, Region: a.Region}, name, id, true
}

func connectionKey(s Scope, name string) string {
	return "connection." + s.Account + "." + s.Region + "." + enc(name)
}

func apiDestinationKey(s Scope, name string) string {
	return "apidest." + s.Account + "." + s.Region + "." + enc(name)
}

// newSecretID returns "<uuid>-<6 letters>", the shape of the last part of
// a Secrets Manager secret ARN.
func newSecretID() string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var b [6]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return uuid.New() + "-" + string(b[:])
}

// connStore is the in-memory copy of a catalog's connections and API
// destinations, kept under its own lock.
type connStore struct {
	mu    sync.RWMutex
	conns map[resID]*Connection
	dests map[resID]*APIDestination

	box    *SecretBox
	boxErr error
	// authorize starts the authorization of a connection (OAuth token
	// exchange) after a write left it AUTHORIZING.
	authorize func(s Scope, name string)
}

type resID struct {
	Scope
	name string
}

func (c *Catalog) conns() *connStore { return &c.connections }

// SetSecretBox installs the box that seals connection secrets. err, when
// not nil, says why there is none (connection writes then fail with it).
func (c *Catalog) SetSecretBox(b *SecretBox, err error) {
	cs := c.conns()
	cs.mu.Lock()
	cs.box, cs.boxErr = b, err
	cs.mu.Unlock()
}

// SecretBox returns the box sealing connection secrets.
func (c *Catalog) SecretBox() (*SecretBox, error) {
	cs := c.conns()
	cs.mu.RLock()
	defer cs.mu.RUnlock()
	if cs.box == nil {
		if cs.boxErr != nil {
			return nil, cs.boxErr
		}
		return nil, errors.New("connection secrets cannot be encrypted: no secrets key is configured")
	}
	return cs.box, nil
}

// SetConnectionAuthorizer installs fn, called (in its own goroutine) after
// a write leaves a connection AUTHORIZING.
func (c *Catalog) SetConnectionAuthorizer(fn func(s Scope, name string)) {
	cs := c.conns()
	cs.mu.Lock()
	cs.authorize = fn
	cs.mu.Unlock()
}

func (c *Catalog) startAuthorization(conn *Connection) {
	if conn == nil || conn.State != ConnectionAuthorizing {
		return
	}
	cs := c.conns()
	cs.mu.RLock()
	fn := cs.authorize
	cs.mu.RUnlock()
	if fn != nil {
		go fn(conn.Scope, conn.Name)
	}
}

// applyConnectionKey applies a "connection" or "apidest" key from the
// watch (called by apply with c.mu held).
func (c *Catalog) applyConnectionKey(kind string, s Scope, names []string, e store.Entry) Change {
	ch := Change{Kind: kind, Scope: s, Deleted: e.Deleted}
	if len(names) != 1 {
		c.log.Warn("ignoring catalog key", "key", e.Key)
		return ch
	}
	ch.Name = names[0]
	id := resID{s, names[0]}
	cs := c.conns()
	cs.mu.Lock()
	defer cs.mu.Unlock()
	switch kind {
	case "connection":
		if e.Deleted {
			delete(cs.conns, id)
			return ch
		}
		var v Connection
		if err := json.Unmarshal(e.Value, &v); err != nil {
			c.log.Error("bad connection record", "key", e.Key, "err", err)
			return ch
		}
		v.Rev = e.Revision
		cs.conns[id] = &v
	case "apidest":
		if e.Deleted {
			delete(cs.dests, id)
			return ch
		}
		var v APIDestination
		if err := json.Unmarshal(e.Value, &v); err != nil {
			c.log.Error("bad api destination record", "key", e.Key, "err", err)
			return ch
		}
		v.Rev = e.Revision
		cs.dests[id] = &v
	}
	return ch
}

// Connection returns a connection. The record must not be modified.
func (c *Catalog) Connection(s Scope, name string) (*Connection, bool) {
	cs := c.conns()
	cs.mu.RLock()
	v := cs.conns[resID{s, name}]
	cs.mu.RUnlock()
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
	cs := c.conns()
	cs.mu.RLock()
	var out []*Connection
	for id, v := range cs.conns {
		if id.Scope == s {
			out = append(out, v)
		}
	}
	cs.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// APIDestination returns an API destination. The record must not be
// modified.
func (c *Catalog) APIDestination(s Scope, name string) (*APIDestination, bool) {
	cs := c.conns()
	cs.mu.RLock()
	v := cs.dests[resID{s, name}]
	cs.mu.RUnlock()
	return v, v != nil
}

// APIDestinations returns the API destinations of a scope sorted by name.
func (c *Catalog) APIDestinations(s Scope) []*APIDestination {
	cs := c.conns()
	cs.mu.RLock()
	var out []*APIDestination
	for id, v := range cs.dests {
		if id.Scope == s {
			out = append(out, v)
		}
	}
	cs.mu.RUnlock()
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
