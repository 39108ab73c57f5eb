package target

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchyard/switchyard/internal/connection"
	"golang.org/x/time/rate"
)

// API destinations (arn:aws:events:<region>:<account>:api-destination/<name>/<uuid>)
// are invoked as EventBridge does:
//
//   - the destination's HttpMethod to its InvocationEndpoint, "*" path
//     wildcards filled in order from the target's
//     HttpParameters.PathParameterValues;
//   - header and query string parameters of the target's HttpParameters
//     merged with the connection's InvocationHttpParameters, the
//     connection's values winning ("merged with any InvocationParameters
//     specified on the Connection, with any values from the Connection
//     taking precedence", API reference, HttpParameters), then the
//     connection's authorization (Authorization: Basic …, the API key
//     header, or Authorization: Bearer <token>);
//   - connection BodyParameters added to a JSON object body;
//   - User-Agent: Amazon/EventBridge/ApiDestinations, Range:
//     bytes=0-1048575, Accept-Encoding: gzip,deflate, and Content-Type:
//     application/json; charset=utf-8 unless a parameter sets another
//     Content-Type (the user guide's "Headers included in requests to API
//     destinations"); headers EventBridge does not let parameters set
//     (Host, Content-Length, Connection, …) are dropped;
//   - a 5 second timeout; 2xx is success; 401, 407, 409, 429 and 5xx (and
//     timeouts and unreachable endpoints) are retried; other statuses are
//     not; a negative Retry-After stops the retries and a positive one
//     holds further requests to the destination until it has passed;
//   - at most InvocationRateLimitPerSecond requests a second per
//     destination (per node): excess invocations wait for their turn.
//
// Beyond EventBridge, a connection header parameter named
// Switchyard-Webhook-Secret signs requests (Standard Webhooks), and a
// target header parameter named Switchyard-CloudEvents ("binary" or
// "structured") sends CloudEvents 1.0; neither header is sent.

// APIDestinationOptions configures the API destination target kind.
type APIDestinationOptions struct {
	// DataDir and KeyFile locate the key that encrypts connection secrets
	// (connection.LoadSecretBox).
	DataDir, KeyFile string
	Log              *slog.Logger
	// Client sends the requests (default: keep-alive pool, no redirects).
	Client *http.Client
	// Timeout bounds one request (default 5s, as EventBridge).
	Timeout time.Duration
}

// Reserved header names.
const (
	// CloudEventsHeader, in a target's HttpParameters.HeaderParameters,
	// selects CloudEvents output: "binary" or "structured".
	CloudEventsHeader = "Switchyard-CloudEvents"
	apiDestUserAgent  = "Amazon/EventBridge/ApiDestinations"
	defaultJSONType   = "application/json; charset=utf-8"
	maxResponseRead   = 1 << 20
)

// droppedHeaders are never sent from parameters: transport headers and the
// ones EventBridge sets itself.
var droppedHeaders = map[string]bool{}

func init() {
	for _, h := range []string{
		"A-IM", "Accept-Charset", "Accept-Datetime", "Accept-Encoding", "Cache-Control", "Connection",
		"Content-Encoding", "Content-Length", "Content-MD5", "Date", "Expect", "Forwarded", "From", "Host",
		"HTTP2-Settings", "If-Match", "If-Modified-Since", "If-None-Match", "If-Range", "If-Unmodified-Since",
		"Max-Forwards", "Origin", "Pragma", "Proxy-Authorization", "Range", "Referer", "TE", "Trailer",
		"Transfer-Encoding", "User-Agent", "Upgrade", "Via", "Warning", "Keep-Alive", "Proxy-Connection",
		CloudEventsHeader, connection.SigningSecretHeader,
	} {
		droppedHeaders[strings.ToLower(h)] = true
	}
}

// EventsKind resolves "events" ARNs with the first kind that knows the
// resource (event-bus/…, api-destination/…).
func EventsKind(kinds ...Kind) Kind {
	return func(a ARN) Target {
		for _, k := range kinds {
			if t := k(a); t != nil {
				return t
			}
		}
		return nil
	}
}

// APIDestinations invokes API destination targets.
type APIDestinations struct {
	conns   *connection.Catalog
	log     *slog.Logger
	client  *http.Client
	timeout time.Duration

	mu      sync.RWMutex
	targets map[string]*apiDestTarget // by ARN

	creds  sync.Map // connection ARN -> *connCreds
	tokens sync.Map // connection ARN -> *tokenCache
}

// NewAPIDestinations returns the API destination runtime: it loads the
// secrets key into the connections and authorizes OAuth connections when
// they are created or updated.
func NewAPIDestinations(conns *connection.Catalog, opt APIDestinationOptions) *APIDestinations {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 5 * time.Second
	}
	if opt.Client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns = 4096
		tr.MaxIdleConnsPerHost = 512
		tr.IdleConnTimeout = 90 * time.Second
		tr.ForceAttemptHTTP2 = false
		opt.Client = &http.Client{
			Transport: tr,
			// EventBridge does not follow redirects: a 3xx is a failed,
			// not retried, invocation (and credentials never follow a
			// redirect to another host).
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	d := &APIDestinations{conns: conns, log: opt.Log, client: opt.Client, timeout: opt.Timeout, targets: map[string]*apiDestTarget{}}
	if conns != nil {
		box, err := connection.LoadSecretBox(opt.DataDir, opt.KeyFile)
		if err != nil {
			opt.Log.Error("connection secrets key unavailable: connections cannot be created or used", "err", err)
		}
		conns.SetSecretBox(box, err)
		conns.SetConnectionAuthorizer(d.authorizeConnection)
		conns.Listen(d.forget)
	}
	return d
}

// forget drops what is kept for a deleted API destination (its rate
// limiter and request plans) or connection (its decrypted credentials),
// so neither outlives the resource.
func (d *APIDestinations) forget(c connection.Change) {
	if !c.Deleted {
		return
	}
	switch c.Kind {
	case "apidest":
		prefix := connection.ResourcePrefix(c.Scope, "api-destination", c.Name)
		d.mu.Lock()
		for arn := range d.targets {
			if strings.HasPrefix(arn, prefix) {
				delete(d.targets, arn)
			}
		}
		d.mu.Unlock()
	case "connection":
		prefix := connection.ResourcePrefix(c.Scope, "connection", c.Name)
		d.creds.Range(func(k, _ any) bool {
			if strings.HasPrefix(k.(string), prefix) {
				d.creds.Delete(k)
			}
			return true
		})
	}
}

// APIDestinationKind returns the target kind for api-destination ARNs.
func APIDestinationKind(conns *connection.Catalog, opt APIDestinationOptions) Kind {
	return NewAPIDestinations(conns, opt).Kind
}

// Kind resolves api-destination ARNs.
func (d *APIDestinations) Kind(a ARN) Target {
	if !strings.HasPrefix(a.Resource, "api-destination/") {
		return nil
	}
	arn := a.String()
	d.mu.RLock()
	t := d.targets[arn]
	d.mu.RUnlock()
	if t != nil {
		return t
	}
	s, name, id, ok := connection.ParseResourceArn(arn, "api-destination")
	if !ok {
		return unreachable{reason: "Parameter Arn is not valid: " + arn}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if t = d.targets[arn]; t == nil {
		t = &apiDestTarget{d: d, arn: arn, scope: s, name: name, id: id, plans: map[string]*plan{}}
		d.targets[arn] = t
	}
	return t
}

// apiDestTarget is one API destination, shared by all rules that target it.
type apiDestTarget struct {
	d         *APIDestinations
	arn       string
	scope     connection.Scope
	name, id  string
	limiter   *rate.Limiter
	limit     int32
	mu        sync.Mutex
	holdUntil time.Time // Retry-After
	plansMu   sync.RWMutex
	plans     map[string]*plan // by target configuration
}

// targetParams is the part of the Target structure an API destination
// uses.
type targetParams struct {
	HttpParameters *struct {
		PathParameterValues   []string          `json:"PathParameterValues"`
		HeaderParameters      map[string]string `json:"HeaderParameters"`
		QueryStringParameters map[string]string `json:"QueryStringParameters"`
	} `json:"HttpParameters"`
}

// plan is everything about a request that does not depend on the event:
// rebuilt when the destination, the connection or the target changes.
type plan struct {
	destRev, connRev uint64
	method, url      string
	header           http.Header
	bodyParams       []kv
	auth             *connCreds
	cloudEvents      string // "", "binary" or "structured"
}

type kv struct{ k, v string }

func (t *apiDestTarget) Invoke(ctx context.Context, inv *Invocation) error {
	d := t.d
	dest, ok := d.conns.APIDestination(t.scope, t.name)
	if !ok || dest.ID != t.id {
		return &Error{Code: CodeNotFound, Message: "ApiDestination " + t.arn + " does not exist."}
	}
	conn, ok := d.conns.ConnectionByArn(dest.ConnectionArn)
	if !ok {
		return &Error{Code: CodeNotFound, Message: "Connection " + dest.ConnectionArn + " of ApiDestination " + t.name + " does not exist."}
	}
	switch conn.State {
	case connection.ConnectionAuthorized, connection.ConnectionAuthorizing:
	default:
		return &Error{Code: CodeSDKClient, Retryable: true,
			Message: "Unable to invoke ApiDestination endpoint: Connection '" + conn.Name + "' is " + conn.State + "."}
	}
	p, err := t.plan(dest, conn, inv.Config)
	if err != nil {
		return err
	}
	if err := t.wait(ctx, dest.RateLimit); err != nil {
		return err
	}
	body, header, err := buildBody(p, inv)
	if err != nil {
		return &Error{Code: CodeInvalidParam, Message: err.Error()}
	}
	status, retryAfter, used, err := t.send(ctx, p, conn, body, header, "")
	if err == nil && (status == http.StatusUnauthorized || status == http.StatusProxyAuthRequired) {
		if conn.AuthorizationType == connection.AuthOAuth {
			// "OAUTH tokens are refreshed when a 401 or 407 response is
			// returned": refresh and try once more.
			status, retryAfter, _, err = t.send(ctx, p, conn, body, header, used)
		} else {
			// "For connections using Basic or API Key authentication,
			// EventBridge [de-authorizes the connection when it] receives a
			// 401 (UnAuthorize) or 407 (Proxy_Authentication_required)".
			d.deauthorize(conn, fmt.Sprintf("The endpoint responded with HTTP status code %d to the connection's credentials.", status))
		}
	}
	if err != nil {
		return err
	}
	return classify(status, retryAfter, t)
}

// classify turns a response status into the invocation's outcome.
func classify(status int, retryAfter string, t *apiDestTarget) error {
	if status >= 200 && status < 300 {
		return nil
	}
	e := &Error{Code: CodeSDKClient, Message: fmt.Sprintf("Unable to invoke ApiDestination endpoint: The endpoint responded with HTTP status code %d.", status)}
	switch {
	case status == 401, status == 407, status == 409, status == 429, status >= 500:
		e.Retryable = true
	default:
		return e
	}
	if retryAfter == "" {
		return e
	}
	delay, ok := parseRetryAfter(retryAfter, time.Now())
	if !ok {
		return e
	}
	if delay < 0 {
		// "If Retry-After value is negative, EventBridge stops retrying
		// delivery for that event."
		e.Retryable = false
		e.Message += " Retry-After is negative: not retried."
		return e
	}
	t.hold(delay)
	return &RetryAfterError{Err: e, After: delay}
}

// RetryAfterError is a retryable failure whose endpoint asked, with
// Retry-After, to wait before the next request. The destination holds its
// requests until then; a delivery loop may also use After as the lower
// bound of its next backoff.
type RetryAfterError struct {
	Err   *Error
	After time.Duration
}

func (e *RetryAfterError) Error() string { return e.Err.Error() }

// Unwrap returns the *Error (for Classify and Retryable).
func (e *RetryAfterError) Unwrap() error { return e.Err }

// RetryAfter is the delay the endpoint asked for.
func (e *RetryAfterError) RetryAfter() time.Duration { return e.After }

// parseRetryAfter reads delay-seconds (possibly negative) or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(n) && !math.IsInf(n, 0) {
		if n > 86400 {
			n = 86400
		}
		return time.Duration(n * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func (t *apiDestTarget) hold(delay time.Duration) {
	until := time.Now().Add(delay)
	t.mu.Lock()
	if until.After(t.holdUntil) {
		t.holdUntil = until
	}
	t.mu.Unlock()
}

// budget is how long an invocation may wait before sending and still have
// its full request timeout.
func (t *apiDestTarget) budget(ctx context.Context) time.Duration {
	dl, ok := ctx.Deadline()
	if !ok {
		return 30 * time.Second
	}
	return time.Until(dl) - t.d.timeout
}

// wait holds the invocation for a Retry-After that has not passed and for
// the destination's rate limit. When the wait would not leave time for
// the request itself, the invocation fails as throttled (and is retried
// later) instead of waiting.
func (t *apiDestTarget) wait(ctx context.Context, limit int32) error {
	t.mu.Lock()
	hold := time.Until(t.holdUntil)
	lim := t.limiter
	if limit != t.limit || lim == nil {
		r := rate.Limit(limit)
		if limit >= 1_000_000 {
			r = rate.Inf
		}
		if lim == nil {
			lim = rate.NewLimiter(r, 1)
			t.limiter = lim
		} else {
			lim.SetLimit(r)
		}
		t.limit = limit
	}
	t.mu.Unlock()
	budget := t.budget(ctx)
	if hold > 0 {
		if hold > budget {
			return &Error{Code: CodeThrottled, Retryable: true, Message: "Unable to invoke ApiDestination endpoint: waiting for the endpoint's Retry-After."}
		}
		if err := sleep(ctx, hold); err != nil {
			return &Error{Code: CodeInternal, Retryable: true, Message: err.Error()}
		}
		budget -= hold
	}
	if lim.Limit() == rate.Inf {
		return nil
	}
	r := lim.Reserve()
	delay := r.Delay()
	if delay == 0 {
		return nil
	}
	if delay > budget {
		r.Cancel()
		return &Error{Code: CodeThrottled, Retryable: true, Message: "Unable to invoke ApiDestination endpoint: InvocationRateLimitPerSecond reached; will retry."}
	}
	if err := sleep(ctx, delay); err != nil {
		r.Cancel()
		return &Error{Code: CodeInternal, Retryable: true, Message: err.Error()}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// plan returns the request plan for a target configuration, rebuilding it
// when the destination or the connection changed.
func (t *apiDestTarget) plan(dest *connection.APIDestination, conn *connection.Connection, config []byte) (*plan, error) {
	t.plansMu.RLock()
	p := t.plans[string(config)]
	t.plansMu.RUnlock()
	if p != nil && p.destRev == dest.Rev && p.connRev == conn.Rev {
		return p, nil
	}
	creds, err := t.d.credentials(conn)
	if err != nil {
		return nil, err
	}
	var tp targetParams
	if len(config) > 0 {
		if err := json.Unmarshal(config, &tp); err != nil {
			return nil, &Error{Code: CodeInvalidParam, Message: "target configuration: " + err.Error()}
		}
	}
	var path []string
	var th, tq map[string]string
	if h := tp.HttpParameters; h != nil {
		path, th, tq = h.PathParameterValues, h.HeaderParameters, h.QueryStringParameters
	}
	u, err := buildEndpoint(dest.InvocationEndpoint, path, tq, creds.query)
	if err != nil {
		return nil, &Error{Code: CodeInvalidParam, Message: "Unable to invoke ApiDestination endpoint: " + err.Error()}
	}
	p = &plan{
		destRev: dest.Rev, connRev: conn.Rev, method: dest.HTTPMethod, url: u,
		header: buildHeaders(th, creds.headers, creds.auth), bodyParams: creds.body, auth: creds,
	}
	for k, v := range th {
		if strings.EqualFold(k, CloudEventsHeader) {
			p.cloudEvents = strings.ToLower(strings.TrimSpace(v))
		}
	}
	t.plansMu.Lock()
	if len(t.plans) > 1000 {
		clear(t.plans)
	}
	t.plans[string(config)] = p
	t.plansMu.Unlock()
	return p, nil
}

// buildEndpoint fills the "*" wildcards of the endpoint's path, in order,
// with the path parameter values (escaped, so a value cannot add path
// segments or a query), and adds the target's and then the connection's
// query string parameters (the connection's replace the target's).
// Wildcards without a value stay as they are; extra values are ignored.
func buildEndpoint(endpoint string, pathValues []string, targetQuery map[string]string, connQuery []kv) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", errors.New("the invocation endpoint is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", errors.New("the invocation endpoint is not an HTTP(S) URL")
	}
	if len(pathValues) > 0 {
		raw := u.EscapedPath()
		var b strings.Builder
		i := 0
		for j := 0; j < len(raw); j++ {
			if raw[j] == '*' && i < len(pathValues) {
				b.WriteString(url.PathEscape(pathValues[i]))
				i++
				continue
			}
			b.WriteByte(raw[j])
		}
		if i > 0 {
			p, err := url.PathUnescape(b.String())
			if err != nil {
				return "", errors.New("the invocation endpoint path is not valid")
			}
			u.Path, u.RawPath = p, b.String()
		}
	}
	if len(targetQuery) > 0 || len(connQuery) > 0 {
		q := u.Query()
		for k, v := range targetQuery {
			q.Set(k, v)
		}
		for _, p := range connQuery {
			q.Set(p.k, p.v)
		}
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}

// buildHeaders merges the target's header parameters, the connection's
// (which win) and the authorization headers (which win over both), drops
// the headers parameters may not set, and adds EventBridge's own.
func buildHeaders(target map[string]string, conn []kv, auth []kv) http.Header {
	h := http.Header{}
	set := func(k, v string) {
		if droppedHeaders[strings.ToLower(k)] || !validHeaderName(k) || !validHeaderValue(v) {
			return
		}
		h[http.CanonicalHeaderKey(k)] = []string{strings.TrimSpace(v)}
	}
	for k, v := range target {
		set(k, v)
	}
	for _, p := range conn {
		set(p.k, p.v)
	}
	for _, p := range auth {
		set(p.k, p.v)
	}
	if len(h["Content-Type"]) == 0 {
		h["Content-Type"] = []string{defaultJSONType}
	}
	h["User-Agent"] = []string{apiDestUserAgent}
	h["Range"] = []string{"bytes=0-1048575"}
	h["Accept-Encoding"] = []string{"gzip,deflate"}
	return h
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// buildBody returns the request body and any per-event headers.
func buildBody(p *plan, inv *Invocation) ([]byte, http.Header, error) {
	body := inv.Payload
	if len(p.bodyParams) > 0 {
		body = mergeBodyParams(body, p.bodyParams)
	}
	var extra http.Header
	switch p.cloudEvents {
	case "":
	case "binary", "structured":
		var err error
		body, extra, err = cloudEvent(p.cloudEvents, inv, body, p.header.Get("Content-Type"))
		if err != nil {
			return nil, nil, err
		}
	default:
		return nil, nil, fmt.Errorf("header %s must be binary or structured, not %q", CloudEventsHeader, p.cloudEvents)
	}
	if len(p.auth.signing) > 0 {
		if extra == nil {
			extra = http.Header{}
		}
		SignWebhook(extra, p.auth.signing, inv.EventID, time.Now(), body)
	}
	return body, extra, nil
}

// mergeBodyParams adds the connection's body parameters to a JSON object
// body (replacing members of the same name); other bodies are sent as
// they are.
func mergeBodyParams(body []byte, params []kv) []byte {
	t := bytes.TrimSpace(body)
	if len(t) == 0 || t[0] != '{' {
		return body
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(t, &m) != nil {
		return body
	}
	for _, p := range params {
		v, _ := json.Marshal(p.v)
		m[p.k] = v
	}
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}

// send makes one request. It returns the status and Retry-After of a
// response and the OAuth Authorization it used, or the failure of a
// request that got no response. stale is an OAuth Authorization value the
// endpoint refused (a new token is fetched instead).
func (t *apiDestTarget) send(ctx context.Context, p *plan, conn *connection.Connection, body []byte, extra http.Header, stale string) (int, string, string, error) {
	d := t.d
	h := make(http.Header, len(p.header)+len(extra)+1)
	for k, v := range p.header {
		h[k] = v
	}
	for k, v := range extra {
		h[k] = v
	}
	var tok string
	if conn.AuthorizationType == connection.AuthOAuth {
		var err error
		tok, err = d.token(ctx, conn, p.auth, stale)
		if err != nil {
			return 0, "", "", err
		}
		h["Authorization"] = []string{tok}
	}
	rctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, p.method, p.url, bytes.NewReader(body))
	if err != nil {
		return 0, "", tok, &Error{Code: CodeInvalidParam, Message: "Unable to invoke ApiDestination endpoint: the request cannot be built."}
	}
	req.Header = h
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, "", tok, transportError(ctx, rctx, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseRead))
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After"), tok, nil
}

// transportError classifies a request that got no response, with
// EventBridge's dead-letter texts. The URL (which may carry secret query
// parameters) is never part of the message.
func transportError(parent, rctx context.Context, err error) error {
	if parent.Err() != nil {
		return &Error{Code: CodeInternal, Retryable: true, Message: "Unable to invoke ApiDestination endpoint: the invocation was cancelled."}
	}
	var ne net.Error
	if errors.Is(rctx.Err(), context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return &Error{Code: "UNKNOWN", Retryable: true, Message: "Unable to invoke ApiDestination endpoint: Timeout calling endpoint for API Destination: socket closed."}
	}
	return &Error{Code: CodeSDKClient, Retryable: true, Message: "Unable to invoke ApiDestination endpoint: API destination endpoint cannot be reached."}
}

// ElasticConcurrency lets the destination's delivery lane run more
// invocations at once than the configured target concurrency while the
// endpoint answers fast: EventBridge bounds API destinations by
// InvocationRateLimitPerSecond, not by concurrency.
func (t *apiDestTarget) ElasticConcurrency() bool { return true }

var _ Target = (*apiDestTarget)(nil)
