package target

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard/switchyard/internal/config"
)

// fakeAWS answers every request with one canned response and records the
// requests.
type fakeAWS struct {
	*httptest.Server
	mu       sync.Mutex
	status   int
	body     string
	header   map[string]string
	delay    time.Duration
	requests []string // X-Amz-Target or method+path, then the body
}

func newFakeAWS(t *testing.T) *fakeAWS {
	f := &fakeAWS{status: 200, body: "{}"}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		op := r.Header.Get("X-Amz-Target")
		if op == "" {
			op = r.Method + " " + r.URL.Path
		}
		f.requests = append(f.requests, op+" "+string(b))
		status, body, header, delay := f.status, f.body, f.header, f.delay
		f.mu.Unlock()
		if delay > 0 {
			time.Sleep(delay)
		}
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAWS) respond(status int, body string, header map[string]string) {
	f.mu.Lock()
	f.status, f.body, f.header = status, body, header
	f.mu.Unlock()
}

func awsRegistry(endpoint string) *Registry {
	reg := NewRegistry()
	for s, k := range AWSKinds(config.Targets{AWS: map[string]config.AWSEndpoint{"default": {Endpoint: endpoint, Region: "us-east-1", AccessKeyID: "AK", SecretAccessKey: "SK"}}}) {
		reg.Register(s, k)
	}
	return reg
}

// TestAWSErrorClassification runs real SDK calls against canned error
// responses and checks the dead-letter code and whether delivery retries.
func TestAWSErrorClassification(t *testing.T) {
	f := newFakeAWS(t)
	reg := awsRegistry(f.URL)
	kinesisArn := "arn:aws:kinesis:us-east-1:123456789012:stream/s"
	jsonErr := func(typ string) string { return `{"__type":"` + typ + `","message":"it failed"}` }
	for _, c := range []struct {
		name, arn string
		status    int
		body      string
		header    map[string]string
		code      string
		retryable bool
	}{
		{"missing stream", kinesisArn, 400, jsonErr("ResourceNotFoundException"), nil, CodeNotFound, false},
		{"throughput exceeded", kinesisArn, 400, jsonErr("ProvisionedThroughputExceededException"), nil, CodeThrottled, true},
		{"throttled", kinesisArn, 400, jsonErr("ThrottlingException"), nil, CodeThrottled, true},
		{"access denied", kinesisArn, 400, jsonErr("AccessDeniedException"), nil, CodeNoPermissions, false},
		{"bad credentials", kinesisArn, 400, jsonErr("UnrecognizedClientException"), nil, CodeNoPermissions, false},
		{"validation", kinesisArn, 400, jsonErr("ValidationException"), nil, CodeInvalidParam, false},
		{"stream being updated", kinesisArn, 400, jsonErr("ResourceInUseException"), nil, codeModifyCollision, true},
		{"unknown 4xx code", kinesisArn, 400, jsonErr("SomethingNewException"), nil, CodeInvalidParam, false},
		{"server error", kinesisArn, 500, jsonErr("InternalFailure"), nil, CodeInternal, true},
		{"unavailable", kinesisArn, 503, `not json`, nil, CodeInternal, true},
		{"429 without a code", kinesisArn, 429, `{}`, nil, CodeThrottled, true},
		{"403 without a code", kinesisArn, 403, `{}`, nil, CodeNoPermissions, false},
		{"state machine missing", "arn:aws:states:us-east-1:1:stateMachine:m", 400, jsonErr("StateMachineDoesNotExist"), nil, CodeNotFound, false},
		{"execution exists", "arn:aws:states:us-east-1:1:stateMachine:m", 400, jsonErr("ExecutionAlreadyExists"), nil, codeAlreadyExists, false},
		{"execution limit", "arn:aws:states:us-east-1:1:stateMachine:m", 400, jsonErr("ExecutionLimitExceeded"), nil, codeLimitExceeded, true},
		{"input not JSON", "arn:aws:states:us-east-1:1:stateMachine:m", 400, jsonErr("InvalidExecutionInput"), nil, codeInvalidJSON, false},
		{"firehose missing", "arn:aws:firehose:us-east-1:1:deliverystream/d", 400, jsonErr("ResourceNotFoundException"), nil, CodeNotFound, false},
		{"firehose unavailable", "arn:aws:firehose:us-east-1:1:deliverystream/d", 400, jsonErr("ServiceUnavailableException"), nil, CodeThrottled, true},
		{"cluster missing", "arn:aws:ecs:us-east-1:1:cluster/c", 400, jsonErr("ClusterNotFoundException"), nil, CodeNotFound, false},
		{"task definition missing", "arn:aws:ecs:us-east-1:1:cluster/c", 400, jsonErr("ClientException"), nil, CodeInvalidParam, false},
		{"ecs server", "arn:aws:ecs:us-east-1:1:cluster/c", 500, jsonErr("ServerException"), nil, CodeInternal, true},
		{"batch client error (restJson)", "arn:aws:batch:us-east-1:1:job-queue/q", 400, `{"message":"no such queue"}`, map[string]string{"X-Amzn-ErrorType": "ClientException"}, CodeInvalidParam, false},
		{"batch throttled (restJson)", "arn:aws:batch:us-east-1:1:job-queue/q", 429, `{"message":"slow down"}`, map[string]string{"X-Amzn-ErrorType": "TooManyRequestsException"}, CodeThrottled, true},
		{"ssm document missing", "arn:aws:ssm:us-east-1::document/AWS-RunShellScript", 400, jsonErr("InvalidDocument"), nil, CodeNotFound, false},
		{"redshift cluster missing", "arn:aws:redshift:us-east-1:1:cluster:c", 400, jsonErr("ResourceNotFoundException"), nil, CodeNotFound, false},
		{"redshift connection", "arn:aws:redshift:us-east-1:1:cluster:c", 500, jsonErr("DatabaseConnectionException"), nil, codeConnectionFailure, true},
		{"pipeline missing", "arn:aws:sagemaker:us-east-1:1:pipeline/p", 400, jsonErr("ResourceNotFound"), nil, CodeNotFound, false},
		{"pipeline limit", "arn:aws:sagemaker:us-east-1:1:pipeline/p", 400, jsonErr("ResourceLimitExceeded"), nil, codeLimitExceeded, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			f.respond(c.status, c.body, c.header)
			target := `{"Arn":"` + c.arn + `","Input":"{}","EcsParameters":{"TaskDefinitionArn":"td"},"BatchParameters":{"JobDefinition":"d","JobName":"j"},` +
				`"RunCommandParameters":{"RunCommandTargets":[{"Key":"InstanceIds","Values":["i-1"]}]},"RedshiftDataParameters":{"Database":"d","Sql":"select 1"}}`
			err := reg.Resolve(c.arn).Invoke(context.Background(), invocation(target, "{}"))
			wantError(t, err, c.code, c.retryable)
		})
	}
}

func TestAWSTransportErrors(t *testing.T) {
	// Nothing listens: a connection failure, retried.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	reg := awsRegistry("http://" + addr)
	arn := "arn:aws:kinesis:us-east-1:1:stream/s"
	err = reg.Resolve(arn).Invoke(context.Background(), invocation(`{}`, "{}"))
	wantError(t, err, codeConnectionFailure, true)

	// A slow service: the invocation's deadline passes, retried.
	f := newFakeAWS(t)
	f.delay = 300 * time.Millisecond
	reg = awsRegistry(f.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = reg.Resolve(arn).Invoke(ctx, invocation(`{}`, "{}"))
	wantError(t, err, codeTimeout, true)
}

func TestAWSCallsAndClientReuse(t *testing.T) {
	f := newFakeAWS(t)
	kinds := AWSKinds(config.Targets{AWS: map[string]config.AWSEndpoint{"default": {Endpoint: f.URL + "/", AccessKeyID: "AK", SecretAccessKey: "SK"}}})
	reg := NewRegistry()
	for s, k := range kinds {
		reg.Register(s, k)
	}
	arn := "arn:aws:kinesis:eu-west-1:1:stream/s"
	for range 3 {
		if err := reg.Resolve(arn).Invoke(context.Background(), invocation(`{}`, `{"a":1}`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := reg.Resolve("arn:aws:kinesis:us-east-1:1:stream/s").Invoke(context.Background(), invocation(`{}`, `{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	a := reg.Resolve(arn).(*kinesisTarget).a
	if n := len(a.clients); n != 2 {
		t.Errorf("%d clients for kinesis in two regions, want 2 (one per region, reused)", n)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) != 4 || !strings.HasPrefix(f.requests[0], "Kinesis_20131202.PutRecord ") || !strings.Contains(f.requests[0], `"PartitionKey":"`+testEventID+`"`) {
		t.Fatalf("requests %q", f.requests)
	}
}

func TestLogsStreamCreation(t *testing.T) {
	var calls atomic.Int32
	var mu sync.Mutex
	var ops []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		op := r.Header.Get("X-Amz-Target")
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		ops = append(ops, op+" "+string(b))
		mu.Unlock()
		switch {
		case strings.HasSuffix(op, "CreateLogStream") && strings.Contains(string(b), "nogroup"):
			w.WriteHeader(400)
			fmt.Fprint(w, `{"__type":"ResourceNotFoundException","message":"The specified log group does not exist."}`)
		case strings.HasSuffix(op, "CreateLogStream") && strings.Contains(string(b), "again"):
			w.WriteHeader(400)
			fmt.Fprint(w, `{"__type":"ResourceAlreadyExistsException","message":"The specified log stream already exists"}`)
		case strings.HasSuffix(op, "PutLogEvents") && strings.Contains(string(b), "old"):
			fmt.Fprint(w, `{"rejectedLogEventsInfo":{"tooOldLogEventEndIndex":1}}`)
		default:
			fmt.Fprint(w, `{}`)
		}
	}))
	defer srv.Close()
	reg := awsRegistry(srv.URL)
	inv := invocation(`{}`, `{"a":1}`)
	if err := reg.Resolve("arn:aws:logs:us-east-1:1:log-group:g").Invoke(context.Background(), inv); err != nil {
		t.Fatal(err)
	}
	if len(ops) != 2 || !strings.Contains(ops[0], `"logStreamName":"`+testEventID+`"`) || !strings.HasSuffix(strings.Fields(ops[1])[0], "PutLogEvents") {
		t.Fatalf("calls %q", ops)
	}
	// The stream exists already (an earlier attempt): the event is still written.
	if err := reg.Resolve("arn:aws:logs:us-east-1:1:log-group:again").Invoke(context.Background(), inv); err != nil {
		t.Fatal(err)
	}
	err := reg.Resolve("arn:aws:logs:us-east-1:1:log-group:nogroup").Invoke(context.Background(), inv)
	wantError(t, err, CodeNotFound, false)
	err = reg.Resolve("arn:aws:logs:us-east-1:1:log-group:old").Invoke(context.Background(), inv)
	wantError(t, err, CodeInvalidParam, false)
}

func TestECSRunTaskFailures(t *testing.T) {
	f := newFakeAWS(t)
	reg := awsRegistry(f.URL)
	arn := "arn:aws:ecs:us-east-1:1:cluster/c"
	target := `{"Arn":"` + arn + `","EcsParameters":{"TaskDefinitionArn":"td"}}`
	f.respond(200, `{"tasks":[],"failures":[{"reason":"RESOURCE:MEMORY","arn":"x"}]}`, nil)
	err := reg.Resolve(arn).Invoke(context.Background(), invocation(target, ""))
	wantError(t, err, codeLimitExceeded, true)
	if !strings.Contains(err.Error(), "RESOURCE:MEMORY") {
		t.Errorf("message %v", err)
	}
	f.respond(200, `{"tasks":[{"taskArn":"t"}],"failures":[{"reason":"RESOURCE:MEMORY"}]}`, nil)
	if err := reg.Resolve(arn).Invoke(context.Background(), invocation(target, "")); err != nil {
		t.Fatalf("some tasks started: %v", err)
	}
}
