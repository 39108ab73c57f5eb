package connection

import (
	"context"
	"encoding/base64"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/store"
)

var scope = Scope{Account: "123456789012", Region: "us-east-1"}

type env struct {
	ctx    context.Context
	st     *store.Store
	c1, c2 *Catalog
	box    *SecretBox
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
	box, err := NewSecretBox(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{ctx: ctx, st: st, box: box}
	e.c1, e.c2 = e.open(t), e.open(t)
	return e
}

func (e *env) open(t *testing.T) *Catalog {
	t.Helper()
	c, err := Open(e.ctx, e.st, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetSecretBox(e.box, nil)
	return c
}

func (e *env) sync(t *testing.T, c *Catalog) {
	t.Helper()
	if err := c.mirror.CatchUp(e.ctx); err != nil {
		t.Fatal(err)
	}
}

func (e *env) apiKeyConnection(name, id string) *Connection {
	c := &Connection{Scope: scope, Name: name, ID: id, AuthorizationType: AuthAPIKey, State: ConnectionAuthorized, AuthVersion: 1}
	c.Auth.APIKey = &APIKeyAuth{Name: "x-api-key", Value: e.box.Seal(c.Arn(), "k")}
	return c
}

// Connections and API destinations stay where the catalog kept them:
// same bucket, same keys, so existing data directories keep working.
func TestKeysAreTheCatalogs(t *testing.T) {
	if Bucket != catalog.Bucket {
		t.Fatalf("Bucket %q, catalog's %q", Bucket, catalog.Bucket)
	}
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	if got, want := connectionKey(scope, "my.conn"), "connection.123456789012.us-east-1."+b64("my.conn"); got != want {
		t.Errorf("connection key %q, want %q", got, want)
	}
	if got, want := apiDestinationKey(scope, "d/1"), "apidest.123456789012.us-east-1."+b64("d/1"); got != want {
		t.Errorf("api destination key %q, want %q", got, want)
	}

	// Records written under those keys before the split are read, and
	// the catalog on the same bucket does not see them.
	e := newEnv(t)
	kv, err := e.st.KV(e.ctx, Bucket)
	if err != nil {
		t.Fatal(err)
	}
	old := `{"account":"123456789012","region":"us-east-1","name":"legacy","id":"u-1","authorizationType":"BASIC","state":"AUTHORIZED","auth":{"basic":{"username":"u"}},"authVersion":1,"created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z"}`
	if _, err := kv.Put(e.ctx, "connection.123456789012.us-east-1."+b64("legacy"), []byte(old)); err != nil {
		t.Fatal(err)
	}
	c := e.open(t)
	conn, ok := c.Connection(scope, "legacy")
	if !ok || conn.ID != "u-1" || conn.Auth.Basic == nil || conn.Auth.Basic.Username != "u" || conn.Rev == 0 {
		t.Fatalf("legacy record: %+v %v", conn, ok)
	}
	cat, err := catalog.Open(e.ctx, e.st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bs := cat.Buses(scope); len(bs) != 0 {
		t.Errorf("catalog sees %d buses", len(bs))
	}
}

func TestConnectionWrites(t *testing.T) {
	e := newEnv(t)
	c := e.c1
	conn := e.apiKeyConnection("c", "u-1")
	if err := c.CreateConnection(e.ctx, conn); err != nil {
		t.Fatal(err)
	}
	// Read your writes, on the writer; the other catalog after its watch.
	if got, ok := c.Connection(scope, "c"); !ok || got.ID != "u-1" || got.Rev == 0 {
		t.Fatalf("after create: %+v %v", got, ok)
	}
	e.sync(t, e.c2)
	if _, ok := e.c2.ConnectionByArn(conn.Arn()); !ok {
		t.Fatal("other catalog does not have the connection")
	}
	if err := c.CreateConnection(e.ctx, e.apiKeyConnection("c", "u-2")); !errors.Is(err, ErrExists) {
		t.Errorf("second create: %v", err)
	}

	// UpdateConnection works on a copy and keeps it only when fn agrees.
	if _, err := c.UpdateConnection(e.ctx, scope, "c", func(v *Connection) error {
		v.Description = "changed"
		v.Auth.APIKey.Name = "changed"
		return errors.New("no")
	}); err == nil {
		t.Error("refused update succeeded")
	}
	if got, _ := c.Connection(scope, "c"); got.Description != "" || got.Auth.APIKey.Name != "x-api-key" {
		t.Errorf("a refused update changed the record: %+v", got)
	}
	up, err := c.UpdateConnection(e.ctx, scope, "c", func(v *Connection) error { v.Description = "d"; return nil })
	if err != nil || up.Description != "d" {
		t.Fatalf("update: %+v %v", up, err)
	}
	if got, _ := c.Connection(scope, "c"); got.Rev != up.Rev || got.Description != "d" {
		t.Errorf("record %+v after update returned rev %d", got, up.Rev)
	}
	if _, err := c.UpdateConnection(e.ctx, scope, "nope", func(*Connection) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("update of a missing connection: %v", err)
	}

	// A connection deleted and made again under its name is another one:
	// the old ARN no longer resolves.
	oldArn := conn.Arn()
	gone, err := c.DeleteConnection(e.ctx, scope, "c")
	if err != nil || gone.ID != "u-1" || gone.Description != "d" {
		t.Fatalf("delete: %+v %v", gone, err)
	}
	if _, err := c.DeleteConnection(e.ctx, scope, "c"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if err := c.CreateConnection(e.ctx, e.apiKeyConnection("c", "u-3")); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.ConnectionByArn(oldArn); ok {
		t.Error("the deleted connection's ARN resolves to its successor")
	}
	if _, ok := c.ConnectionByArn(ConnectionArn(scope, "c", "u-3")); !ok {
		t.Error("the new connection's ARN does not resolve")
	}
}

// Two writers racing on one connection lose no change.
func TestConnectionCompareAndSet(t *testing.T) {
	e := newEnv(t)
	if err := e.c1.CreateConnection(e.ctx, e.apiKeyConnection("c", "u-1")); err != nil {
		t.Fatal(err)
	}
	e.sync(t, e.c2)
	calls := 0
	_, err := e.c1.UpdateConnection(e.ctx, scope, "c", func(v *Connection) error {
		calls++
		if calls == 1 {
			if _, err := e.c2.UpdateConnection(e.ctx, scope, "c", func(v *Connection) error { v.Description += "b"; return nil }); err != nil {
				return err
			}
		}
		v.Description += "a"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := e.c1.Connection(scope, "c"); calls != 2 || got.Description != "ba" {
		t.Errorf("fn called %d times, description %q; want 2, %q", calls, got.Description, "ba")
	}
}

// The authorizer is started after a write that leaves a connection
// AUTHORIZING with new state or material, not after other writes.
func TestAuthorizer(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	started := map[string]int{}
	done := make(chan string, 10)
	e.c1.SetConnectionAuthorizer(func(s Scope, name string) {
		mu.Lock()
		started[name]++
		mu.Unlock()
		done <- name
	})
	count := func(name string) int {
		mu.Lock()
		defer mu.Unlock()
		return started[name]
	}
	expect := func(step string, name string, want int) {
		t.Helper()
		if want > count(name) {
			select {
			case <-done:
			case <-time.After(5 * time.Second):
			}
		}
		if got := count(name); got != want {
			t.Errorf("%s: authorizer started %d times for %s, want %d", step, got, name, want)
		}
	}
	oauth := &Connection{Scope: scope, Name: "o", ID: "u-o", AuthorizationType: AuthOAuth, State: ConnectionAuthorizing, AuthVersion: 1}
	if err := e.c1.CreateConnection(e.ctx, oauth); err != nil {
		t.Fatal(err)
	}
	expect("create AUTHORIZING", "o", 1)
	if err := e.c1.CreateConnection(e.ctx, e.apiKeyConnection("k", "u-k")); err != nil {
		t.Fatal(err)
	}
	expect("create AUTHORIZED", "k", 0)
	for _, st := range []struct {
		name string
		fn   func(*Connection)
		want int
	}{
		{"a description", func(v *Connection) { v.Description = "x" }, 1},
		{"new material while AUTHORIZING", func(v *Connection) { v.AuthVersion++ }, 2},
		{"authorized", func(v *Connection) { v.State = ConnectionAuthorized }, 2},
		{"AUTHORIZING again", func(v *Connection) { v.State = ConnectionAuthorizing }, 3},
	} {
		if _, err := e.c1.UpdateConnection(e.ctx, scope, "o", func(v *Connection) error { st.fn(v); return nil }); err != nil {
			t.Fatal(err)
		}
		expect(st.name, "o", st.want)
	}
}

func TestAPIDestinations(t *testing.T) {
	e := newEnv(t)
	c := e.c1
	var mu sync.Mutex
	var changes []Change
	c.Listen(func(ch Change) {
		// Listeners run with no lock held: reading is fine.
		c.Connections(ch.Scope)
		mu.Lock()
		changes = append(changes, ch)
		mu.Unlock()
	})
	conn := e.apiKeyConnection("c", "u-1")
	if err := c.CreateConnection(e.ctx, conn); err != nil {
		t.Fatal(err)
	}
	d := &APIDestination{Scope: scope, Name: "d", ID: "u-d", ConnectionArn: conn.Arn(), InvocationEndpoint: "http://127.0.0.1/x", HTTPMethod: "POST", RateLimit: DefaultInvocationRate}
	if err := c.CreateAPIDestination(e.ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateAPIDestination(e.ctx, d); !errors.Is(err, ErrExists) {
		t.Errorf("second create: %v", err)
	}
	state := func() string {
		got, ok := c.APIDestination(scope, "d")
		if !ok {
			t.Fatal("destination missing")
		}
		return c.APIDestinationState(got)
	}
	if s := state(); s != APIDestinationActive {
		t.Errorf("with an authorized connection: %s", s)
	}
	if _, err := c.UpdateConnection(e.ctx, scope, "c", func(v *Connection) error { v.State = ConnectionDeauthorized; return nil }); err != nil {
		t.Fatal(err)
	}
	if s := state(); s != APIDestinationInactive {
		t.Errorf("with a deauthorized connection: %s", s)
	}
	up, err := c.UpdateAPIDestination(e.ctx, scope, "d", func(v *APIDestination) error { v.RateLimit = 5; return nil })
	if err != nil || up.RateLimit != 5 {
		t.Fatalf("update: %+v %v", up, err)
	}
	if got, _ := c.APIDestination(scope, "d"); got.RateLimit != 5 || got.Rev != up.Rev {
		t.Errorf("after update: %+v", got)
	}
	if _, err := c.DeleteConnection(e.ctx, scope, "c"); err != nil {
		t.Fatal(err)
	}
	if s := state(); s != APIDestinationInactive {
		t.Errorf("without its connection: %s", s)
	}
	if err := c.DeleteAPIDestination(e.ctx, scope, "d"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteAPIDestination(e.ctx, scope, "d"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if ds := c.APIDestinations(scope); len(ds) != 0 {
		t.Errorf("destinations left: %d", len(ds))
	}

	mu.Lock()
	defer mu.Unlock()
	want := []Change{
		{Kind: "connection", Scope: scope, Name: "c"},
		{Kind: "apidest", Scope: scope, Name: "d"},
		{Kind: "connection", Scope: scope, Name: "c"},
		{Kind: "apidest", Scope: scope, Name: "d"},
		{Kind: "connection", Scope: scope, Name: "c", Deleted: true},
		{Kind: "apidest", Scope: scope, Name: "d", Deleted: true},
	}
	if len(changes) != len(want) {
		t.Fatalf("changes %+v, want %+v", changes, want)
	}
	for i := range want {
		if changes[i] != want[i] {
			t.Errorf("change %d: %+v, want %+v", i, changes[i], want[i])
		}
	}
}
