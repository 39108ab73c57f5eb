package awsquery_test

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/queue"
	"github.com/switchyard/switchyard/internal/store"
)

// sqsServer is an embedded store, the queue service and a Mux serving SQS
// over awsJson and awsQuery.
func sqsServer(t *testing.T) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := queue.Open(ctx, st, nil)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	mux := awsproto.NewMux(nil)
	mux.HandleJSON(svc.JSONService())
	mux.HandleQuery(svc.QueryService())
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		svc.Close()
		st.Close()
	})
	return srv
}

// post sends a form request signed (in form only) for account 123456789012.
func post(t *testing.T, target string, form url.Values) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=123456789012/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

type errorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Type    string   `xml:"Error>Type"`
	Code    string   `xml:"Error>Code"`
	Message string   `xml:"Error>Message"`
	ReqID   string   `xml:"RequestId"`
}

func wantQueryError(t *testing.T, status int, h http.Header, body string, wantStatus int, wantCode string) errorResponse {
	t.Helper()
	var e errorResponse
	if err := xml.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	if status != wantStatus || e.Code != wantCode {
		t.Errorf("got %d %s, want %d %s: %s", status, e.Code, wantStatus, wantCode, body)
	}
	if ct := h.Get("Content-Type"); ct != "text/xml" {
		t.Errorf("Content-Type %q", ct)
	}
	if e.ReqID == "" || e.ReqID != h.Get("x-amzn-RequestId") {
		t.Errorf("RequestId %q, header %q", e.ReqID, h.Get("x-amzn-RequestId"))
	}
	return e
}

// TestSQSQueryRaw drives the awsQuery service with hand-written forms: what
// the old clients cannot send (requests on a queue URL's path, malformed
// parameters).
func TestSQSQueryRaw(t *testing.T) {
	srv := sqsServer(t)
	form := func(kv ...string) url.Values {
		v := url.Values{"Version": {"2012-11-05"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	status, _, body := post(t, srv.URL+"/", form("Action", "CreateQueue", "QueueName", "raw",
		"Attribute.1.Name", "DelaySeconds", "Attribute.1.Value", "0"))
	if status != 200 || !strings.Contains(body, "<QueueUrl>"+srv.URL+"/123456789012/raw</QueueUrl>") {
		t.Fatalf("CreateQueue: %d %s", status, body)
	}
	if !strings.HasPrefix(body, `<?xml version="1.0"?><CreateQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><CreateQueueResult>`) {
		t.Errorf("CreateQueue body %s", body)
	}

	// On the queue URL's path, without QueueUrl, and without Version.
	qpath := srv.URL + "/123456789012/raw"
	status, _, body = post(t, qpath, url.Values{"Action": {"SendMessage"}, "MessageBody": {"on the path"}})
	if status != 200 || !strings.Contains(body, "<MD5OfMessageBody>") {
		t.Fatalf("SendMessage on the queue path: %d %s", status, body)
	}
	status, _, body = post(t, qpath, form("Action", "ReceiveMessage", "AttributeName.1", "SentTimestamp", "WaitTimeSeconds", "1"))
	if status != 200 || !strings.Contains(body, "<Body>on the path</Body>") ||
		!strings.Contains(body, "<Attribute><Name>SentTimestamp</Name><Value>") {
		t.Fatalf("ReceiveMessage on the queue path: %d %s", status, body)
	}
	// An explicit QueueUrl wins over the path.
	status, h, body := post(t, qpath, form("Action", "GetQueueAttributes", "QueueUrl", srv.URL+"/123456789012/other"))
	if e := wantQueryError(t, status, h, body, 400, "AWS.SimpleQueueService.NonExistentQueue"); e.Type != "Sender" ||
		e.Message != "The specified queue does not exist for this wsdl version." {
		t.Errorf("NonExistentQueue: %+v", e)
	}

	// Malformed parameters.
	status, h, body = post(t, srv.URL, form("Action", "ReceiveMessage", "QueueUrl", qpath, "MaxNumberOfMessages", "many"))
	e := wantQueryError(t, status, h, body, 400, "InvalidParameterValue")
	if e.Type != "Sender" || e.Message != "Value many for parameter MaxNumberOfMessages is invalid. Reason: must be an integer." {
		t.Errorf("error %+v", e)
	}
	status, h, body = post(t, srv.URL, form("Action", "CreateQueue", "QueueName", "raw2", "Attribute.1.Value", "0"))
	wantQueryError(t, status, h, body, 400, "MissingParameter")
	status, h, body = post(t, srv.URL, form("Action", "GetQueueAttributes", "QueueUrl", qpath, "AttributeName.x", "All"))
	wantQueryError(t, status, h, body, 400, "MalformedQueryString")
	status, h, body = post(t, srv.URL, form("Action", "NoSuchAction"))
	wantQueryError(t, status, h, body, 400, "InvalidAction")
	// Flattened map members (Tag.N.Key / Tag.N.Value) decode into the tag map.
	status, _, body = post(t, srv.URL, form("Action", "TagQueue", "QueueUrl", qpath, "Tag.1.Key", "k", "Tag.1.Value", "v"))
	if status != 200 {
		t.Errorf("TagQueue: %d %s", status, body)
	}
	status, _, body = post(t, srv.URL, form("Action", "ListQueueTags", "QueueUrl", qpath))
	if status != 200 || !strings.Contains(body, "<Key>k</Key>") || !strings.Contains(body, "<Value>v</Value>") {
		t.Errorf("ListQueueTags: %d %s", status, body)
	}
	status, h, body = post(t, srv.URL, form("Action", "DeleteQueue"))
	wantQueryError(t, status, h, body, 400, "MissingParameter")

	// Another service's Version is not ours.
	status, _, body = post(t, srv.URL, url.Values{"Action": {"ListTopics"}, "Version": {"2010-03-31"}})
	if status != 400 || strings.Contains(body, "ErrorResponse") {
		t.Errorf("SNS request: %d %s", status, body)
	}

	status, _, body = post(t, qpath, form("Action", "DeleteQueue"))
	if status != 200 || body != `<?xml version="1.0"?><DeleteQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ResponseMetadata><RequestId>`+requestID(body)+`</RequestId></ResponseMetadata></DeleteQueueResponse>` {
		t.Errorf("DeleteQueue: %d %s", status, body)
	}
}

func requestID(body string) string {
	_, rest, _ := strings.Cut(body, "<RequestId>")
	id, _, _ := strings.Cut(rest, "</RequestId>")
	return id
}

// TestSQSQueryOldClients runs test/acceptance/sqs_query_test.py with
// Debian's python3-boto3 (botocore 1.29) and awscli 2.9, which speak SQS in
// the awsQuery protocol. Skipped when /usr/bin/python3 has no boto3
// (apt-get install python3-boto3 awscli).
func TestSQSQueryOldClients(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real clients")
	}
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import boto3").Run(); err != nil {
		t.Skipf("%s has no boto3 (apt-get install python3-boto3 awscli): %v", python, err)
	}
	if _, err := os.Stat("/usr/bin/aws"); err != nil {
		t.Skip("no /usr/bin/aws (apt-get install awscli)")
	}
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "test", "acceptance", "sqs_query_test.py")
	srv := sqsServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, script)
	cmd.Env = append(os.Environ(), "SWITCHYARD_URL="+srv.URL, "AWS_CLI=/usr/bin/aws")
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
}
