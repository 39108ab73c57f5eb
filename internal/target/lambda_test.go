package target

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchyard/switchyard/internal/config"
)

func invokeLambda(t *testing.T, fns map[string]config.LambdaFunction, arn string, payload string) error {
	t.Helper()
	reg := NewRegistry()
	reg.Register("lambda", LambdaKind(fns, nil))
	return reg.Resolve(arn).Invoke(context.Background(), &Invocation{TargetArn: arn, Payload: []byte(payload)})
}

func TestLambdaInvokeAPI(t *testing.T) {
	var got struct{ path, typ, body, auth string }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.path, got.typ, got.body, got.auth = r.URL.Path, r.Header.Get("X-Amz-Invocation-Type"), string(b), r.Header.Get("Authorization")
		if strings.Contains(r.URL.Path, "/missing/") {
			w.WriteHeader(404)
			return
		}
		w.WriteHeader(202)
	}))
	defer srv.Close()
	fns := map[string]config.LambdaFunction{
		"f":       {InvokeURL: srv.URL},
		"signed":  {InvokeURL: srv.URL, AWSEndpoint: config.AWSEndpoint{AccessKeyID: "AK", SecretAccessKey: "SK"}},
		"missing": {InvokeURL: srv.URL},
	}
	if err := invokeLambda(t, fns, "arn:aws:lambda:us-east-1:1:function:f:live", `{"a":1}`); err != nil {
		t.Fatal(err)
	}
	if got.path != "/2015-03-31/functions/f/invocations" || got.typ != "Event" || got.body != `{"a":1}` || got.auth != "" {
		t.Fatalf("request %+v", got)
	}
	if err := invokeLambda(t, fns, "arn:aws:lambda:eu-west-1:1:function:signed", `{}`); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got.auth, "Credential=AK/") || !strings.Contains(got.auth, "/eu-west-1/lambda/aws4_request") {
		t.Fatalf("not signed: %q", got.auth)
	}
	err := invokeLambda(t, fns, "arn:aws:lambda:us-east-1:1:function:missing", `{}`)
	var te *Error
	if !errors.As(err, &te) || te.Code != CodeNotFound || te.Retryable {
		t.Fatalf("missing function: %v", err)
	}
}

func TestLambdaURLStatuses(t *testing.T) {
	status := 200
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) }))
	defer srv.Close()
	fns := map[string]config.LambdaFunction{"f": {URL: srv.URL}}
	for _, c := range []struct {
		status    int
		ok        bool
		retryable bool
	}{{200, true, false}, {204, true, false}, {400, false, false}, {403, false, false}, {429, false, true}, {503, false, true}} {
		status = c.status
		err := invokeLambda(t, fns, "arn:aws:lambda:us-east-1:1:function:f", `{}`)
		if (err == nil) != c.ok || (err != nil && Retryable(err) != c.retryable) {
			t.Errorf("status %d: err %v", c.status, err)
		}
	}
}

func TestLambdaCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "event.json")
	fns := map[string]config.LambdaFunction{
		"ok":   {Command: []string{"sh", "-c", `cat > "$OUT"; test "$AWS_LAMBDA_FUNCTION_NAME" = ok`}, Env: map[string]string{"OUT": out}},
		"fail": {Command: []string{"sh", "-c", "echo boom >&2; exit 3"}},
	}
	if err := invokeLambda(t, fns, "arn:aws:lambda:us-east-1:1:function:ok", `{"detail":{}}`); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); string(b) != `{"detail":{}}` {
		t.Fatalf("stdin %q", b)
	}
	err := invokeLambda(t, fns, "arn:aws:lambda:us-east-1:1:function:fail", `{}`)
	var te *Error
	if !errors.As(err, &te) || te.Code != CodeFunctionError || !te.Retryable || !strings.Contains(te.Message, "boom") {
		t.Fatalf("failing command: %v", err)
	}
	err = invokeLambda(t, fns, "arn:aws:lambda:us-east-1:1:function:unconfigured", `{}`)
	if !errors.As(err, &te) || te.Code != CodeNotFound || te.Retryable || !strings.Contains(te.Message, "targets.lambda.unconfigured") {
		t.Fatalf("unconfigured: %v", err)
	}
}
