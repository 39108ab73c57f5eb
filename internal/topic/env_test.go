package topic

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/queue"
	"github.com/switchyard/switchyard/internal/store"
)

// env is an embedded store, the queue service and the topic service behind
// one HTTP server (awsproto.Mux for the APIs, Handler under URLPrefix),
// with official SDK clients.
type env struct {
	t      testing.TB
	dir    string
	opt    Options
	st     *store.Store
	queues *queue.Service
	svc    *Service
	srv    *httptest.Server
	sns    *sns.Client
	sqs    *sqs.Client
	addr   string // kept across restarts so URLs stay valid
}

func newEnv(t testing.TB, opt Options) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), opt: opt}
	e.start()
	t.Cleanup(e.stop)
	return e
}

func (e *env) start() {
	e.t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DataDir: e.dir})
	if err != nil {
		e.t.Fatal(err)
	}
	q, err := queue.Open(ctx, st, nil)
	if err != nil {
		st.Close()
		e.t.Fatal(err)
	}
	svc, err := Open(ctx, st, q, nil, e.opt)
	if err != nil {
		q.Close()
		st.Close()
		e.t.Fatal(err)
	}
	mux := awsproto.NewMux(nil)
	mux.HandleJSON(q.JSONService())
	mux.HandleQuery(q.QueryService())
	mux.HandleQuery(svc.QueryService())
	root := http.NewServeMux()
	root.Handle(URLPrefix, svc.Handler())
	root.Handle("/", mux)
	srv := httptest.NewUnstartedServer(root)
	if e.addr != "" {
		ln, err := net.Listen("tcp", e.addr)
		if err != nil {
			e.t.Fatal(err)
		}
		srv.Listener.Close()
		srv.Listener = ln
	}
	srv.Start()
	e.addr = srv.Listener.Addr().String()
	e.st, e.queues, e.svc, e.srv = st, q, svc, srv
	creds := credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")
	e.sns = sns.New(sns.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1})
	e.sqs = sqs.New(sqs.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1})
}

func (e *env) stop() {
	if e.srv == nil {
		return
	}
	e.srv.Close()
	e.svc.Close()
	e.queues.Close()
	e.st.Close()
	e.srv = nil
}

func (e *env) restart() {
	e.stop()
	e.start()
}

func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	e.t.Cleanup(cancel)
	return ctx
}

func (e *env) createTopic(name string, attrs map[string]string) string {
	e.t.Helper()
	out, err := e.sns.CreateTopic(e.ctx(), &sns.CreateTopicInput{Name: aws.String(name), Attributes: attrs})
	if err != nil {
		e.t.Fatalf("CreateTopic %s: %v", name, err)
	}
	return *out.TopicArn
}

// createQueue returns the URL and ARN of a new queue.
func (e *env) createQueue(name string, attrs map[string]string) (string, string) {
	e.t.Helper()
	out, err := e.sqs.CreateQueue(e.ctx(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		e.t.Fatalf("CreateQueue %s: %v", name, err)
	}
	return *out.QueueUrl, "arn:aws:sqs:us-east-1:000000000000:" + name
}

func (e *env) subscribe(topicArn, proto, endpoint string, attrs map[string]string) string {
	e.t.Helper()
	out, err := e.sns.Subscribe(e.ctx(), &sns.SubscribeInput{
		TopicArn: aws.String(topicArn), Protocol: aws.String(proto), Endpoint: aws.String(endpoint),
		Attributes: attrs, ReturnSubscriptionArn: true,
	})
	if err != nil {
		e.t.Fatalf("Subscribe %s %s: %v", proto, endpoint, err)
	}
	return *out.SubscriptionArn
}

// receive waits for n messages on a queue (deleting them).
func (e *env) receive(queueURL string, n int, wait time.Duration) []sqstypes.Message {
	e.t.Helper()
	var out []sqstypes.Message
	deadline := time.Now().Add(wait)
	for len(out) < n && time.Now().Before(deadline) {
		r, err := e.sqs.ReceiveMessage(e.ctx(), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageAttributeNames: []string{"All"}, MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"All"},
		})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, m := range r.Messages {
			out = append(out, m)
			_, _ = e.sqs.DeleteMessage(e.ctx(), &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle})
		}
	}
	return out
}

// apiErr asserts an API error's code and message.
func apiErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		t.Fatalf("error = %s %q, want %s %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

// verifySignature checks an SNS message's signature the way AWS documents
// it: fetch the certificate at SigningCertURL, rebuild the canonical string
// from the message's fields, and verify with SHA1withRSA (SignatureVersion
// 1) or SHA256withRSA (2).
func verifySignature(t *testing.T, msg map[string]any) {
	t.Helper()
	get := func(k string) (string, bool) {
		v, ok := msg[k].(string)
		return v, ok
	}
	certURL, _ := get("SigningCertURL")
	if !strings.Contains(certURL, URLPrefix+"SimpleNotificationService-") || !strings.HasSuffix(certURL, ".pem") {
		t.Fatalf("SigningCertURL %q", certURL)
	}
	resp, err := http.Get(certURL)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		t.Fatalf("certificate at %s is not PEM: %q", certURL, pemBytes)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	typ, _ := get("Type")
	if typ == "Notification" {
		fields = []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
	} else {
		fields = []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
	}
	var b strings.Builder
	for _, f := range fields {
		v, ok := get(f)
		if !ok {
			continue // Subject only when present
		}
		b.WriteString(f + "\n" + v + "\n")
	}
	sigB64, _ := get("Signature")
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil {
		t.Fatal(err)
	}
	pub := cert.PublicKey.(*rsa.PublicKey)
	version, _ := get("SignatureVersion")
	switch version {
	case "1":
		h := sha1.Sum([]byte(b.String()))
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA1, h[:], sig)
	case "2":
		h := sha256.Sum256([]byte(b.String()))
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig)
	default:
		t.Fatalf("SignatureVersion %q", version)
	}
	if err != nil {
		t.Fatalf("signature (v%s) does not verify: %v", version, err)
	}
}

// sqsMessage is the SDK's message type.
type sqsMessage = sqstypes.Message

func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("not JSON: %q: %v", s, err)
	}
	return m
}

// endpoint is an HTTP subscriber that records what it receives.
type endpoint struct {
	srv  *httptest.Server
	reqs chan *received
	// status answers each request (default 200).
	status func() int
}

type received struct {
	header http.Header
	body   string
}

func newEndpoint(t *testing.T) *endpoint {
	ep := &endpoint{reqs: make(chan *received, 100)}
	ep.srv = httptest.NewServer(http.HandlerFunc(ep.serve))
	t.Cleanup(ep.srv.Close)
	return ep
}

func (ep *endpoint) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	ep.reqs <- &received{header: r.Header.Clone(), body: string(b)}
	if ep.status != nil {
		w.WriteHeader(ep.status())
	}
}

func (ep *endpoint) next(t *testing.T, wait time.Duration) *received {
	t.Helper()
	select {
	case r := <-ep.reqs:
		return r
	case <-time.After(wait):
		t.Fatal("endpoint received nothing")
		return nil
	}
}
