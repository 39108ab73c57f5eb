package target

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard/switchyard/internal/config"
)

type seenRequest struct {
	method, path, rawPath, query, body string
	header                             http.Header
}

func TestAPIGatewayRequest(t *testing.T) {
	var mu sync.Mutex
	var got seenRequest
	status := 200
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = seenRequest{r.Method, r.URL.Path, r.URL.EscapedPath(), r.URL.RawQuery, string(b), r.Header.Clone()}
		s := status
		mu.Unlock()
		w.WriteHeader(s)
	}))
	defer srv.Close()
	reg := NewRegistry()
	for s, k := range AWSKinds(config.Targets{AWS: map[string]config.AWSEndpoint{
		"apigateway": {Endpoint: srv.URL, Region: "us-east-1", AccessKeyID: "AK", SecretAccessKey: "SK"},
	}}) {
		reg.Register(s, k)
	}
	arn := "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/*/PUT/users/*/orders/*"
	target := `{"Arn":"` + arn + `","HttpParameters":{
		"PathParameterValues":["prod","$.detail.user","a b/c"],
		"QueryStringParameters":{"city":"$.detail.city","static":"yes"},
		"HeaderParameters":{"X-User":"$.detail.user","X-Static":"s","Host":"evil","Authorization":"x","X-Amz-Date":"x","X-Amzn-Trace-Id":"x","Content-Length":"1","X-Forwarded-For":"1.2.3.4"}}}`
	if err := reg.Resolve(arn).Invoke(context.Background(), invocation(target, `{"order":1}`)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	g := got
	mu.Unlock()
	if g.method != "PUT" || g.path != "/prod/users/alice/orders/a b/c" || g.rawPath != "/prod/users/alice/orders/a%20b%2Fc" {
		t.Errorf("request line %s %s (%s)", g.method, g.path, g.rawPath)
	}
	// (The signer writes spaces in the query as %20.)
	if g.query != "city=Paris%201er&static=yes" || g.body != `{"order":1}` || g.header.Get("Content-Type") != "application/json" {
		t.Errorf("query %q body %q content type %q", g.query, g.body, g.header.Get("Content-Type"))
	}
	if g.header.Get("X-User") != "alice" || g.header.Get("X-Static") != "s" || g.header.Get("X-Forwarded-For") != "" || g.header.Get("X-Amzn-Trace-Id") != "" {
		t.Errorf("headers %v", g.header)
	}
	// Signed with the configured key (SigV4, execute-api), not with the
	// Authorization header parameter.
	if a := g.header.Get("Authorization"); !strings.Contains(a, "Credential=AK/") || !strings.Contains(a, "/us-east-1/execute-api/aws4_request") {
		t.Errorf("authorization %q", a)
	}

	for _, c := range []struct {
		status    int
		code      string
		retryable bool
	}{
		{204, "", false}, {400, codeErrorFromTarget, false}, {401, CodeNoPermissions, false}, {403, CodeNoPermissions, false},
		{404, CodeNotFound, false}, {429, CodeThrottled, true}, {500, codeErrorFromTarget, true}, {503, codeErrorFromTarget, true},
	} {
		mu.Lock()
		status = c.status
		mu.Unlock()
		err := reg.Resolve(arn).Invoke(context.Background(), invocation(target, `{}`))
		if c.code == "" {
			if err != nil {
				t.Errorf("status %d: %v", c.status, err)
			}
			continue
		}
		var te *Error
		if !errors.As(err, &te) || te.Code != c.code || te.Retryable != c.retryable {
			t.Errorf("status %d: %v, want %s retryable %v", c.status, err, c.code, c.retryable)
		}
	}
}

func TestAPIGatewayURL(t *testing.T) {
	for _, c := range []struct {
		name, endpoint, arn, params, want string
	}{
		{"AWS", "", "arn:aws:execute-api:eu-west-1:1:abc123/prod/POST/pets", ``, "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/pets"},
		{"stage wildcard first", "", "arn:aws:execute-api:us-east-1:1:myapi/*/POST/pets/*", `"HttpParameters":{"PathParameterValues":["dev","7"]},`, "https://myapi.execute-api.us-east-1.amazonaws.com/dev/pets/7"},
		{"root resource", "http://gw.local:8080/", "arn:aws:execute-api:us-east-1:1:abc/prod/GET/", ``, "http://gw.local:8080/prod/"},
		{"LocalStack template", "http://localhost:4566/restapis/{api-id}/{stage}/_user_request_", "arn:aws:execute-api:us-east-1:1:abc/test/ANY/items/*", `"HttpParameters":{"PathParameterValues":["$.detail.n"]},`,
			"http://localhost:4566/restapis/abc/test/_user_request_/items/42"},
		{"missing values keep the wildcard", "http://gw", "arn:aws:execute-api:us-east-1:1:abc/prod/GET/a/*", ``, "http://gw/prod/a/%2A"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := &awsTargets{}
			g := a.apiGateway(mustARN(c.arn)).(*apiGatewayTarget)
			req, err := g.request(context.Background(), config.AWSEndpoint{Endpoint: c.endpoint}, invocation(`{`+c.params+`"Arn":"`+c.arn+`"}`, `{}`))
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Replace(c.want, "%2A", "*", 1)
			if req.URL.String() != want {
				t.Errorf("URL %s, want %s", req.URL, want)
			}
		})
	}
	a := &awsTargets{}
	if _, ok := a.apiGateway(mustARN("arn:aws:execute-api:us-east-1:1:abc")).(unreachable); !ok {
		t.Error("an API id alone is not an invocable ARN")
	}
	if g := a.apiGateway(mustARN("arn:aws:execute-api:us-east-1:1:abc/prod/*/x")).(*apiGatewayTarget); g.method != "POST" {
		t.Errorf("method %s for *", g.method)
	}
}

func TestAPIGatewayTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the 5 second timeout")
	}
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
		}
	}))
	defer srv.Close()
	defer close(done)
	reg := NewRegistry()
	for s, k := range AWSKinds(config.Targets{AWS: map[string]config.AWSEndpoint{"default": {Endpoint: srv.URL}}}) {
		reg.Register(s, k)
	}
	start := time.Now()
	err := reg.Resolve("arn:aws:execute-api:us-east-1:1:abc/prod/POST/x").Invoke(context.Background(), invocation(`{}`, `{}`))
	wantError(t, err, codeTimeout, true)
	if d := time.Since(start); d < apiGatewayTimeout || d > apiGatewayTimeout+2*time.Second {
		t.Errorf("gave up after %s", d)
	}
}
