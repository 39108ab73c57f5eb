package e2e

// Connections and API destinations: the control-plane API with AWS's
// adRequest states and messages, and invocations as an httptest adReceiver
// sees them.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/switchyard/switchyard/internal/config"
	"github.com/switchyard/switchyard/internal/server"
	"github.com/switchyard/switchyard/internal/target"
)

// adRequest is one request a adReceiver saw.
type adRequest struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   string
	At     time.Time
}

// adReceiver is an httptest server recording requests; respond decides the
// answer to the n-th request (1-based).
type adReceiver struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []adRequest
	respond func(n int, r *http.Request, w http.ResponseWriter) int
}

func newADReceiver(t *testing.T, respond func(n int, r *http.Request, w http.ResponseWriter) int) *adReceiver {
	rc := &adReceiver{respond: respond}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, adRequest{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(), Header: r.Header.Clone(), Body: string(body), At: time.Now()})
		n := len(rc.reqs)
		rc.mu.Unlock()
		status := 200
		if rc.respond != nil {
			status = rc.respond(n, r, w)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *adReceiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.reqs)
}

func (rc *adReceiver) wait(t *testing.T, n int, d time.Duration) []adRequest {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if rc.count() >= n {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.reqs) < n {
		t.Fatalf("adReceiver got %d requests, want %d", len(rc.reqs), n)
	}
	return append([]adRequest(nil), rc.reqs...)
}

// startADLogged starts a server whose debug log goes to w.
func startADLogged(t *testing.T, w io.Writer, opts ...func(*config.Config)) *env {
	t.Helper()
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Delivery.MinBackoff = 20 * time.Millisecond
	cfg.Delivery.MaxBackoff = 200 * time.Millisecond
	for _, o := range opts {
		o(&cfg)
	}
	srv := server.New(cfg, server.NewLogger(w, "debug", "json"))
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := srv.Start(c); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	e := clients(t, srv, srv.URL(), testAccount, "us-east-1")
	e.cfg.Region = "us-east-1"
	return e
}

type adLogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *adLogBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *adLogBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (e *env) adConnection(t *testing.T, name string, typ ebtypes.ConnectionAuthorizationType, p *ebtypes.CreateConnectionAuthRequestParameters) string {
	t.Helper()
	out := must(e.eb.CreateConnection(ctx(t), &eventbridge.CreateConnectionInput{Name: aws.String(name), AuthorizationType: typ, AuthParameters: p})).of(t)
	return *out.ConnectionArn
}

func (e *env) adDestination(t *testing.T, name, connArn, endpoint string, method ebtypes.ApiDestinationHttpMethod, ratePerSecond int32) string {
	t.Helper()
	in := &eventbridge.CreateApiDestinationInput{Name: aws.String(name), ConnectionArn: aws.String(connArn), InvocationEndpoint: aws.String(endpoint), HttpMethod: method}
	if ratePerSecond > 0 {
		in.InvocationRateLimitPerSecond = aws.Int32(ratePerSecond)
	}
	return *must(e.eb.CreateApiDestination(ctx(t), in)).of(t).ApiDestinationArn
}

// route makes a rule on the default bus matching source src with one
// API destination target.
func (e *env) adRoute(t *testing.T, rule, src string, tg ebtypes.Target) {
	t.Helper()
	c := ctx(t)
	must(e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String(rule), EventPattern: aws.String(`{"source":["` + src + `"]}`)})).of(t)
	out := must(e.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: aws.String(rule), Targets: []ebtypes.Target{tg}})).of(t)
	if out.FailedEntryCount != 0 {
		t.Fatalf("PutTargets: %+v", out.FailedEntries)
	}
}

func (e *env) adPut(t *testing.T, src, detail string) string {
	t.Helper()
	out := must(e.eb.PutEvents(ctx(t), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{Source: aws.String(src), DetailType: aws.String("Order Placed"), Detail: aws.String(detail), Resources: []string{"arn:aws:x:::r1"}},
	}})).of(t)
	if out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %+v", out.Entries)
	}
	return *out.Entries[0].EventId
}

func (e *env) adConnState(t *testing.T, name string) (string, string) {
	out := must(e.eb.DescribeConnection(ctx(t), &eventbridge.DescribeConnectionInput{Name: aws.String(name)})).of(t)
	return string(out.ConnectionState), aws.ToString(out.StateReason)
}

func (e *env) adWaitConnState(t *testing.T, name, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, reason := e.adConnState(t, name)
		if st == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("connection %s is %s (%s), want %s", name, st, reason, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func adBasic(user, pass string) *ebtypes.CreateConnectionAuthRequestParameters {
	return &ebtypes.CreateConnectionAuthRequestParameters{BasicAuthParameters: &ebtypes.CreateConnectionBasicAuthRequestParameters{Username: aws.String(user), Password: aws.String(pass)}}
}

func TestConnectionLifecycle(t *testing.T) {
	e := start(t)
	c := ctx(t)
	before := time.Now().Add(-time.Second)

	// API_KEY with empty InvocationHttpParameters, as AWS's adRequest test.
	out := must(e.eb.CreateConnection(c, &eventbridge.CreateConnectionInput{
		Name: aws.String("key-conn"), AuthorizationType: ebtypes.ConnectionAuthorizationTypeApiKey,
		AuthParameters: &ebtypes.CreateConnectionAuthRequestParameters{
			ApiKeyAuthParameters:     &ebtypes.CreateConnectionApiKeyAuthRequestParameters{ApiKeyName: aws.String("ApiKey"), ApiKeyValue: aws.String("secret")},
			InvocationHttpParameters: &ebtypes.ConnectionHttpParameters{},
		},
	})).of(t)
	arn := aws.ToString(out.ConnectionArn)
	if !strings.HasPrefix(arn, "arn:aws:events:us-east-1:"+testAccount+":connection/key-conn/") || len(strings.TrimPrefix(arn, "arn:aws:events:us-east-1:"+testAccount+":connection/key-conn/")) != 36 {
		t.Errorf("ConnectionArn %s", arn)
	}
	if out.ConnectionState != ebtypes.ConnectionStateAuthorized || out.CreationTime == nil || out.LastModifiedTime == nil || out.CreationTime.Before(before) {
		t.Errorf("create: %+v", out)
	}
	d := must(e.eb.DescribeConnection(c, &eventbridge.DescribeConnectionInput{Name: aws.String("key-conn")})).of(t)
	if aws.ToString(d.ConnectionArn) != arn || aws.ToString(d.Name) != "key-conn" || d.ConnectionState != ebtypes.ConnectionStateAuthorized ||
		d.AuthorizationType != ebtypes.ConnectionAuthorizationTypeApiKey || d.LastAuthorizedTime == nil ||
		d.AuthParameters == nil || d.AuthParameters.ApiKeyAuthParameters == nil || aws.ToString(d.AuthParameters.ApiKeyAuthParameters.ApiKeyName) != "ApiKey" ||
		d.AuthParameters.InvocationHttpParameters == nil {
		t.Errorf("describe: %+v", d)
	}
	if !strings.HasPrefix(aws.ToString(d.SecretArn), "arn:aws:secretsmanager:us-east-1:"+testAccount+":secret:events!connection/key-conn/") {
		t.Errorf("SecretArn %s", aws.ToString(d.SecretArn))
	}

	// BASIC; describe shows the user name only.
	e.adConnection(t, "basic-conn", ebtypes.ConnectionAuthorizationTypeBasic, adBasic("user", "pass"))
	d = must(e.eb.DescribeConnection(c, &eventbridge.DescribeConnectionInput{Name: aws.String("basic-conn")})).of(t)
	if d.AuthParameters.BasicAuthParameters == nil || aws.ToString(d.AuthParameters.BasicAuthParameters.Username) != "user" || d.AuthParameters.InvocationHttpParameters != nil {
		t.Errorf("basic describe: %+v", d.AuthParameters)
	}

	// OAuth against an endpoint that refuses: AUTHORIZING, then DEAUTHORIZED.
	refuse := newADReceiver(t, func(int, *http.Request, http.ResponseWriter) int { return 401 })
	oc := must(e.eb.CreateConnection(c, &eventbridge.CreateConnectionInput{
		Name: aws.String("oauth-conn"), AuthorizationType: ebtypes.ConnectionAuthorizationTypeOauthClientCredentials,
		AuthParameters: &ebtypes.CreateConnectionAuthRequestParameters{OAuthParameters: &ebtypes.CreateConnectionOAuthRequestParameters{
			AuthorizationEndpoint: aws.String(refuse.URL + "/token"), HttpMethod: ebtypes.ConnectionOAuthHttpMethodPost,
			ClientParameters: &ebtypes.CreateConnectionOAuthClientRequestParameters{ClientID: aws.String("client_id"), ClientSecret: aws.String("client_secret")},
		}},
	})).of(t)
	if oc.ConnectionState != ebtypes.ConnectionStateAuthorizing {
		t.Errorf("OAuth create state %s, want AUTHORIZING", oc.ConnectionState)
	}
	e.adWaitConnState(t, "oauth-conn", "DEAUTHORIZED")
	if _, reason := e.adConnState(t, "oauth-conn"); !strings.Contains(reason, "401") {
		t.Errorf("StateReason %q", reason)
	}
	d = must(e.eb.DescribeConnection(c, &eventbridge.DescribeConnectionInput{Name: aws.String("oauth-conn")})).of(t)
	o := d.AuthParameters.OAuthParameters
	if o == nil || aws.ToString(o.ClientParameters.ClientID) != "client_id" || o.HttpMethod != ebtypes.ConnectionOAuthHttpMethodPost || aws.ToString(o.AuthorizationEndpoint) != refuse.URL+"/token" {
		t.Errorf("oauth describe: %+v", o)
	}

	// List: filters and pagination.
	l := must(e.eb.ListConnections(c, &eventbridge.ListConnectionsInput{NamePrefix: aws.String("basic")})).of(t)
	if len(l.Connections) != 1 || aws.ToString(l.Connections[0].Name) != "basic-conn" || l.Connections[0].AuthorizationType != ebtypes.ConnectionAuthorizationTypeBasic ||
		l.Connections[0].LastAuthorizedTime == nil || l.Connections[0].ConnectionState != ebtypes.ConnectionStateAuthorized {
		t.Errorf("list: %+v", l.Connections)
	}
	l = must(e.eb.ListConnections(c, &eventbridge.ListConnectionsInput{ConnectionState: ebtypes.ConnectionStateDeauthorized})).of(t)
	if len(l.Connections) != 1 || aws.ToString(l.Connections[0].Name) != "oauth-conn" {
		t.Errorf("list DEAUTHORIZED: %+v", l.Connections)
	}
	var names []string
	var token *string
	for i := 0; ; i++ {
		p := must(e.eb.ListConnections(c, &eventbridge.ListConnectionsInput{Limit: aws.Int32(2), NextToken: token})).of(t)
		for _, x := range p.Connections {
			names = append(names, aws.ToString(x.Name))
		}
		if token = p.NextToken; token == nil || i > 5 {
			break
		}
	}
	if strings.Join(names, ",") != "basic-conn,key-conn,oauth-conn" {
		t.Errorf("paged names %v", names)
	}

	// Update: new credentials; AWS answers AUTHORIZED for BASIC.
	u := must(e.eb.UpdateConnection(c, &eventbridge.UpdateConnectionInput{Name: aws.String("basic-conn"), AuthorizationType: ebtypes.ConnectionAuthorizationTypeBasic,
		AuthParameters: &ebtypes.UpdateConnectionAuthRequestParameters{BasicAuthParameters: &ebtypes.UpdateConnectionBasicAuthRequestParameters{Username: aws.String("new_user"), Password: aws.String("new_pass")}, InvocationHttpParameters: &ebtypes.ConnectionHttpParameters{}},
	})).of(t)
	if u.ConnectionState != ebtypes.ConnectionStateAuthorized || u.LastAuthorizedTime == nil || u.CreationTime == nil {
		t.Errorf("update: %+v", u)
	}
	d = must(e.eb.DescribeConnection(c, &eventbridge.DescribeConnectionInput{Name: aws.String("basic-conn")})).of(t)
	if aws.ToString(d.AuthParameters.BasicAuthParameters.Username) != "new_user" || d.AuthParameters.InvocationHttpParameters == nil {
		t.Errorf("updated describe: %+v", d.AuthParameters)
	}

	// Deauthorize: DEAUTHORIZING in the answer, DEAUTHORIZED after; the
	// secret is gone. Updating with a password authorizes it again.
	da := must(e.eb.DeauthorizeConnection(c, &eventbridge.DeauthorizeConnectionInput{Name: aws.String("basic-conn")})).of(t)
	if da.ConnectionState != ebtypes.ConnectionStateDeauthorizing || aws.ToString(da.ConnectionArn) == "" {
		t.Errorf("deauthorize: %+v", da)
	}
	d = must(e.eb.DescribeConnection(c, &eventbridge.DescribeConnectionInput{Name: aws.String("basic-conn")})).of(t)
	if d.ConnectionState != ebtypes.ConnectionStateDeauthorized || d.SecretArn != nil {
		t.Errorf("after deauthorize: %s %v", d.ConnectionState, d.SecretArn)
	}
	u = must(e.eb.UpdateConnection(c, &eventbridge.UpdateConnectionInput{Name: aws.String("basic-conn"),
		AuthParameters: &ebtypes.UpdateConnectionAuthRequestParameters{BasicAuthParameters: &ebtypes.UpdateConnectionBasicAuthRequestParameters{Password: aws.String("again")}}})).of(t)
	if u.ConnectionState != ebtypes.ConnectionStateAuthorized {
		t.Errorf("re-authorize: %s", u.ConnectionState)
	}

	// Delete: AWS answers DELETING; then it does not exist.
	del := must(e.eb.DeleteConnection(c, &eventbridge.DeleteConnectionInput{Name: aws.String("key-conn")})).of(t)
	if del.ConnectionState != ebtypes.ConnectionStateDeleting || aws.ToString(del.ConnectionArn) != arn || del.LastAuthorizedTime == nil {
		t.Errorf("delete: %+v", del)
	}
	_, err := e.eb.DescribeConnection(c, &eventbridge.DescribeConnectionInput{Name: aws.String("key-conn")})
	wantErr(t, err, "ResourceNotFoundException", "Failed to describe the connection(s). Connection 'key-conn' does not exist.")
	_, err = e.eb.DeleteConnection(c, &eventbridge.DeleteConnectionInput{Name: aws.String("key-conn")})
	wantErr(t, err, "ResourceNotFoundException", "Failed to delete the connection(s). Connection 'key-conn' does not exist.")
	_, err = e.eb.CreateConnection(c, &eventbridge.CreateConnectionInput{Name: aws.String("basic-conn"), AuthorizationType: ebtypes.ConnectionAuthorizationTypeBasic, AuthParameters: adBasic("a", "b")})
	wantCode(t, err, "ResourceAlreadyExistsException")
}

func TestConnectionValidation(t *testing.T) {
	e := start(t)
	c := ctx(t)
	// AWS's adRequest messages.
	_, err := e.eb.CreateConnection(c, &eventbridge.CreateConnectionInput{Name: aws.String("c1"), AuthorizationType: "INVALID_AUTH_TYPE", AuthParameters: &ebtypes.CreateConnectionAuthRequestParameters{}})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value 'INVALID_AUTH_TYPE' at 'authorizationType' failed to satisfy constraint: Member must satisfy enum value set: [BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY]")
	_, err = e.eb.CreateConnection(c, &eventbridge.CreateConnectionInput{Name: aws.String("Invalid Name With Spaces!"), AuthorizationType: ebtypes.ConnectionAuthorizationTypeApiKey,
		AuthParameters: &ebtypes.CreateConnectionAuthRequestParameters{ApiKeyAuthParameters: &ebtypes.CreateConnectionApiKeyAuthRequestParameters{ApiKeyName: aws.String("ApiKey"), ApiKeyValue: aws.String("secret")}, InvocationHttpParameters: &ebtypes.ConnectionHttpParameters{}}})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value 'Invalid Name With Spaces!' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+")
	long := "This should fail with two errors 123467890123412341234123412341234"
	_, err = e.eb.CreateConnection(c, &eventbridge.CreateConnectionInput{Name: aws.String(long), AuthorizationType: "INVALID", AuthParameters: adBasic("u", "p")})
	wantErr(t, err, "ValidationException", "3 validation errors detected: Value '"+long+"' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+; Value '"+long+"' at 'name' failed to satisfy constraint: Member must have length less than or equal to 64; Value 'INVALID' at 'authorizationType' failed to satisfy constraint: Member must satisfy enum value set: [BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY]")
	_, err = e.eb.CreateApiDestination(c, &eventbridge.CreateApiDestinationInput{Name: aws.String("d"), ConnectionArn: aws.String("invalid-connection-arn"), HttpMethod: "INVALID_METHOD", InvocationEndpoint: aws.String("invalid-endpoint")})
	wantErr(t, err, "ValidationException", "2 validation errors detected: Value 'invalid-connection-arn' at 'connectionArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws([a-z]|\\-)*:events:([a-z]|\\d|\\-)*:([0-9]{12})?:connection\\/[\\.\\-_A-Za-z0-9]+\\/[\\-A-Za-z0-9]+$; Value 'INVALID_METHOD' at 'httpMethod' failed to satisfy constraint: Member must satisfy enum value set: [HEAD, POST, PATCH, DELETE, PUT, GET, OPTIONS]")
	_, err = e.eb.DescribeApiDestination(c, &eventbridge.DescribeApiDestinationInput{Name: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", "Failed to describe the api-destination(s). An api-destination 'nope' does not exist.")
	// Parameters that do not fit the authorization type.
	_, err = e.eb.CreateConnection(c, &eventbridge.CreateConnectionInput{Name: aws.String("c2"), AuthorizationType: ebtypes.ConnectionAuthorizationTypeApiKey, AuthParameters: adBasic("u", "p")})
	wantCode(t, err, "ValidationException")
	connArn := e.adConnection(t, "c3", ebtypes.ConnectionAuthorizationTypeBasic, adBasic("u", "p"))
	_, err = e.eb.CreateApiDestination(c, &eventbridge.CreateApiDestinationInput{Name: aws.String("d"), ConnectionArn: aws.String(connArn), HttpMethod: "POST", InvocationEndpoint: aws.String("ftp://example.com/x")})
	wantErr(t, err, "ValidationException", "Failed to create the api-destination(s). Parameter InvocationEndpoint is not valid. Reason: Endpoint 'ftp://example.com/x' is invalid, please provide a valid HTTPS endpoint URL.")
	missing := strings.Replace(connArn, "/c3/", "/gone/", 1)
	_, err = e.eb.CreateApiDestination(c, &eventbridge.CreateApiDestinationInput{Name: aws.String("d"), ConnectionArn: aws.String(missing), HttpMethod: "POST", InvocationEndpoint: aws.String("https://example.com/x")})
	wantErr(t, err, "ResourceNotFoundException", "Failed to create the api-destination(s). Connection 'gone' does not exist.")
}

func TestAPIDestinationLifecycle(t *testing.T) {
	e := start(t)
	c := ctx(t)
	connArn := e.adConnection(t, "conn", ebtypes.ConnectionAuthorizationTypeBasic, adBasic("user", "pass"))
	out := must(e.eb.CreateApiDestination(c, &eventbridge.CreateApiDestinationInput{Name: aws.String("dest"), ConnectionArn: aws.String(connArn),
		HttpMethod: "POST", InvocationEndpoint: aws.String("https://example.com/api"), Description: aws.String("Test API destination")})).of(t)
	if out.ApiDestinationState != ebtypes.ApiDestinationStateActive || !strings.HasPrefix(aws.ToString(out.ApiDestinationArn), "arn:aws:events:us-east-1:"+testAccount+":api-destination/dest/") || out.CreationTime == nil {
		t.Errorf("create: %+v", out)
	}
	d := must(e.eb.DescribeApiDestination(c, &eventbridge.DescribeApiDestinationInput{Name: aws.String("dest")})).of(t)
	if aws.ToInt32(d.InvocationRateLimitPerSecond) != 300 || aws.ToString(d.Description) != "Test API destination" || d.HttpMethod != "POST" ||
		aws.ToString(d.ConnectionArn) != connArn || aws.ToString(d.InvocationEndpoint) != "https://example.com/api" || d.ApiDestinationState != ebtypes.ApiDestinationStateActive {
		t.Errorf("describe: %+v", d)
	}
	l := must(e.eb.ListApiDestinations(c, &eventbridge.ListApiDestinationsInput{NamePrefix: aws.String("dest")})).of(t)
	if len(l.ApiDestinations) != 1 || aws.ToInt32(l.ApiDestinations[0].InvocationRateLimitPerSecond) != 300 {
		t.Errorf("list: %+v", l.ApiDestinations)
	}
	u := must(e.eb.UpdateApiDestination(c, &eventbridge.UpdateApiDestinationInput{Name: aws.String("dest"), ConnectionArn: aws.String(connArn), HttpMethod: "PUT",
		InvocationEndpoint: aws.String("https://example.com/api/v2"), Description: aws.String("Updated API destination")})).of(t)
	if u.ApiDestinationState != ebtypes.ApiDestinationStateActive {
		t.Errorf("update: %+v", u)
	}
	d = must(e.eb.DescribeApiDestination(c, &eventbridge.DescribeApiDestinationInput{Name: aws.String("dest")})).of(t)
	if d.HttpMethod != "PUT" || aws.ToString(d.InvocationEndpoint) != "https://example.com/api/v2" || aws.ToString(d.Description) != "Updated API destination" || aws.ToInt32(d.InvocationRateLimitPerSecond) != 300 {
		t.Errorf("updated: %+v", d)
	}
	// INACTIVE while the connection is not authorized.
	must(e.eb.DeauthorizeConnection(c, &eventbridge.DeauthorizeConnectionInput{Name: aws.String("conn")})).of(t)
	if d := must(e.eb.DescribeApiDestination(c, &eventbridge.DescribeApiDestinationInput{Name: aws.String("dest")})).of(t); d.ApiDestinationState != ebtypes.ApiDestinationStateInactive {
		t.Errorf("state with a deauthorized connection: %s", d.ApiDestinationState)
	}
	for i := range 3 {
		e.adDestination(t, fmt.Sprintf("page-%d", i), connArn, "https://example.com/p", "POST", 10)
	}
	var names []string
	var token *string
	for {
		p := must(e.eb.ListApiDestinations(c, &eventbridge.ListApiDestinationsInput{Limit: aws.Int32(2), NextToken: token, ConnectionArn: aws.String(connArn)})).of(t)
		for _, x := range p.ApiDestinations {
			names = append(names, aws.ToString(x.Name))
		}
		if token = p.NextToken; token == nil {
			break
		}
	}
	if strings.Join(names, ",") != "dest,page-0,page-1,page-2" {
		t.Errorf("paged %v", names)
	}
	must(e.eb.DeleteApiDestination(c, &eventbridge.DeleteApiDestinationInput{Name: aws.String("dest")})).of(t)
	_, err := e.eb.DescribeApiDestination(c, &eventbridge.DescribeApiDestinationInput{Name: aws.String("dest")})
	wantErr(t, err, "ResourceNotFoundException", "Failed to describe the api-destination(s). An api-destination 'dest' does not exist.")
	_, err = e.eb.DeleteApiDestination(c, &eventbridge.DeleteApiDestinationInput{Name: aws.String("dest")})
	wantErr(t, err, "ResourceNotFoundException", "Failed to delete the api-destination(s). An api-destination 'dest' does not exist.")
}

// adTarget is a rule target for an API destination.
func adTarget(arn string, hp *ebtypes.HttpParameters) ebtypes.Target {
	return ebtypes.Target{Id: aws.String("api"), Arn: aws.String(arn), RoleArn: aws.String("arn:aws:iam::" + testAccount + ":role/eb"), HttpParameters: hp}
}

// The exact requests, for each authorization type.
func TestAPIDestinationRequests(t *testing.T) {
	e := start(t)
	rc := newADReceiver(t, nil)
	hp := &ebtypes.HttpParameters{
		PathParameterValues:   []string{"orders", "a b/c"},
		HeaderParameters:      map[string]string{"X-Target": "t", "X-Both": "from-target", "Host": "evil", "User-Agent": "mine"},
		QueryStringParameters: map[string]string{"tq": "1", "both": "target"},
	}
	inv := &ebtypes.ConnectionHttpParameters{
		HeaderParameters:      []ebtypes.ConnectionHeaderParameter{{Key: aws.String("X-Both"), Value: aws.String("from-conn")}, {Key: aws.String("X-Secret-H"), Value: aws.String("hsecret"), IsValueSecret: true}},
		QueryStringParameters: []ebtypes.ConnectionQueryStringParameter{{Key: aws.String("both"), Value: aws.String("conn")}, {Key: aws.String("cq"), Value: aws.String("2")}},
		BodyParameters:        []ebtypes.ConnectionBodyParameter{{Key: aws.String("extra"), Value: aws.String("b1")}},
	}
	cases := []struct {
		name string
		typ  ebtypes.ConnectionAuthorizationType
		p    *ebtypes.CreateConnectionAuthRequestParameters
		want func(h http.Header) bool
	}{
		{"basic", ebtypes.ConnectionAuthorizationTypeBasic,
			&ebtypes.CreateConnectionAuthRequestParameters{BasicAuthParameters: &ebtypes.CreateConnectionBasicAuthRequestParameters{Username: aws.String("user"), Password: aws.String("pass")}, InvocationHttpParameters: inv},
			func(h http.Header) bool {
				return h.Get("Authorization") == "Basic "+base64.StdEncoding.EncodeToString([]byte("user:pass"))
			}},
		{"apikey", ebtypes.ConnectionAuthorizationTypeApiKey,
			&ebtypes.CreateConnectionAuthRequestParameters{ApiKeyAuthParameters: &ebtypes.CreateConnectionApiKeyAuthRequestParameters{ApiKeyName: aws.String("x-api-key"), ApiKeyValue: aws.String("k3y")}, InvocationHttpParameters: inv},
			func(h http.Header) bool { return h.Get("X-Api-Key") == "k3y" && h.Get("Authorization") == "" }},
	}
	for i, tc := range cases {
		connArn := e.adConnection(t, "conn-"+tc.name, tc.typ, tc.p)
		destArn := e.adDestination(t, "dest-"+tc.name, connArn, rc.URL+"/v1/*/items/*?fixed=yes", "PUT", 0)
		src := "app." + tc.name
		e.adRoute(t, "rule-"+tc.name, src, adTarget(destArn, hp))
		id := e.adPut(t, src, `{"n":1}`)
		got := rc.wait(t, i+1, 15*time.Second)[i]
		if got.Method != "PUT" || got.Path != "/v1/orders/items/a%20b%2Fc" {
			t.Errorf("%s: %s %s", tc.name, got.Method, got.Path)
		}
		if q := got.Query; q.Get("fixed") != "yes" || q.Get("tq") != "1" || q.Get("cq") != "2" || q.Get("both") != "conn" || len(q["both"]) != 1 {
			t.Errorf("%s: query %v", tc.name, q)
		}
		h := got.Header
		if h.Get("User-Agent") != "Amazon/EventBridge/ApiDestinations" || h.Get("Content-Type") != "application/json; charset=utf-8" ||
			h.Get("Range") != "bytes=0-1048575" || h.Get("Accept-Encoding") != "gzip,deflate" || h.Get("X-Target") != "t" ||
			h.Get("X-Both") != "from-conn" || h.Get("X-Secret-H") != "hsecret" || !tc.want(h) {
			t.Errorf("%s: headers %v", tc.name, h)
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(got.Body), &ev); err != nil || ev["id"] != id || ev["extra"] != "b1" || ev["source"] != src {
			t.Errorf("%s: body %s", tc.name, got.Body)
		}
	}
}

// OAuth: one token exchange for many events, a refresh on 401, and the
// token request as the connection describes it.
func TestAPIDestinationOAuth(t *testing.T) {
	e := start(t)
	var tokens atomic.Int64
	var tokenReqs []adRequest
	var mu sync.Mutex
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		tokenReqs = append(tokenReqs, adRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: string(body)})
		mu.Unlock()
		n := tokens.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"bearer","expires_in":3600}`, n)
	}))
	defer auth.Close()
	var revoked atomic.Value
	revoked.Store("")
	rc := newADReceiver(t, func(n int, r *http.Request, w http.ResponseWriter) int {
		if r.Header.Get("Authorization") == revoked.Load().(string) {
			return 401
		}
		return 200
	})
	out := must(e.eb.CreateConnection(ctx(t), &eventbridge.CreateConnectionInput{
		Name: aws.String("oauth"), AuthorizationType: ebtypes.ConnectionAuthorizationTypeOauthClientCredentials,
		AuthParameters: &ebtypes.CreateConnectionAuthRequestParameters{OAuthParameters: &ebtypes.CreateConnectionOAuthRequestParameters{
			AuthorizationEndpoint: aws.String(auth.URL + "/oauth/token"), HttpMethod: ebtypes.ConnectionOAuthHttpMethodPost,
			ClientParameters: &ebtypes.CreateConnectionOAuthClientRequestParameters{ClientID: aws.String("id"), ClientSecret: aws.String("password")},
			OAuthHttpParameters: &ebtypes.ConnectionHttpParameters{
				BodyParameters:        []ebtypes.ConnectionBodyParameter{{Key: aws.String("audience"), Value: aws.String("api://x")}},
				HeaderParameters:      []ebtypes.ConnectionHeaderParameter{{Key: aws.String("oauthheader"), Value: aws.String("value2")}},
				QueryStringParameters: []ebtypes.ConnectionQueryStringParameter{{Key: aws.String("oauthquery"), Value: aws.String("value3")}},
			},
		}},
	})).of(t)
	if out.ConnectionState != ebtypes.ConnectionStateAuthorizing {
		t.Errorf("create state %s", out.ConnectionState)
	}
	e.adWaitConnState(t, "oauth", "AUTHORIZED")
	destArn := e.adDestination(t, "dest", *out.ConnectionArn, rc.URL+"/hook", "POST", 0)
	if d := must(e.eb.DescribeApiDestination(ctx(t), &eventbridge.DescribeApiDestinationInput{Name: aws.String("dest")})).of(t); d.ApiDestinationState != ebtypes.ApiDestinationStateActive {
		t.Errorf("destination %s", d.ApiDestinationState)
	}
	e.adRoute(t, "r", "app", adTarget(destArn, nil))
	for range 5 {
		e.adPut(t, "app", `{}`)
	}
	reqs := rc.wait(t, 5, 15*time.Second)
	if tokens.Load() != 1 {
		t.Errorf("token exchanges %d, want 1 (cached)", tokens.Load())
	}
	for _, r := range reqs {
		if r.Header.Get("Authorization") != "Bearer tok-1" {
			t.Errorf("Authorization %q", r.Header.Get("Authorization"))
		}
	}
	mu.Lock()
	tr := tokenReqs[0]
	mu.Unlock()
	form, _ := url.ParseQuery(tr.Body)
	if tr.Method != "POST" || tr.Path != "/oauth/token" || tr.Query.Get("oauthquery") != "value3" || tr.Header.Get("oauthheader") != "value2" ||
		tr.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte("id:password")) ||
		form.Get("grant_type") != "client_credentials" || form.Get("audience") != "api://x" {
		t.Errorf("token request %+v", tr)
	}
	// The endpoint rejects the token: refreshed, and the event delivered.
	revoked.Store("Bearer tok-1")
	e.adPut(t, "app", `{}`)
	reqs = rc.wait(t, 7, 15*time.Second)
	if last := reqs[6]; last.Header.Get("Authorization") != "Bearer tok-2" || tokens.Load() != 2 {
		t.Errorf("after 401: %q, %d exchanges", last.Header.Get("Authorization"), tokens.Load())
	}
}

// receive returns DLQ messages with their attributes.
func (e *env) adDeadLetters(t *testing.T, url string, n int) []map[string]string {
	t.Helper()
	var out []map[string]string
	deadline := time.Now().Add(20 * time.Second)
	for len(out) < n && time.Now().Before(deadline) {
		r := must(e.sqs.ReceiveMessage(ctx(t), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: []string{"All"}})).of(t)
		for _, m := range r.Messages {
			a := map[string]string{"body": aws.ToString(m.Body)}
			for k, v := range m.MessageAttributes {
				a[k] = aws.ToString(v.StringValue)
			}
			out = append(out, a)
		}
	}
	if len(out) < n {
		t.Fatalf("%d dead letters, want %d", len(out), n)
	}
	return out
}

func TestAPIDestinationRetriesAndDeadLetters(t *testing.T) {
	e := start(t)
	dlqURL, dlqArn := e.queue("dlq")
	connArn := e.adConnection(t, "conn", ebtypes.ConnectionAuthorizationTypeApiKey, &ebtypes.CreateConnectionAuthRequestParameters{ApiKeyAuthParameters: &ebtypes.CreateConnectionApiKeyAuthRequestParameters{ApiKeyName: aws.String("k"), ApiKeyValue: aws.String("v")}})
	policy := &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(2), MaximumEventAgeInSeconds: aws.Int32(3600)}
	dlq := &ebtypes.DeadLetterConfig{Arn: aws.String(dlqArn)}

	// 503 always: 1 + 2 attempts, then the DLQ with the exhausted condition.
	r503 := newADReceiver(t, func(int, *http.Request, http.ResponseWriter) int { return 503 })
	d503 := e.adDestination(t, "d503", connArn, r503.URL, "POST", 0)
	tg := adTarget(d503, nil)
	tg.RetryPolicy, tg.DeadLetterConfig = policy, dlq
	e.adRoute(t, "r503", "s503", tg)
	id := e.adPut(t, "s503", `{}`)
	dl := e.adDeadLetters(t, dlqURL, 1)[0]
	if r503.count() != 3 || dl["ERROR_CODE"] != "SDK_CLIENT_ERROR" || dl["RETRY_ATTEMPTS"] != "2" || dl["EXHAUSTED_RETRY_CONDITION"] == "" ||
		dl["TARGET_ARN"] != d503 || !strings.Contains(dl["ERROR_MESSAGE"], "503") || !strings.Contains(dl["body"], id) {
		t.Errorf("503: %d requests, dead letter %v", r503.count(), dl)
	}

	// 429 with Retry-After: 1 is retried no sooner than a second later.
	r429 := newADReceiver(t, func(n int, r *http.Request, w http.ResponseWriter) int {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			return 429
		}
		return 200
	})
	d429 := e.adDestination(t, "d429", connArn, r429.URL, "POST", 0)
	tg = adTarget(d429, nil)
	tg.RetryPolicy, tg.DeadLetterConfig = policy, dlq
	e.adRoute(t, "r429", "s429", tg)
	e.adPut(t, "s429", `{}`)
	reqs := r429.wait(t, 2, 15*time.Second)
	if gap := reqs[1].At.Sub(reqs[0].At); gap < 950*time.Millisecond {
		t.Errorf("retry after %v, Retry-After asked for 1s", gap)
	}

	// 400: not retried, straight to the DLQ with no exhausted condition.
	r400 := newADReceiver(t, func(int, *http.Request, http.ResponseWriter) int { return 400 })
	d400 := e.adDestination(t, "d400", connArn, r400.URL, "POST", 0)
	tg = adTarget(d400, nil)
	tg.RetryPolicy, tg.DeadLetterConfig = policy, dlq
	e.adRoute(t, "r400", "s400", tg)
	e.adPut(t, "s400", `{}`)
	dl = e.adDeadLetters(t, dlqURL, 1)[0]
	time.Sleep(300 * time.Millisecond)
	if _, ok := dl["EXHAUSTED_RETRY_CONDITION"]; ok || r400.count() != 1 || dl["RETRY_ATTEMPTS"] != "0" || dl["ERROR_CODE"] != "SDK_CLIENT_ERROR" || !strings.Contains(dl["ERROR_MESSAGE"], "400") {
		t.Errorf("400: %d requests, dead letter %v", r400.count(), dl)
	}

	// Unreachable endpoint: AWS's adRequest text.
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	dDead := e.adDestination(t, "ddead", connArn, deadURL, "POST", 0)
	tg = adTarget(dDead, nil)
	tg.RetryPolicy, tg.DeadLetterConfig = &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(0), MaximumEventAgeInSeconds: aws.Int32(60)}, dlq
	e.adRoute(t, "rdead", "sdead", tg)
	e.adPut(t, "sdead", `{}`)
	dl = e.adDeadLetters(t, dlqURL, 1)[0]
	if dl["ERROR_CODE"] != "SDK_CLIENT_ERROR" || dl["ERROR_MESSAGE"] != "Unable to invoke ApiDestination endpoint: API destination endpoint cannot be reached." {
		t.Errorf("unreachable: %v", dl)
	}

	// 401 to BASIC/API key credentials de-authorizes the connection.
	r401 := newADReceiver(t, func(int, *http.Request, http.ResponseWriter) int { return 401 })
	conn2 := e.adConnection(t, "conn2", ebtypes.ConnectionAuthorizationTypeBasic, adBasic("u", "p"))
	d401 := e.adDestination(t, "d401", conn2, r401.URL, "POST", 0)
	tg = adTarget(d401, nil)
	tg.RetryPolicy, tg.DeadLetterConfig = &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(0), MaximumEventAgeInSeconds: aws.Int32(60)}, dlq
	e.adRoute(t, "r401", "s401", tg)
	e.adPut(t, "s401", `{}`)
	e.adWaitConnState(t, "conn2", "DEAUTHORIZED")
}

// The rate limit holds within 10% under load, and no event is lost.
func TestAPIDestinationRateLimit(t *testing.T) {
	e := start(t)
	rc := newADReceiver(t, nil)
	connArn := e.adConnection(t, "conn", ebtypes.ConnectionAuthorizationTypeApiKey, &ebtypes.CreateConnectionAuthRequestParameters{ApiKeyAuthParameters: &ebtypes.CreateConnectionApiKeyAuthRequestParameters{ApiKeyName: aws.String("k"), ApiKeyValue: aws.String("v")}})
	const limit, n = 50, 300
	destArn := e.adDestination(t, "dest", connArn, rc.URL, "POST", limit)
	e.adRoute(t, "r", "app", adTarget(destArn, nil))
	var wg sync.WaitGroup
	for w := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n / 10 / 10 {
				entries := make([]ebtypes.PutEventsRequestEntry, 10)
				for j := range entries {
					entries[j] = ebtypes.PutEventsRequestEntry{Source: aws.String("app"), DetailType: aws.String("t"), Detail: aws.String(fmt.Sprintf(`{"w":%d,"i":%d,"j":%d}`, w, i, j))}
				}
				out, err := e.eb.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: entries})
				if err != nil || out.FailedEntryCount != 0 {
					t.Errorf("PutEvents: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	reqs := rc.wait(t, n, 30*time.Second)
	time.Sleep(200 * time.Millisecond)
	ids := map[string]bool{}
	for _, r := range rc.wait(t, n, time.Second) {
		var ev struct{ ID string }
		_ = json.Unmarshal([]byte(r.Body), &ev)
		ids[ev.ID] = true
	}
	if len(ids) != n {
		t.Errorf("%d distinct events delivered, want %d", len(ids), n)
	}
	times := make([]time.Time, len(reqs))
	for i, r := range reqs {
		times[i] = r.At
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	// Skip the first second's burst allowance; measure the steady rate.
	got := float64(n-1) / times[n-1].Sub(times[0]).Seconds()
	worst := 0
	for i := range times {
		j := i
		for j < len(times) && times[j].Sub(times[i]) < time.Second {
			j++
		}
		worst = max(worst, j-i)
	}
	t.Logf("rate %.1f/s over %d requests, busiest second %d", got, n, worst)
	// The limit is an upper bound: the steady rate must not exceed it by
	// more than 10%. A lower rate only means a busy machine (the test does
	// not time the machine), and a stalled process can bunch a few
	// requests that were each admitted on time, so a single second may
	// hold somewhat more than the limit.
	if got > limit*1.1 || worst > limit*3/2 {
		t.Errorf("rate %.1f/s (busiest second %d), limit %d", got, worst, limit)
	}
}

// Secrets are not in API answers, logs or the data directory.
func TestConnectionSecretsStayHidden(t *testing.T) {
	var logs adLogBuffer
	dataDir := t.TempDir()
	e := startADLogged(t, &logs, func(c *config.Config) { c.DataDir = dataDir })
	c := ctx(t)
	secrets := []string{"pa55-word-xyzzy", "api-key-value-plugh", "client-secret-frotz", "header-secret-gnusto", "query-secret-rezrov", "body-secret-blorb", "tok-secret-yomin"}
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"access_token":"tok-secret-yomin","expires_in":60}`)
	}))
	defer auth.Close()
	rc := newADReceiver(t, func(n int, r *http.Request, w http.ResponseWriter) int {
		if n%2 == 0 {
			return 500
		}
		return 400
	})
	inv := &ebtypes.ConnectionHttpParameters{
		HeaderParameters:      []ebtypes.ConnectionHeaderParameter{{Key: aws.String("X-H"), Value: aws.String("header-secret-gnusto"), IsValueSecret: true}},
		QueryStringParameters: []ebtypes.ConnectionQueryStringParameter{{Key: aws.String("q"), Value: aws.String("query-secret-rezrov"), IsValueSecret: true}},
		BodyParameters:        []ebtypes.ConnectionBodyParameter{{Key: aws.String("b"), Value: aws.String("body-secret-blorb"), IsValueSecret: true}},
	}
	conns := map[string]*ebtypes.CreateConnectionAuthRequestParameters{
		"basic": {BasicAuthParameters: &ebtypes.CreateConnectionBasicAuthRequestParameters{Username: aws.String("u"), Password: aws.String("pa55-word-xyzzy")}, InvocationHttpParameters: inv},
		"key":   {ApiKeyAuthParameters: &ebtypes.CreateConnectionApiKeyAuthRequestParameters{ApiKeyName: aws.String("x-key"), ApiKeyValue: aws.String("api-key-value-plugh")}, InvocationHttpParameters: inv},
		"oauth": {OAuthParameters: &ebtypes.CreateConnectionOAuthRequestParameters{AuthorizationEndpoint: aws.String(auth.URL), HttpMethod: "POST",
			ClientParameters: &ebtypes.CreateConnectionOAuthClientRequestParameters{ClientID: aws.String("id"), ClientSecret: aws.String("client-secret-frotz")}}, InvocationHttpParameters: inv},
	}
	types := map[string]ebtypes.ConnectionAuthorizationType{"basic": "BASIC", "key": "API_KEY", "oauth": "OAUTH_CLIENT_CREDENTIALS"}
	var answers []any
	for name, p := range conns {
		arn := e.adConnection(t, name, types[name], p)
		if name == "oauth" {
			e.adWaitConnState(t, name, "AUTHORIZED")
		}
		dest := e.adDestination(t, "d-"+name, arn, rc.URL, "POST", 0)
		tg := adTarget(dest, nil)
		tg.RetryPolicy = &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(1), MaximumEventAgeInSeconds: aws.Int32(60)}
		e.adRoute(t, "r-"+name, "s-"+name, tg)
		e.adPut(t, "s-"+name, `{}`)
		answers = append(answers, must(e.eb.DescribeConnection(c, &eventbridge.DescribeConnectionInput{Name: aws.String(name)})).of(t))
	}
	rc.wait(t, 3, 15*time.Second)
	time.Sleep(time.Second) // retries and their logs
	answers = append(answers, must(e.eb.ListConnections(c, &eventbridge.ListConnectionsInput{})).of(t))
	d := answers[0].(*eventbridge.DescribeConnectionOutput)
	if h := d.AuthParameters.InvocationHttpParameters.HeaderParameters; len(h) != 1 || h[0].Value != nil || !h[0].IsValueSecret || aws.ToString(h[0].Key) != "X-H" {
		t.Errorf("secret header parameter shown as %+v", h)
	}
	api, _ := json.Marshal(answers)
	var files strings.Builder
	_ = filepath.Walk(dataDir, func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			files.Write(b)
		}
		return nil
	})
	if !strings.Contains(files.String(), "x-key") {
		t.Fatal("the data directory does not hold the catalog (test is looking in the wrong place)")
	}
	for _, s := range secrets {
		if strings.Contains(string(api), s) {
			t.Errorf("API output contains %q", s)
		}
		if strings.Contains(logs.String(), s) {
			t.Errorf("log contains %q", s)
		}
		if s != "tok-secret-yomin" && strings.Contains(files.String(), s) {
			t.Errorf("data directory contains %q in clear", s)
		}
	}
	if !strings.Contains(logs.String(), "delivery failed") {
		t.Errorf("the log shows no delivery at all; the test proves nothing")
	}
}

// Standard Webhooks signatures with two active secrets, and CloudEvents
// in both content modes.
func TestAPIDestinationSigningAndCloudEvents(t *testing.T) {
	e := start(t)
	rc := newADReceiver(t, nil)
	k1, k2 := []byte("0123456789abcdef0123456789abcdef"), []byte("second-key")
	secrets := "whsec_" + base64.StdEncoding.EncodeToString(k1) + " whsec_" + base64.StdEncoding.EncodeToString(k2)
	connArn := e.adConnection(t, "signed", "API_KEY", &ebtypes.CreateConnectionAuthRequestParameters{
		ApiKeyAuthParameters:     &ebtypes.CreateConnectionApiKeyAuthRequestParameters{ApiKeyName: aws.String("k"), ApiKeyValue: aws.String("v")},
		InvocationHttpParameters: &ebtypes.ConnectionHttpParameters{HeaderParameters: []ebtypes.ConnectionHeaderParameter{{Key: aws.String("Switchyard-Webhook-Secret"), Value: aws.String(secrets)}}},
	})
	d := must(e.eb.DescribeConnection(ctx(t), &eventbridge.DescribeConnectionInput{Name: aws.String("signed")})).of(t)
	if h := d.AuthParameters.InvocationHttpParameters.HeaderParameters; len(h) != 1 || h[0].Value != nil {
		t.Errorf("signing secret shown: %+v", h)
	}
	destArn := e.adDestination(t, "dest", connArn, rc.URL, "POST", 0)
	e.adRoute(t, "plain", "plain", adTarget(destArn, nil))
	id := e.adPut(t, "plain", `{"n":1}`)
	got := rc.wait(t, 1, 15*time.Second)[0]
	if got.Header.Get("Switchyard-Webhook-Secret") != "" || got.Header.Get("Webhook-Id") != id || len(strings.Fields(got.Header.Get("Webhook-Signature"))) != 2 {
		t.Errorf("signed headers %v", got.Header)
	}
	for _, k := range [][]byte{k1, k2} {
		if !target.VerifyWebhook(got.Header, [][]byte{k}, []byte(got.Body)) {
			t.Errorf("signature does not verify with key %q", k)
		}
	}

	e.adRoute(t, "binary", "binary", adTarget(destArn, &ebtypes.HttpParameters{HeaderParameters: map[string]string{"Switchyard-CloudEvents": "binary"}}))
	id = e.adPut(t, "binary", `{"n":2}`)
	got = rc.wait(t, 2, 15*time.Second)[1]
	h := got.Header
	if h.Get("Ce-Specversion") != "1.0" || h.Get("Ce-Id") != id || h.Get("Ce-Source") != "binary" || h.Get("Ce-Type") != "Order Placed" ||
		h.Get("Ce-Subject") != "arn:aws:x:::r1" || h.Get("Ce-Account") != testAccount || h.Get("Switchyard-Cloudevents") != "" || got.Body != `{"n":2}` ||
		!target.VerifyWebhook(h, [][]byte{k1}, []byte(got.Body)) {
		t.Errorf("binary CloudEvent: %v %s", h, got.Body)
	}

	e.adRoute(t, "structured", "structured", adTarget(destArn, &ebtypes.HttpParameters{HeaderParameters: map[string]string{"Switchyard-CloudEvents": "structured"}}))
	id = e.adPut(t, "structured", `{"n":3}`)
	got = rc.wait(t, 3, 15*time.Second)[2]
	var ce map[string]any
	if err := json.Unmarshal([]byte(got.Body), &ce); err != nil || got.Header.Get("Content-Type") != "application/cloudevents+json; charset=utf-8" ||
		ce["specversion"] != "1.0" || ce["id"] != id || ce["type"] != "Order Placed" || ce["datacontenttype"] != "application/json; charset=utf-8" ||
		fmt.Sprint(ce["data"]) != "map[n:3]" {
		t.Errorf("structured CloudEvent: %s %v", got.Body, got.Header)
	}
}
