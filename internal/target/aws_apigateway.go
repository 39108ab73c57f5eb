package target

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/switchyard/switchyard/internal/config"
)

// API Gateway REST endpoints
// (arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path>)
// receive an HTTP request, as the user guide's "API Gateway" target page
// describes:
//
//   - the target input is the body ("The EventBridge JSON event
//     information is sent as the body of the HTTP request"), sent with the
//     ARN's method (POST when it is * or ANY) as application/json;
//   - HttpParameters.PathParameterValues fill the "*" path variables of
//     the ARN in order, the stage included ("arn:aws:execute-api:
//     us-east-1:112233445566:myapi/*/POST/pets/*");
//     QueryStringParameters are appended; HeaderParameters are added,
//     except the ones EventBridge does not permit (X-Amz*, X-Amzn*,
//     Authorization, Connection, Content-Encoding, Content-Length, Host,
//     Max-Forwards, TE, Transfer-Encoding, Trailer, Upgrade, Via,
//     WWW-Authenticate, X-Forwarded-For); every value may be a dynamic JSON
//     path into the event;
//   - a 5 second timeout; 429 and 5xx responses (and timeouts) are
//     retried, other 4xx are not ("EventBridge doesn't retry other 4xx
//     HTTP errors").
//
// The request goes to the configured endpoint (targets.aws.apigateway):
// by default https://<api-id>.execute-api.<region>.amazonaws.com, then
// /<stage>/<path>. The endpoint may contain {api-id}, {region} and
// {stage}; when it contains {stage} the stage is not appended again (for
// LocalStack: http://localhost:4566/restapis/{api-id}/{stage}/_user_request_).
// With an access key configured, requests are signed (SigV4, service
// execute-api) for APIs with IAM authorization.

const apiGatewayTimeout = 5 * time.Second

type apiGatewayTarget struct {
	a      *awsTargets
	arn    ARN
	api    string
	stage  string
	method string
	path   []string
}

func (a *awsTargets) apiGateway(arn ARN) Target {
	parts := strings.Split(arn.Resource, "/")
	if len(parts) < 3 || parts[0] == "" || parts[1] == "" {
		return awsBadARN(arn, "arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<method>/<path>")
	}
	method := strings.ToUpper(parts[2])
	if method == "*" || method == "ANY" || method == "" {
		method = http.MethodPost
	}
	return &apiGatewayTarget{a: a, arn: arn, api: parts[0], stage: parts[1], method: method, path: parts[3:]}
}

func (g *apiGatewayTarget) Invoke(ctx context.Context, inv *Invocation) error {
	ep, name, ok := g.a.endpoint(g.arn.Service)
	if !ok {
		return &Error{Code: CodeNotFound, Message: g.a.unconfigured(g.arn)}
	}
	req, err := g.request(ctx, ep, inv)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, apiGatewayTimeout)
	defer cancel()
	req = req.WithContext(ctx)
	if ep.AccessKeyID != "" {
		sum := sha256.Sum256(inv.Payload)
		creds := aws.Credentials{AccessKeyID: ep.AccessKeyID, SecretAccessKey: ep.SecretAccessKey, SessionToken: ep.SessionToken}
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "execute-api", awsRegion(ep, g.arn), time.Now()); err != nil {
			return &Error{Code: CodeSDKClient, Message: "signing the API Gateway request for targets.aws." + name + ": " + err.Error()}
		}
	}
	resp, err := g.a.web.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || isNetTimeout(err) {
			return &Error{Code: codeTimeout, Message: fmt.Sprintf("API Gateway %s %s: no response within %s", g.method, req.URL, apiGatewayTimeout), Retryable: true}
		}
		return &Error{Code: codeConnectionFailure, Message: fmt.Sprintf("API Gateway %s %s: %v", g.method, req.URL, err), Retryable: true}
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	resp.Body.Close()
	return apiGatewayStatus(resp.StatusCode, fmt.Sprintf("API Gateway %s %s: %s %s", g.method, req.URL.Redacted(), resp.Status, bytes.TrimSpace(body)))
}

// apiGatewayStatus classifies an API Gateway response.
func apiGatewayStatus(status int, msg string) error {
	switch {
	case status >= 200 && status < 300:
		return nil
	case status == http.StatusTooManyRequests:
		return &Error{Code: CodeThrottled, Message: msg, Retryable: true}
	case status >= 500:
		return &Error{Code: codeErrorFromTarget, Message: msg, Retryable: true}
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return &Error{Code: CodeNoPermissions, Message: msg}
	case status == http.StatusNotFound:
		return &Error{Code: CodeNotFound, Message: msg}
	}
	return &Error{Code: codeErrorFromTarget, Message: msg}
}

// request builds the HTTP request for an invocation (unsigned).
func (g *apiGatewayTarget) request(ctx context.Context, ep config.AWSEndpoint, inv *Invocation) (*http.Request, error) {
	t, err := awsTargetConfig(inv)
	if err != nil {
		return nil, err
	}
	var pathValues []string
	var headers, query map[string]string
	if h := t.HttpParameters; h != nil {
		pathValues, headers, query = h.PathParameterValues, h.HeaderParameters, h.QueryStringParameters
	}
	paths, ev := &g.a.paths, inv.Event
	next := 0
	fill := func(seg string) string {
		if seg != "*" {
			return seg
		}
		if next >= len(pathValues) {
			return seg
		}
		v := url.PathEscape(paths.dynamic(ev, pathValues[next]))
		next++
		return v
	}
	stage := fill(g.stage)
	segs := make([]string, len(g.path))
	for i, s := range g.path {
		segs[i] = fill(s)
	}
	base := ep.Endpoint
	if base == "" {
		base = "https://{api-id}.execute-api.{region}.amazonaws.com"
	}
	withStage := strings.Contains(base, "{stage}")
	base = strings.NewReplacer("{api-id}", g.api, "{api}", g.api, "{region}", awsRegion(ep, g.arn), "{stage}", stage).Replace(base)
	raw := strings.TrimRight(base, "/")
	if !withStage {
		raw += "/" + stage
	}
	if len(segs) > 0 {
		raw += "/" + strings.Join(segs, "/")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &Error{Code: CodeInvalidParam, Message: fmt.Sprintf("API Gateway target URL %q is not valid (check targets.aws.apigateway.endpoint)", raw)}
	}
	if len(query) > 0 {
		q := u.Query()
		for k, v := range query {
			q.Set(k, paths.dynamic(ev, v))
		}
		u.RawQuery = q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, g.method, u.String(), bytes.NewReader(inv.Payload))
	if err != nil {
		return nil, &Error{Code: CodeInvalidParam, Message: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		if !apiGatewayHeaderAllowed(k) {
			continue
		}
		v = paths.dynamic(ev, v)
		if strings.ContainsAny(v, "\r\n") {
			continue
		}
		req.Header.Set(k, v)
	}
	return req, nil
}

// apiGatewayHeaderAllowed reports whether a header parameter may be sent.
func apiGatewayHeaderAllowed(name string) bool {
	l := strings.ToLower(name)
	if strings.HasPrefix(l, "x-amz") || name == "" || strings.ContainsAny(name, " \t\r\n:") {
		return false
	}
	switch l {
	case "authorization", "connection", "content-encoding", "content-length", "host", "max-forwards",
		"te", "transfer-encoding", "trailer", "upgrade", "via", "www-authenticate", "x-forwarded-for":
		return false
	}
	return true
}

var _ Target = (*apiGatewayTarget)(nil)
