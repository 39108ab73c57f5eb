package topic

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// subscribeConfirmed subscribes an http endpoint and confirms it through
// the SubscribeURL of its SubscriptionConfirmation, as an endpoint does.
func (e *env) subscribeConfirmed(t *testing.T, ep *endpoint, topicArn, endpointURL string, attrs map[string]string) string {
	t.Helper()
	e.subscribe(topicArn, "http", endpointURL, attrs)
	conf := decodeJSON(t, ep.next(t, 10*time.Second).body)
	if conf["Type"] != "SubscriptionConfirmation" {
		t.Fatalf("expected a SubscriptionConfirmation, got %v", conf)
	}
	body := visit(t, conf["SubscribeURL"].(string), http.StatusOK)
	arn := between(body, "<SubscriptionArn>", "</SubscriptionArn>")
	if !strings.HasPrefix(arn, topicArn+":") {
		t.Fatalf("SubscribeURL answered %s", body)
	}
	return arn
}

// visit GETs a URL, as an endpoint following SubscribeURL or
// UnsubscribeURL does, and checks the status.
func visit(t *testing.T, u string, status int) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != status {
		t.Fatalf("GET %s answered %d %s, want %d", u, resp.StatusCode, b, status)
	}
	return string(b)
}

func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}

// jsonKeys returns the top-level keys of a JSON object in document order.
func jsonKeys(t *testing.T, doc string) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(doc)))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", doc)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// checkUnsubscribeConfirmation checks a delivery against SNS's
// UnsubscribeConfirmation format and returns its JSON document.
func checkUnsubscribeConfirmation(t *testing.T, r *received, topicArn, subArn string) map[string]any {
	t.Helper()
	h := r.header
	if h.Get("x-amz-sns-message-type") != "UnsubscribeConfirmation" || h.Get("x-amz-sns-topic-arn") != topicArn ||
		h.Get("x-amz-sns-subscription-arn") != subArn || h.Get("x-amz-sns-message-id") == "" {
		t.Fatalf("UnsubscribeConfirmation headers %v", h)
	}
	if !strings.HasPrefix(h.Get("Content-Type"), "text/plain") || h.Get("User-Agent") != "Amazon Simple Notification Service Agent" {
		t.Errorf("headers %v", h)
	}
	want := []string{"Type", "MessageId", "Token", "TopicArn", "Message", "SubscribeURL", "Timestamp", "SignatureVersion", "Signature", "SigningCertURL"}
	if got := jsonKeys(t, r.body); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("fields %v, want %v", got, want)
	}
	m := decodeJSON(t, r.body)
	wantMsg := "You have chosen to deactivate subscription " + subArn + ".\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message."
	if m["Type"] != "UnsubscribeConfirmation" || m["TopicArn"] != topicArn || m["Message"] != wantMsg || m["MessageId"] != h.Get("x-amz-sns-message-id") {
		t.Fatalf("UnsubscribeConfirmation %v", m)
	}
	token, _ := m["Token"].(string)
	u, err := url.Parse(m["SubscribeURL"].(string))
	if err != nil || token == "" {
		t.Fatalf("SubscribeURL %v, Token %q", m["SubscribeURL"], token)
	}
	if q := u.Query(); q.Get("Action") != "ConfirmSubscription" || q.Get("TopicArn") != topicArn || q.Get("Token") != token {
		t.Errorf("SubscribeURL %s", u)
	}
	if ts, _ := m["Timestamp"].(string); len(ts) != len("2006-01-02T15:04:05.000Z") {
		t.Errorf("Timestamp %q", ts)
	}
	verifySignature(t, m)
	return m
}

// An http subscription ended by Unsubscribe is sent an
// UnsubscribeConfirmation; its SubscribeURL (or Token) restores the
// subscription with the same ARN and attributes.
func TestUnsubscribeConfirmation(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := e.ctx()
	ep := newEndpoint(t)
	arn := e.createTopic("hooks", nil)
	subArn := e.subscribeConfirmed(t, ep, arn, ep.srv.URL+"/hook", map[string]string{
		"RawMessageDelivery": "true", "FilterPolicy": `{"kind":["keep"]}`,
	})

	if _, err := e.sns.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(subArn)}); err != nil {
		t.Fatal(err)
	}
	um := checkUnsubscribeConfirmation(t, ep.next(t, 10*time.Second), arn, subArn)
	subs, _ := e.sns.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(arn)})
	if len(subs.Subscriptions) != 0 {
		t.Fatalf("still listed after Unsubscribe: %+v", subs.Subscriptions)
	}
	_, err := e.sns.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(subArn)})
	apiErr(t, err, "NotFound", "Subscription does not exist")

	// The token names the topic it belongs to.
	_, err = e.sns.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: aws.String(e.createTopic("other", nil)), Token: aws.String(um["Token"].(string))})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: Topic")

	// Visiting the SubscribeURL restores it: same ARN, same attributes.
	body := visit(t, um["SubscribeURL"].(string), http.StatusOK)
	if got := between(body, "<SubscriptionArn>", "</SubscriptionArn>"); got != subArn {
		t.Fatalf("restore answered %s", body)
	}
	subs, _ = e.sns.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(arn)})
	if len(subs.Subscriptions) != 1 || *subs.Subscriptions[0].SubscriptionArn != subArn {
		t.Fatalf("after restore: %+v", subs.Subscriptions)
	}
	sa, err := e.sns.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(subArn)})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"RawMessageDelivery": "true", "FilterPolicy": `{"kind":["keep"]}`, "PendingConfirmation": "false", "ConfirmationWasAuthenticated": "false", "Endpoint": ep.srv.URL + "/hook"} {
		if sa.Attributes[k] != want {
			t.Errorf("restored %s = %q, want %q", k, sa.Attributes[k], want)
		}
	}
	// Confirming again with the token is idempotent.
	cs, err := e.sns.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: aws.String(arn), Token: aws.String(um["Token"].(string))})
	if err != nil || *cs.SubscriptionArn != subArn {
		t.Fatalf("ConfirmSubscription after restore: %v %v", cs, err)
	}
	// The restored subscription receives messages, filtered as before.
	if _, err := e.sns.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(arn), Message: aws.String(`{"kind":"drop"}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sns.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(arn), Message: aws.String(`{"kind":"keep"}`),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{"kind": {DataType: aws.String("String"), StringValue: aws.String("keep")}}}); err != nil {
		t.Fatal(err)
	}
	if r := ep.next(t, 10*time.Second); r.body != `{"kind":"keep"}` || r.header.Get("x-amz-sns-rawdelivery") != "true" {
		t.Fatalf("after restore the endpoint got %q %v", r.body, r.header)
	}

	// Unsubscribe again: a new token; the old one no longer restores.
	if _, err := e.sns.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(subArn)}); err != nil {
		t.Fatal(err)
	}
	um2 := checkUnsubscribeConfirmation(t, ep.next(t, 10*time.Second), arn, subArn)
	if um2["Token"] == um["Token"] || um2["MessageId"] == um["MessageId"] {
		t.Fatalf("second UnsubscribeConfirmation reuses the first's token or id")
	}
	_, err = e.sns.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: aws.String(arn), Token: aws.String(um["Token"].(string))})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: Token")
	// ConfirmSubscription with the new token restores it too, signed.
	cs, err = e.sns.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: aws.String(arn), Token: aws.String(um2["Token"].(string)), AuthenticateOnUnsubscribe: aws.String("true")})
	if err != nil || *cs.SubscriptionArn != subArn {
		t.Fatalf("ConfirmSubscription restore: %v %v", cs, err)
	}
	sa, _ = e.sns.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(subArn)})
	if sa.Attributes["ConfirmationWasAuthenticated"] != "true" || sa.Attributes["RawMessageDelivery"] != "true" {
		t.Fatalf("restored through the API: %v", sa.Attributes)
	}
	ta, _ := e.sns.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	if ta.Attributes["SubscriptionsConfirmed"] != "1" || ta.Attributes["SubscriptionsPending"] != "0" {
		t.Fatalf("topic counts %v", ta.Attributes)
	}
	// The restore record is gone once used.
	e.svc.mu.RLock()
	n := len(e.svc.restores)
	e.svc.mu.RUnlock()
	if n != 0 {
		t.Fatalf("%d restore records left", n)
	}
	// AuthenticateOnUnsubscribe: the UnsubscribeURL is refused, no message.
	visit(t, unsubscribeURL(e.srv.URL, subArn), http.StatusForbidden)
	select {
	case r := <-ep.reqs:
		t.Fatalf("unexpected delivery %s", r.body)
	case <-time.After(300 * time.Millisecond):
	}
}

// The UnsubscribeURL of a notification ends the subscription as
// Unsubscribe does, UnsubscribeConfirmation included.
func TestUnsubscribeURLSendsConfirmation(t *testing.T) {
	e := newEnv(t, Options{})
	ep := newEndpoint(t)
	arn := e.createTopic("links", nil)
	subArn := e.subscribeConfirmed(t, ep, arn, ep.srv.URL, nil)
	if _, err := e.sns.Publish(e.ctx(), &sns.PublishInput{TopicArn: aws.String(arn), Message: aws.String("hi")}); err != nil {
		t.Fatal(err)
	}
	n := decodeJSON(t, ep.next(t, 10*time.Second).body)
	visit(t, n["UnsubscribeURL"].(string), http.StatusOK)
	um := checkUnsubscribeConfirmation(t, ep.next(t, 10*time.Second), arn, subArn)
	if !strings.HasPrefix(um["SubscribeURL"].(string), e.srv.URL+URLPrefix) || !strings.HasPrefix(um["SigningCertURL"].(string), e.srv.URL+URLPrefix) {
		t.Errorf("links %v %v", um["SubscribeURL"], um["SigningCertURL"])
	}
}

// The UnsubscribeConfirmation is durable and retried like any other
// delivery, and is signed as the topic's SignatureVersion says.
func TestUnsubscribeConfirmationRetried(t *testing.T) {
	e := newEnv(t, Options{DelayScale: 0.02})
	ctx := e.ctx()
	ep := newEndpoint(t)
	arn := e.createTopic("flaky", map[string]string{"SignatureVersion": "2"})
	subArn := e.subscribeConfirmed(t, ep, arn, ep.srv.URL, nil)
	fails := 2
	ep.status = func() int {
		if fails > 0 {
			fails--
			return 503
		}
		return 200
	}
	if _, err := e.sns.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(subArn)}); err != nil {
		t.Fatal(err)
	}
	var ids []any
	var last map[string]any
	for i := 0; i < 3; i++ {
		last = checkUnsubscribeConfirmation(t, ep.next(t, 10*time.Second), arn, subArn)
		ids = append(ids, last["MessageId"])
	}
	if ids[0] != ids[1] || ids[1] != ids[2] || last["SignatureVersion"] != "2" {
		t.Fatalf("retries: ids %v, SignatureVersion %v", ids, last["SignatureVersion"])
	}
	if e.svc.Stats().Retried.Load() < 2 {
		t.Errorf("Retried = %d", e.svc.Stats().Retried.Load())
	}
	visit(t, last["SubscribeURL"].(string), http.StatusOK)
}

// A pending delivery of an UnsubscribeConfirmation survives a restart.
func TestUnsubscribeConfirmationAcrossRestart(t *testing.T) {
	e := newEnv(t, Options{DelayScale: 0.2})
	ctx := e.ctx()
	ep := newEndpoint(t)
	arn := e.createTopic("durable", nil)
	// Retries every 200 ms for 10 s (1 s policy delays, scaled).
	subArn := e.subscribeConfirmed(t, ep, arn, ep.srv.URL, map[string]string{
		"DeliveryPolicy": `{"healthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":1,"numRetries":50}}`,
	})
	var up atomic.Bool
	ep.status = func() int {
		if up.Load() {
			return 200
		}
		return 500
	}
	if _, err := e.sns.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(subArn)}); err != nil {
		t.Fatal(err)
	}
	first := checkUnsubscribeConfirmation(t, ep.next(t, 10*time.Second), arn, subArn)
	e.restart()
	up.Store(true)
	deadline := time.Now().Add(20 * time.Second)
	for e.svc.Stats().Delivered.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if e.svc.Stats().Delivered.Load() == 0 {
		t.Fatal("the UnsubscribeConfirmation was not delivered after the restart")
	}
	var last *received
	for len(ep.reqs) > 0 {
		last = <-ep.reqs
	}
	if last == nil {
		t.Fatal("no delivery after the restart")
	}
	um := checkUnsubscribeConfirmation(t, last, arn, subArn)
	if um["MessageId"] != first["MessageId"] || um["Token"] != first["Token"] {
		t.Fatalf("redelivery differs: %v vs %v", um, first)
	}
	visit(t, um["SubscribeURL"].(string), http.StatusOK)
	if _, err := e.sns.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(subArn)}); err != nil {
		t.Fatalf("restored after a restart: %v", err)
	}
}

// No UnsubscribeConfirmation for sqs and lambda subscriptions, nor for a
// pending http one.
func TestNoUnsubscribeConfirmation(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := e.ctx()
	ep := newEndpoint(t)
	arn := e.createTopic("quiet", nil)
	qURL, qARN := e.createQueue("quiet-q", nil)
	sqsSub := e.subscribe(arn, "sqs", qARN, nil)
	lambdaSub := e.subscribe(arn, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:f", nil)
	pendingSub := e.subscribe(arn, "http", ep.srv.URL, nil)
	if conf := decodeJSON(t, ep.next(t, 10*time.Second).body); conf["Type"] != "SubscriptionConfirmation" {
		t.Fatalf("got %v", conf)
	}
	for _, s := range []string{sqsSub, lambdaSub, pendingSub} {
		if _, err := e.sns.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(s)}); err != nil {
			t.Fatal(err)
		}
	}
	e.svc.mu.RLock()
	n := len(e.svc.restores)
	e.svc.mu.RUnlock()
	if n != 0 {
		t.Fatalf("%d restore records", n)
	}
	select {
	case r := <-ep.reqs:
		t.Fatalf("pending subscription's endpoint got %s", r.body)
	case <-time.After(500 * time.Millisecond):
	}
	if m := e.receive(qURL, 1, time.Second); len(m) != 0 {
		t.Fatalf("queue got %v", bodies(m))
	}
}

// Restoring after the topic was deleted fails; restoring after the
// endpoint subscribed again confirms that subscription instead.
func TestRestoreEdgeCases(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := e.ctx()
	ep := newEndpoint(t)
	arn := e.createTopic("edge", nil)
	subArn := e.subscribeConfirmed(t, ep, arn, ep.srv.URL, nil)
	if _, err := e.sns.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(subArn)}); err != nil {
		t.Fatal(err)
	}
	um := checkUnsubscribeConfirmation(t, ep.next(t, 10*time.Second), arn, subArn)
	// Subscribe again (pending), then use the old UnsubscribeConfirmation.
	again := e.subscribe(arn, "http", ep.srv.URL, nil)
	if again == subArn {
		t.Fatal("a new subscription reuses the unsubscribed ARN")
	}
	ep.next(t, 10*time.Second) // its SubscriptionConfirmation
	cs, err := e.sns.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: aws.String(arn), Token: aws.String(um["Token"].(string))})
	if err != nil || *cs.SubscriptionArn != again {
		t.Fatalf("restore with a newer subscription: %v %v", cs, err)
	}
	subs, _ := e.sns.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(arn)})
	if len(subs.Subscriptions) != 1 || *subs.Subscriptions[0].SubscriptionArn != again {
		t.Fatalf("subscriptions %+v", subs.Subscriptions)
	}

	// Unsubscribe, delete the topic, create it again: the token is void.
	if _, err := e.sns.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(again)}); err != nil {
		t.Fatal(err)
	}
	um = checkUnsubscribeConfirmation(t, ep.next(t, 10*time.Second), arn, again)
	if _, err := e.sns.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	e.createTopic("edge", nil)
	_, err = e.sns.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: aws.String(arn), Token: aws.String(um["Token"].(string))})
	apiErr(t, err, "NotFound", "Topic does not exist")
	visit(t, um["SubscribeURL"].(string), http.StatusNotFound)
}
