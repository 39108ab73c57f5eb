package e2e

// Helpers for the control-plane and error tests (controlplane_test.go,
// errors_test.go): AWS error assertions through smithy-go's APIError, a
// server that can be stopped and started again on the same data directory,
// and small builders.

import (
	"context"
	"errors"
	"io"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/smithy-go"

	"github.com/switchyard/switchyard/internal/config"
	"github.com/switchyard/switchyard/internal/server"
)

// Another account and another region than the harness's default caller.
const (
	otherAccount = "111111111111"
	otherRegion  = "eu-west-1"
)

// wantErr checks that err is an AWS API error with exactly this code and
// message, answered with HTTP 400. It reports a mismatch with t.Errorf and
// returns whether err matched.
func wantErr(t *testing.T, err error, code, msg string) bool {
	t.Helper()
	if !wantCode(t, err, code) {
		return false
	}
	var ae smithy.APIError
	errors.As(err, &ae)
	if ae.ErrorMessage() != msg {
		t.Errorf("%s message:\n got: %q\nwant: %q", code, ae.ErrorMessage(), msg)
		return false
	}
	return true
}

// wantCode checks that err is an AWS API error with this code and HTTP
// status 400 (the message is not checked).
func wantCode(t *testing.T, err error, code string) bool {
	t.Helper()
	if err == nil {
		t.Errorf("want %s, got success", code)
		return false
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Errorf("want API error %s, got %T: %v", code, err, err)
		return false
	}
	if ae.ErrorCode() != code {
		t.Errorf("want error code %s, got %s: %q", code, ae.ErrorCode(), ae.ErrorMessage())
		return false
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != 400 {
		t.Errorf("%s: HTTP status %d, want 400", code, re.HTTPStatusCode())
		return false
	}
	return true
}

// must wraps a call's results; .of(t) returns the value, failing the test
// on an error: must(e.eb.DescribeEventBus(c, in)).of(t).
func must[T any](v T, err error) result[T] { return result[T]{v, err} }

type result[T any] struct {
	v   T
	err error
}

func (r result[T]) of(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

// bug skips a (sub)test that fails because of a server bug or a mismatch
// with AWS. The assertions after it are what AWS does; remove the call
// once the server is fixed. SWITCHYARD_TEST_BUGS=1 runs them anyway.
func bug(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("SWITCHYARD_TEST_BUGS") != "" {
		t.Log("known bug, running anyway: " + what)
		return
	}
	t.Skip("BUG: " + what)
}

// noRetry makes the SDK send a request once (it retries
// LimitExceededException as a throttling error).
func noRetry(o *eventbridge.Options) { o.RetryMaxAttempts = 1 }

// diskServer is a server on a fixed data directory that a test can stop and
// start again (start in harness_test.go always uses a fresh directory).
type diskServer struct {
	t   *testing.T
	cfg config.Config
	srv *server.Server
}

// startNode starts a server on a new data directory; it is closed when
// the test ends.
func startNode(t *testing.T) *diskServer {
	t.Helper()
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Delivery.MinBackoff = 20 * time.Millisecond
	cfg.Delivery.MaxBackoff = 200 * time.Millisecond
	n := &diskServer{t: t, cfg: cfg}
	n.start()
	t.Cleanup(n.stop)
	return n
}

func (n *diskServer) start() {
	n.t.Helper()
	var w io.Writer = io.Discard
	if os.Getenv("SWITCHYARD_TEST_LOG") != "" {
		w = os.Stderr
	}
	srv := server.New(n.cfg, server.NewLogger(w, "debug", "text"))
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := srv.Start(c); err != nil {
		n.t.Fatal(err)
	}
	n.srv = srv
}

// stop closes the server gracefully (idempotent).
func (n *diskServer) stop() {
	if n.srv != nil {
		_ = n.srv.Close(context.Background())
		n.srv = nil
	}
}

// restart stops the server and starts a new one on the same data
// directory (on a new port).
func (n *diskServer) restart() {
	n.t.Helper()
	n.stop()
	n.start()
}

// env returns clients for the running server, signed as account in region.
func (n *diskServer) env(account, region string) *env {
	return clients(n.t, n.srv, n.srv.URL(), account, region)
}

// as returns clients for the same server signed as another account or
// region.
func (e *env) as(account, region string) *env {
	return clients(e.t, e.srv, e.srv.URL(), account, region)
}

func (e *env) arnPrefix() string {
	return "arn:aws:events:" + e.cfg.Region + ":" + accountOf(e) + ":"
}

// accountOf is the account the env signs as (its access key id).
func accountOf(e *env) string {
	creds, err := e.cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return creds.AccessKeyID
}

func (e *env) busArn(name string) string { return e.arnPrefix() + "event-bus/" + name }

func (e *env) ruleArn(bus, name string) string {
	if bus == "" || bus == "default" {
		return e.arnPrefix() + "rule/" + name
	}
	return e.arnPrefix() + "rule/" + bus + "/" + name
}

func (e *env) mustBus(name string, tags ...ebtypes.Tag) string {
	e.t.Helper()
	out := must(e.eb.CreateEventBus(ctx(e.t), &eventbridge.CreateEventBusInput{Name: aws.String(name), Tags: tags})).of(e.t)
	return aws.ToString(out.EventBusArn)
}

func (e *env) mustRule(bus, name, pattern string) string {
	e.t.Helper()
	out := must(e.eb.PutRule(ctx(e.t), &eventbridge.PutRuleInput{
		Name: aws.String(name), EventBusName: optStr(bus), EventPattern: aws.String(pattern),
	})).of(e.t)
	return aws.ToString(out.RuleArn)
}

func (e *env) mustTargets(bus, rule string, targets ...ebtypes.Target) {
	e.t.Helper()
	out := must(e.eb.PutTargets(ctx(e.t), &eventbridge.PutTargetsInput{
		Rule: aws.String(rule), EventBusName: optStr(bus), Targets: targets,
	})).of(e.t)
	if out.FailedEntryCount != 0 || len(out.FailedEntries) != 0 {
		e.t.Fatalf("PutTargets: %d failed: %+v", out.FailedEntryCount, out.FailedEntries)
	}
}

func (e *env) tags(arn string) map[string]string {
	e.t.Helper()
	out := must(e.eb.ListTagsForResource(ctx(e.t), &eventbridge.ListTagsForResourceInput{ResourceARN: aws.String(arn)})).of(e.t)
	m := map[string]string{}
	for _, tg := range out.Tags {
		m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return m
}

func (e *env) targetIDs(bus, rule string) []string {
	e.t.Helper()
	out := must(e.eb.ListTargetsByRule(ctx(e.t), &eventbridge.ListTargetsByRuleInput{Rule: aws.String(rule), EventBusName: optStr(bus)})).of(e.t)
	var ids []string
	for _, tg := range out.Targets {
		ids = append(ids, aws.ToString(tg.Id))
	}
	sort.Strings(ids)
	return ids
}

func (e *env) busNames(prefix string) []string {
	e.t.Helper()
	var names []string
	var token *string
	for {
		out := must(e.eb.ListEventBuses(ctx(e.t), &eventbridge.ListEventBusesInput{NamePrefix: optStr(prefix), NextToken: token})).of(e.t)
		for _, b := range out.EventBuses {
			names = append(names, aws.ToString(b.Name))
		}
		if token = out.NextToken; token == nil {
			return names
		}
	}
}

func (e *env) ruleNames(bus, prefix string) []string {
	e.t.Helper()
	var names []string
	var token *string
	for {
		out := must(e.eb.ListRules(ctx(e.t), &eventbridge.ListRulesInput{EventBusName: optStr(bus), NamePrefix: optStr(prefix), NextToken: token})).of(e.t)
		for _, r := range out.Rules {
			names = append(names, aws.ToString(r.Name))
		}
		if token = out.NextToken; token == nil {
			return names
		}
	}
}

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func newTag(k, v string) ebtypes.Tag { return ebtypes.Tag{Key: aws.String(k), Value: aws.String(v)} }

func sqsTarget(id, queue string) ebtypes.Target {
	return ebtypes.Target{Id: aws.String(id), Arn: aws.String("arn:aws:sqs:us-east-1:" + testAccount + ":" + queue)}
}

// entry is a valid PutEvents entry.
func validEntry(bus string) ebtypes.PutEventsRequestEntry {
	return ebtypes.PutEventsRequestEntry{
		Source: aws.String("app.orders"), DetailType: aws.String("Order Placed"),
		Detail: aws.String(`{"id": 1}`), EventBusName: optStr(bus),
	}
}
