package target

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchyard/switchyard/internal/connection"
)

// connCreds is a connection's authorization material, decrypted once per
// connection revision and kept only in memory.
type connCreds struct {
	rev         uint64
	authVersion int
	auth        []kv // Authorization (Basic) or the API key header
	headers     []kv // InvocationHttpParameters
	query       []kv
	body        []kv
	signing     [][]byte // Standard Webhooks secrets
	oauth       *oauthCreds
}

type oauthCreds struct {
	clientID, clientSecret string
	endpoint, method       string
	headers, query, body   []kv
}

// credentials returns the decrypted authorization material of a
// connection.
func (d *APIDestinations) credentials(conn *connection.Connection) (*connCreds, error) {
	arn := conn.Arn()
	if v, ok := d.creds.Load(arn); ok {
		if c := v.(*connCreds); c.rev == conn.Rev {
			return c, nil
		}
	}
	box, err := d.conns.SecretBox()
	if err != nil {
		return nil, &Error{Code: CodeInternal, Retryable: true, Message: "Unable to invoke ApiDestination endpoint: " + err.Error()}
	}
	var firstErr error
	open := func(s connection.Sealed) string {
		v, err := box.Open(arn, s)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return v
	}
	params := func(ps []connection.Param) []kv {
		out := make([]kv, 0, len(ps))
		for _, p := range ps {
			v := p.Value
			if p.Sealed != "" {
				v = open(p.Sealed)
			} else if p.Secret {
				continue // deauthorized: the value is gone
			}
			out = append(out, kv{p.Key, v})
		}
		return out
	}
	c := &connCreds{rev: conn.Rev, authVersion: conn.AuthVersion}
	switch a := conn.Auth; conn.AuthorizationType {
	case connection.AuthBasic:
		if a.Basic != nil {
			pw := open(a.Basic.Password)
			c.auth = []kv{{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(a.Basic.Username+":"+pw))}}
		}
	case connection.AuthAPIKey:
		if a.APIKey != nil {
			c.auth = []kv{{a.APIKey.Name, open(a.APIKey.Value)}}
		}
	case connection.AuthOAuth:
		if o := a.OAuth; o != nil {
			c.oauth = &oauthCreds{clientID: o.ClientID, clientSecret: open(o.ClientSecret), endpoint: o.AuthorizationEndpoint, method: o.HTTPMethod}
			if o.HTTP != nil {
				c.oauth.headers, c.oauth.query, c.oauth.body = params(o.HTTP.Headers), params(o.HTTP.Query), params(o.HTTP.Body)
			}
		}
	}
	if inv := conn.Auth.Invocation; inv != nil {
		for _, h := range params(inv.Headers) {
			if strings.EqualFold(h.k, connection.SigningSecretHeader) {
				for _, s := range strings.Fields(h.v) {
					c.signing = append(c.signing, webhookKey(s))
				}
				continue
			}
			c.headers = append(c.headers, h)
		}
		c.query, c.body = params(inv.Query), params(inv.Body)
	}
	if firstErr != nil {
		return nil, &Error{Code: CodeInternal, Retryable: true, Message: "Unable to invoke ApiDestination endpoint: " + firstErr.Error()}
	}
	d.creds.Store(arn, c)
	return c, nil
}

// tokenCache holds a connection's OAuth access token. mu is held while a
// token is fetched, so concurrent invocations wait for one exchange.
type tokenCache struct {
	mu          sync.Mutex
	authVersion int
	value       string // "Bearer <token>"
	fetched     time.Time
	expires     time.Time // zero: no expiry given
}

// refreshMargin is how long before its expiry a token is replaced:
// "proactively during an HTTPS invocation, if the token is about to
// expire" (at most a minute ahead, at most half its lifetime).
func (tc *tokenCache) fresh(now time.Time) bool {
	if tc.value == "" {
		return false
	}
	if tc.expires.IsZero() {
		return true
	}
	margin := min(time.Minute, tc.expires.Sub(tc.fetched)/2)
	return now.Before(tc.expires.Add(-margin))
}

// tokenError is a failed token exchange; definitive ones (the endpoint
// refused the credentials or answered without a token) de-authorize the
// connection.
type tokenError struct {
	reason     string
	definitive bool
}

func (e *tokenError) Error() string { return e.reason }

// token returns the Authorization header value for an OAuth connection,
// fetching a token when there is no fresh one or when the cached one is
// stale (the value an endpoint just refused).
func (d *APIDestinations) token(ctx context.Context, conn *connection.Connection, creds *connCreds, stale string) (string, error) {
	arn := conn.Arn()
	v, _ := d.tokens.LoadOrStore(arn, &tokenCache{})
	tc := v.(*tokenCache)
	tc.mu.Lock()
	defer tc.mu.Unlock()
	now := time.Now()
	if tc.authVersion != conn.AuthVersion {
		tc.value = ""
	}
	if tc.fresh(now) && tc.value != stale {
		return tc.value, nil
	}
	if creds.oauth == nil {
		return "", &Error{Code: CodeSDKClient, Retryable: true, Message: "Unable to invoke ApiDestination endpoint: the connection has no OAuth parameters."}
	}
	value, expires, err := d.fetchToken(ctx, creds.oauth)
	if err != nil {
		var te *tokenError
		if errors.As(err, &te) && te.definitive {
			d.deauthorize(conn, te.reason)
		}
		return "", &Error{Code: CodeSDKClient, Retryable: true, Message: "Unable to invoke ApiDestination endpoint: " + err.Error()}
	}
	tc.value, tc.fetched, tc.expires, tc.authVersion = value, now, expires, conn.AuthVersion
	if conn.State == connection.ConnectionAuthorizing {
		d.setState(conn, connection.ConnectionAuthorized, "")
	}
	return value, nil
}

// fetchToken makes the client-credentials exchange with the connection's
// authorization endpoint: its HttpMethod, the client ID and secret as HTTP
// Basic credentials (RFC 6749 §2.3.1), OAuthHttpParameters headers and
// query string parameters, and its body parameters form-encoded (JSON
// when a Content-Type header parameter asks for JSON; in the query string
// for GET), with grant_type=client_credentials unless a body parameter
// sets grant_type. The response is RFC 6749 §5.1 JSON.
func (d *APIDestinations) fetchToken(ctx context.Context, o *oauthCreds) (string, time.Time, error) {
	u, err := url.Parse(o.endpoint)
	if err != nil {
		return "", time.Time{}, &tokenError{reason: "Unable to obtain an OAuth token: the authorization endpoint is not a valid URL.", definitive: true}
	}
	q := u.Query()
	for _, p := range o.query {
		q.Set(p.k, p.v)
	}
	body := map[string]string{}
	var order []string
	for _, p := range o.body {
		if _, dup := body[p.k]; !dup {
			order = append(order, p.k)
		}
		body[p.k] = p.v
	}
	if _, ok := body["grant_type"]; !ok {
		body["grant_type"] = "client_credentials"
		order = append([]string{"grant_type"}, order...)
	}
	h := http.Header{}
	for _, p := range o.headers {
		if validHeaderName(p.k) && validHeaderValue(p.v) && !droppedHeaders[strings.ToLower(p.k)] {
			h.Set(p.k, p.v)
		}
	}
	h.Set("User-Agent", apiDestUserAgent)
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(o.clientID+":"+o.clientSecret)))
	h.Set("Accept", "application/json")
	var reqBody []byte
	method := strings.ToUpper(o.method)
	if method == "" {
		method = http.MethodPost
	}
	if method == http.MethodGet {
		for _, k := range order {
			q.Set(k, body[k])
		}
	} else {
		ct, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
		if ct == "application/json" {
			reqBody, _ = json.Marshal(body)
		} else {
			f := url.Values{}
			for _, k := range order {
				f.Set(k, body[k])
			}
			reqBody = []byte(f.Encode())
			h.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	u.RawQuery = q.Encode()
	rctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, method, u.String(), bytes.NewReader(reqBody))
	if err != nil {
		return "", time.Time{}, &tokenError{reason: "Unable to obtain an OAuth token: the request cannot be built.", definitive: true}
	}
	req.Header = h
	resp, err := d.client.Do(req)
	if err != nil {
		return "", time.Time{}, &tokenError{reason: "Unable to obtain an OAuth token: the authorization endpoint cannot be reached."}
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseRead))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", time.Time{}, &tokenError{
			reason:     fmt.Sprintf("Unable to obtain an OAuth token: the authorization endpoint responded with HTTP status code %d.", resp.StatusCode),
			definitive: resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != 429,
		}
	}
	var tr struct {
		AccessToken string          `json:"access_token"`
		TokenType   string          `json:"token_type"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	if json.Unmarshal(data, &tr) != nil || tr.AccessToken == "" || !validHeaderValue(tr.AccessToken) || strings.ContainsAny(tr.AccessToken, " \t") {
		return "", time.Time{}, &tokenError{reason: "Unable to obtain an OAuth token: the authorization endpoint's response has no access_token.", definitive: true}
	}
	typ := tr.TokenType
	if typ == "" || strings.EqualFold(typ, "bearer") || !validHeaderName(typ) {
		typ = "Bearer"
	}
	var expires time.Time
	if n, err := strconv.ParseFloat(strings.Trim(string(tr.ExpiresIn), `"`), 64); err == nil && n > 0 {
		expires = time.Now().Add(time.Duration(n * float64(time.Second)))
	}
	return typ + " " + tr.AccessToken, expires, nil
}

var errNoChange = errors.New("no change")

// setState records a connection state change made by delivery (AUTHORIZED
// after a token exchange, DEAUTHORIZED after the endpoint refused the
// credentials), unless the connection changed meanwhile. It runs in the
// background; one change per connection version is in flight at a time.
func (d *APIDestinations) setState(conn *connection.Connection, state, reason string) {
	key := fmt.Sprintf("%s#%d#%s", conn.Arn(), conn.AuthVersion, state)
	if _, busy := stateWrites.LoadOrStore(key, true); busy {
		return
	}
	s, name, version := conn.Scope, conn.Name, conn.AuthVersion
	go func() {
		defer stateWrites.Delete(key)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := d.conns.UpdateConnection(ctx, s, name, func(c *connection.Connection) error {
			if c.AuthVersion != version || c.State == state {
				return errNoChange
			}
			if state == connection.ConnectionAuthorized && c.State != connection.ConnectionAuthorizing {
				return errNoChange
			}
			now := time.Now().UTC()
			c.State, c.StateReason, c.Modified = state, reason, now
			if state == connection.ConnectionAuthorized {
				c.LastAuthorized = now
			}
			return nil
		})
		if err != nil && !errors.Is(err, errNoChange) && !errors.Is(err, connection.ErrNotFound) {
			d.log.Warn("could not record connection state", "connection", name, "state", state, "err", err)
		} else if err == nil {
			d.log.Info("connection state changed", "connection", name, "state", state, "reason", reason)
		}
	}()
}

var stateWrites sync.Map

func (d *APIDestinations) deauthorize(conn *connection.Connection, reason string) {
	d.setState(conn, connection.ConnectionDeauthorized, reason)
}

// authorizeConnection exchanges an AUTHORIZING OAuth connection's client
// credentials for a token: AUTHORIZED on success, DEAUTHORIZED with the
// reason otherwise (connection hook, after CreateConnection and
// UpdateConnection).
func (d *APIDestinations) authorizeConnection(s connection.Scope, name string) {
	conn, ok := d.conns.Connection(s, name)
	if !ok || conn.State != connection.ConnectionAuthorizing {
		return
	}
	if conn.AuthorizationType != connection.AuthOAuth {
		d.setState(conn, connection.ConnectionAuthorized, "")
		return
	}
	creds, err := d.credentials(conn)
	if err != nil {
		d.deauthorize(conn, "Unable to read the connection's secret.")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*d.timeout)
	defer cancel()
	if _, err := d.token(ctx, conn, creds, ""); err != nil {
		reason := "Unable to obtain an OAuth token."
		if e := (*Error)(nil); errors.As(err, &e) {
			reason = strings.TrimPrefix(e.Message, "Unable to invoke ApiDestination endpoint: ")
		}
		d.deauthorize(conn, reason)
	}
}
