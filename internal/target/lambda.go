package target

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/switchyard/switchyard/internal/config"
)

// LambdaKind runs arn:aws:lambda:…:function:<name> targets the way the
// configuration says (config.Targets.Lambda): through an endpoint speaking
// the Lambda Invoke API, as a JSON POST to a URL, or as a local command
// fed the event on standard input. A function the configuration does not
// name fails like a missing function: at once, into the dead-letter queue.
func LambdaKind(fns map[string]config.LambdaFunction, client *http.Client) Kind {
	if client == nil {
		client = &http.Client{}
	}
	return func(a ARN) Target {
		name, ok := strings.CutPrefix(a.Resource, "function:")
		if !ok {
			return nil
		}
		name, _, _ = strings.Cut(name, ":") // drop a version or alias qualifier
		fn, ok := fns[name]
		if !ok {
			return unreachable{reason: fmt.Sprintf("Function not found: %s (configure targets.lambda.%s with invoke_url, url or command)", a.String(), name)}
		}
		return &lambdaTarget{name: name, arn: a, fn: fn, client: client}
	}
}

type lambdaTarget struct {
	name   string
	arn    ARN
	fn     config.LambdaFunction
	client *http.Client
}

// Timeout implements Timeouter: the function's configured timeout
// (targets.lambda.<name>.timeout), default 10s.
func (l *lambdaTarget) Timeout() time.Duration {
	if l.fn.Timeout > 0 {
		return l.fn.Timeout
	}
	return 10 * time.Second
}

func (l *lambdaTarget) Invoke(ctx context.Context, inv *Invocation) error {
	ctx, cancel := context.WithTimeout(ctx, l.Timeout())
	defer cancel()
	switch {
	case len(l.fn.Command) > 0:
		return l.command(ctx, inv.Payload)
	case l.fn.InvokeURL != "":
		u := strings.TrimRight(l.fn.InvokeURL, "/") + "/2015-03-31/functions/" + l.name + "/invocations"
		return l.post(ctx, u, inv.Payload, true)
	case l.fn.URL != "":
		return l.post(ctx, l.fn.URL, inv.Payload, false)
	}
	return &Error{Code: CodeNotFound, Message: "targets.lambda." + l.name + " sets none of invoke_url, url or command"}
}

// post sends the payload; with invoke it speaks the Lambda Invoke API
// (asynchronous invocation), signing the request when credentials are
// configured.
func (l *lambdaTarget) post(ctx context.Context, url string, payload []byte, invoke bool) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return &Error{Code: CodeInvalidParam, Message: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	if invoke {
		req.Header.Set("X-Amz-Invocation-Type", "Event")
		if l.fn.AccessKeyID != "" {
			region := l.fn.Region
			if region == "" {
				region = l.arn.Region
			}
			sum := sha256.Sum256(payload)
			creds := aws.Credentials{AccessKeyID: l.fn.AccessKeyID, SecretAccessKey: l.fn.SecretAccessKey, SessionToken: l.fn.SessionToken}
			if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "lambda", region, time.Now()); err != nil {
				return &Error{Code: CodeSDKClient, Message: err.Error()}
			}
		}
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return &Error{Code: CodeSDKClient, Message: "invoking " + l.name + ": " + err.Error(), Retryable: true}
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusNotFound && invoke:
		return &Error{Code: CodeNotFound, Message: "Function not found: " + l.arn.String()}
	case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized:
		return &Error{Code: CodeNoPermissions, Message: fmt.Sprintf("invoking %s: %s %s", l.name, resp.Status, bytes.TrimSpace(body))}
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return &Error{Code: CodeThrottled, Message: fmt.Sprintf("invoking %s: %s", l.name, resp.Status), Retryable: true}
	default:
		return &Error{Code: CodeInvalidParam, Message: fmt.Sprintf("invoking %s: %s %s", l.name, resp.Status, bytes.TrimSpace(body))}
	}
}

// command runs the configured program with the payload on its standard
// input. A non-zero exit is a failed invocation, retried like any other.
func (l *lambdaTarget) command(ctx context.Context, payload []byte) error {
	cmd := exec.CommandContext(ctx, l.fn.Command[0], l.fn.Command[1:]...)
	cmd.Stdin = bytes.NewReader(payload)
	cmd.Env = os.Environ()
	cmd.Env = append(cmd.Env, "AWS_LAMBDA_FUNCTION_NAME="+l.name)
	for k, v := range l.fn.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		tail := out.Bytes()
		if len(tail) > 1024 {
			tail = tail[len(tail)-1024:]
		}
		return &Error{Code: CodeFunctionError, Message: fmt.Sprintf("function %s: %v: %s", l.name, err, bytes.TrimSpace(tail)), Retryable: true}
	}
	return nil
}

var _ Target = (*lambdaTarget)(nil)
