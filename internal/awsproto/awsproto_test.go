package awsproto

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseCaller(t *testing.T) {
	cases := []struct {
		name, auth, regionSet, query string
		want                         Caller
	}{
		{"unsigned", "", "", "", Caller{Account: DefaultAccount, Region: "us-east-1"}},
		{"sigv4 account key", "AWS4-HMAC-SHA256 Credential=123456789012/20240101/eu-west-1/events/aws4_request, SignedHeaders=host, Signature=abc", "", "",
			Caller{AccessKey: "123456789012", Account: "123456789012", Region: "eu-west-1", Signed: true, Algorithm: "AWS4-HMAC-SHA256", Service: "events"}},
		{"sigv4 other key", "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20240101/ap-south-1/sqs/aws4_request,SignedHeaders=host,Signature=abc", "", "",
			Caller{AccessKey: "AKIAEXAMPLE", Account: DefaultAccount, Region: "ap-south-1", Signed: true, Algorithm: "AWS4-HMAC-SHA256", Service: "sqs"}},
		{"sigv4a with region set", "AWS4-ECDSA-P256-SHA256 Credential=111122223333/20240101/events/aws4_request, SignedHeaders=host, Signature=abc", "us-west-2", "",
			Caller{AccessKey: "111122223333", Account: "111122223333", Region: "us-west-2", Signed: true, Algorithm: "AWS4-ECDSA-P256-SHA256", Service: "events"}},
		{"sigv4a wildcard region set", "AWS4-ECDSA-P256-SHA256 Credential=k/20240101/events/aws4_request, SignedHeaders=host, Signature=abc", "*", "",
			Caller{AccessKey: "k", Account: DefaultAccount, Region: "us-east-1", Signed: true, Algorithm: "AWS4-ECDSA-P256-SHA256", Service: "events"}},
		{"presigned", "", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=999999999999%2F20240101%2Fus-west-1%2Fsqs%2Faws4_request",
			Caller{AccessKey: "999999999999", Account: "999999999999", Region: "us-west-1", Signed: true, Algorithm: "AWS4-HMAC-SHA256", Service: "sqs"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/?"+c.query, nil)
			if c.auth != "" {
				r.Header.Set("Authorization", c.auth)
			}
			if c.regionSet != "" {
				r.Header.Set("X-Amz-Region-Set", c.regionSet)
			}
			if got := ParseCaller(r, "us-east-1"); got != c.want {
				t.Fatalf("got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

type coded struct{}

func (coded) Error() string { return "bad thing" }
func (coded) Code() string  { return "CustomException" }

func testMux() *Mux {
	m := NewMux(nil)
	m.MaxBody = 1024
	m.HandleJSON(&JSONService{
		TargetPrefix: "Svc", JSONVersion: "1.1", InternalCode: "InternalException",
		Known: map[string]bool{"Later": true},
		NotImplemented: func(op string) *Error {
			return &Error{Code: "OperationDisabledException", Message: op + " later"}
		},
		Operations: map[string]Operation{
			"Echo": func(ctx context.Context, r *Request) (any, error) {
				var v map[string]any
				if err := DecodeJSON(r, &v); err != nil {
					return nil, err
				}
				return map[string]any{"got": v, "account": r.Caller.Account}, nil
			},
			"Fail": func(context.Context, *Request) (any, error) {
				return nil, Errorf("ResourceNotFoundException", "Thing %s does not exist.", "x")
			},
			"Coded": func(context.Context, *Request) (any, error) { return nil, coded{} },
			"Boom":  func(context.Context, *Request) (any, error) { panic("boom") },
			"Oops":  func(context.Context, *Request) (any, error) { return nil, errors.New("nats: secret detail") },
			"Query": func(context.Context, *Request) (any, error) {
				return nil, &Error{Code: "QueueDoesNotExist", Message: "gone", QueryCode: "AWS.SimpleQueueService.NonExistentQueue"}
			},
		},
	})
	return m
}

func call(t *testing.T, m *Mux, target, body string, hdr map[string]string) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	if target != "" {
		r.Header.Set("X-Amz-Target", target)
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	m.ServeHTTP(w, r)
	var out map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &out)
	return w, out
}

func TestMux(t *testing.T) {
	m := testMux()
	cases := []struct {
		name, target, body string
		status             int
		typ, msg           string
	}{
		{"echo", "Svc.Echo", `{"a":1}`, 200, "", ""},
		{"empty body", "Svc.Echo", ``, 200, "", ""},
		{"malformed", "Svc.Echo", `{"a":`, 400, "SerializationException", ""},
		{"aws error", "Svc.Fail", `{}`, 400, "ResourceNotFoundException", "Thing x does not exist."},
		{"coded error", "Svc.Coded", `{}`, 400, "CustomException", "bad thing"},
		{"panic", "Svc.Boom", `{}`, 500, "InternalException", ""},
		{"internal error hides details", "Svc.Oops", `{}`, 500, "InternalException", "An internal error occurred; retry the request."},
		{"unknown service", "Nope.Echo", `{}`, 400, "UnknownOperationException", ""},
		{"unknown operation", "Svc.Nope", `{}`, 400, "UnknownOperationException", ""},
		{"not implemented", "Svc.Later", `{}`, 400, "OperationDisabledException", "Later later"},
		{"too big", "Svc.Echo", `{"a":"` + strings.Repeat("x", 2000) + `"}`, 413, "RequestEntityTooLarge", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, out := call(t, m, c.target, c.body, nil)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
			}
			if w.Header().Get("x-amzn-RequestId") == "" {
				t.Fatal("no request id")
			}
			if c.typ != "" && out["__type"] != c.typ {
				t.Fatalf("__type %v, want %s", out["__type"], c.typ)
			}
			if c.msg != "" && out["message"] != c.msg {
				t.Fatalf("message %v, want %s", out["message"], c.msg)
			}
		})
	}
	w, _ := call(t, m, "Svc.Query", `{}`, nil)
	if got := w.Header().Get("x-amzn-query-error"); got != "AWS.SimpleQueueService.NonExistentQueue;Sender" {
		t.Fatalf("x-amzn-query-error %q", got)
	}
	w, out := call(t, m, "Svc.Echo", `{}`, map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=k/20240101/us.east/events/aws4_request, SignedHeaders=host, Signature=x"})
	if w.Code != 403 || out["__type"] != "InvalidSignatureException" {
		t.Fatalf("bad region: %d %v", w.Code, out)
	}
}

// FuzzMux: any request gets a JSON answer with a request id, never a panic
// escaping the handler.
func FuzzMux(f *testing.F) {
	f.Add("Svc.Echo", "AWS4-HMAC-SHA256 Credential=123456789012/20240101/us-east-1/events/aws4_request", []byte(`{"a":1}`))
	f.Add("Svc.Boom", "", []byte(`{}`))
	f.Add("", "AWS4-ECDSA-P256-SHA256 Credential=x/y/z", []byte(`[`))
	f.Add("Svc.", "Credential=", []byte{0xff, 0xfe})
	m := testMux()
	f.Fuzz(func(t *testing.T, target, auth string, body []byte) {
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		if target != "" {
			r.Header["X-Amz-Target"] = []string{target}
		}
		if auth != "" {
			r.Header["Authorization"] = []string{auth}
		}
		w := httptest.NewRecorder()
		m.ServeHTTP(w, r)
		if w.Header().Get("x-amzn-RequestId") == "" {
			t.Fatal("no request id")
		}
		if w.Code != http.StatusOK && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("status %d with a body that is not JSON: %q", w.Code, w.Body)
		}
	})
}
