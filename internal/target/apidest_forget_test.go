package target

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/switchyard/switchyard/internal/connection"
	"github.com/switchyard/switchyard/internal/store"
)

// What is kept per API destination (limiter, plans) and per connection
// (decrypted credentials) goes when the resource is deleted; it used to
// stay for the life of the process.
func TestDeletedDestinationsAreForgotten(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	conns, err := connection.Open(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	t.Cleanup(srv.Close)
	ad := NewAPIDestinations(conns, APIDestinationOptions{DataDir: dir})
	reg := NewRegistry()
	reg.Register("events", EventsKind(ad.Kind))
	box, err := conns.SecretBox()
	if err != nil {
		t.Fatal(err)
	}
	s := connection.Scope{Account: "123456789012", Region: "us-east-1"}
	conn := &connection.Connection{Scope: s, Name: "c", ID: "0000-1", AuthorizationType: connection.AuthAPIKey, State: connection.ConnectionAuthorized, AuthVersion: 1}
	conn.Auth.APIKey = &connection.APIKeyAuth{Name: "x-api-key", Value: box.Seal(conn.Arn(), "k")}
	if err := conns.CreateConnection(ctx, conn); err != nil {
		t.Fatal(err)
	}
	d := &connection.APIDestination{Scope: s, Name: "d", ID: "0000-2", ConnectionArn: conn.Arn(),
		InvocationEndpoint: srv.URL, HTTPMethod: "POST", RateLimit: 100}
	if err := conns.CreateAPIDestination(ctx, d); err != nil {
		t.Fatal(err)
	}
	inv := &Invocation{Account: s.Account, Region: s.Region, EventID: "e", TargetArn: d.Arn(), Config: []byte(`{}`), Event: []byte(`{}`), Payload: []byte(`{}`)}
	if err := reg.Resolve(d.Arn()).Invoke(ctx, inv); err != nil {
		t.Fatal(err)
	}
	count := func() (targets, creds int) {
		ad.mu.RLock()
		targets = len(ad.targets)
		ad.mu.RUnlock()
		ad.creds.Range(func(any, any) bool { creds++; return true })
		return
	}
	if tg, cr := count(); tg != 1 || cr != 1 {
		t.Fatalf("after an invocation: %d targets, %d credentials kept", tg, cr)
	}
	if err := conns.DeleteAPIDestination(ctx, s, "d"); err != nil {
		t.Fatal(err)
	}
	if _, err := conns.DeleteConnection(ctx, s, "c"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		tg, cr := count()
		if tg == 0 && cr == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after deleting: %d targets, %d credentials still kept", tg, cr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
