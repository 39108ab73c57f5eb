package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"

	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/config"
)

var (
	fuzzOnce sync.Once
	fuzzSrv  *Server
	fuzzErr  error
)

// fuzzServer is one server shared by all fuzz inputs of a process.
func fuzzServer(t testing.TB) *Server {
	fuzzOnce.Do(func() {
		cfg := config.Default()
		cfg.Listen = "127.0.0.1:0"
		dir, err := tempDir()
		if err != nil {
			fuzzErr = err
			return
		}
		cfg.DataDir = dir
		fuzzSrv = New(cfg, nil)
		fuzzErr = fuzzSrv.Start(context.Background())
	})
	if fuzzErr != nil {
		t.Fatal(fuzzErr)
	}
	return fuzzSrv
}

func operationNames() []string {
	var ops []string
	for name := range events.Operations {
		ops = append(ops, name)
	}
	sort.Strings(ops)
	return ops
}

// FuzzEventsAPI sends arbitrary bodies to every EventBridge operation and
// to the SQS service: every answer is a 200, or an AWS error envelope with
// a 4xx status — never a panic or a server error.
func FuzzEventsAPI(f *testing.F) {
	ops := operationNames()
	seeds := []string{
		`{}`, `{"Name":"b"}`, `{"Name":"r","EventPattern":"{\"a\":[1]}"}`,
		`{"Entries":[{"Source":"s","DetailType":"d","Detail":"{}"}]}`,
		`{"Entries":[{"Source":"s","DetailType":"d","Detail":"[]","Time":"x"}]}`,
		`{"Rule":"r","Targets":[{"Id":"1","Arn":"arn:aws:sqs:us-east-1:000000000000:q","InputTransformer":{"InputTemplate":"<a>"}}]}`,
		`{"EventPattern":"{\"a\":[{\"numeric\":[\">\",1]}]}","Event":"{}"}`,
		`{"Entries":"x"}`, `[`, `null`, `{"Limit":-1}`, `{"NextToken":"%%%"}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		srv := fuzzServer(t)
		name := ops[int(op)%len(ops)]
		target := "AWSEvents." + name
		if op%17 == 16 {
			target = "AmazonSQS.SendMessage"
		}
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", target)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=123456789012/20240101/us-east-1/events/aws4_request, SignedHeaders=host, Signature=x")
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q: status %d: %s", target, body, rec.Code, rec.Body)
		}
		if rec.Code != 200 {
			var env struct {
				Type string `json:"__type"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Type == "" {
				t.Fatalf("%s %q: status %d without an error envelope: %s", target, body, rec.Code, rec.Body)
			}
		}
	})
}
