package topic

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/switchyard/switchyard/internal/store"
)

func TestExpiryDefaults(t *testing.T) {
	e := newEnv(t, Options{})
	if e.svc.opt.PendingExpiry != 48*time.Hour || e.svc.opt.TokenExpiry != 48*time.Hour {
		t.Fatalf("defaults %v %v", e.svc.opt.PendingExpiry, e.svc.opt.TokenExpiry)
	}
	if d := e.svc.sweepInterval(); d != time.Minute {
		t.Fatalf("sweep interval %v", d)
	}
}

// waitGone waits until a key has left the bucket.
func (e *env) waitGone(t *testing.T, key string, wait time.Duration) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		_, err := e.svc.kv.Get(e.ctx(), key)
		if errors.Is(err, store.ErrNotFound) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is still in the bucket", key)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An http subscription left unconfirmed past PendingExpiry disappears: not
// listed, not counted, no attributes, its token refused, its record swept.
func TestPendingSubscriptionExpires(t *testing.T) {
	// Long enough for the second subscription's confirmation to arrive
	// and be visited before it expires too, on a loaded machine.
	e := newEnv(t, Options{PendingExpiry: 3 * time.Second})
	ctx := e.ctx()
	ep := newEndpoint(t)
	arn := e.createTopic("unconfirmed", nil)
	_, qARN := e.createQueue("confirmed-q", nil)
	e.subscribe(arn, "sqs", qARN, nil) // never pending: never expires
	subArn := e.subscribe(arn, "http", ep.srv.URL, nil)
	conf := decodeJSON(t, ep.next(t, 10*time.Second).body)
	subs, _ := e.sns.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(arn)})
	if len(subs.Subscriptions) != 2 {
		t.Fatalf("subscriptions %+v", subs.Subscriptions)
	}
	ta, _ := e.sns.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	if ta.Attributes["SubscriptionsPending"] != "1" {
		t.Fatalf("counts %v", ta.Attributes)
	}

	time.Sleep(3100 * time.Millisecond)
	for _, list := range []func() int{
		func() int {
			out, _ := e.sns.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(arn)})
			return len(out.Subscriptions)
		},
		func() int {
			out, _ := e.sns.ListSubscriptions(ctx, &sns.ListSubscriptionsInput{})
			return len(out.Subscriptions)
		},
	} {
		if n := list(); n != 1 {
			t.Fatalf("%d subscriptions listed after expiry, want the sqs one", n)
		}
	}
	_, err := e.sns.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(subArn)})
	apiErr(t, err, "NotFound", "Subscription does not exist")
	_, err = e.sns.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: aws.String(arn), Token: aws.String(conf["Token"].(string))})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: Token")
	visit(t, conf["SubscribeURL"].(string), http.StatusBadRequest)

	_, id, _ := parseSubARN(subArn)
	e.waitGone(t, subKey(Scope{Account: "000000000000", Region: "us-east-1"}, id), 5*time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for {
		ta, _ = e.sns.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
		if ta.Attributes["SubscriptionsDeleted"] == "1" || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ta.Attributes["SubscriptionsPending"] != "0" || ta.Attributes["SubscriptionsConfirmed"] != "1" || ta.Attributes["SubscriptionsDeleted"] != "1" {
		t.Fatalf("counts after expiry %v", ta.Attributes)
	}

	// Subscribing the endpoint again makes a new pending subscription.
	again := e.subscribe(arn, "http", ep.srv.URL, nil)
	if again == subArn {
		t.Fatal("Subscribe returned the expired subscription")
	}
	conf2 := decodeJSON(t, ep.next(t, 10*time.Second).body)
	if conf2["Type"] != "SubscriptionConfirmation" || conf2["Token"] == conf["Token"] {
		t.Fatalf("second confirmation %v", conf2)
	}
	visit(t, conf2["SubscribeURL"].(string), http.StatusOK)
}

// Subscribing an endpoint whose pending subscription has expired but is
// not yet swept makes a new one.
func TestSubscribeAfterExpiryBeforeSweep(t *testing.T) {
	e := newEnv(t, Options{})
	ep := newEndpoint(t)
	arn := e.createTopic("lagging", nil)
	first := e.subscribe(arn, "http", ep.srv.URL, nil)
	ep.next(t, 10*time.Second)
	// Age the record instead of waiting 48 hours.
	_, id, _ := parseSubARN(first)
	err := e.svc.updateSub(e.ctx(), Scope{Account: "000000000000", Region: "us-east-1"}, id, func(r *subRecord) error {
		r.TokenIssued = time.Now().Add(-49 * time.Hour).UnixMilli()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if again := e.subscribe(arn, "http", ep.srv.URL, nil); again == first {
		t.Fatal("Subscribe returned the expired subscription")
	}
	e.svc.sweep(e.ctx(), time.Now())
	out, _ := e.sns.ListSubscriptionsByTopic(e.ctx(), &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(arn)})
	if len(out.Subscriptions) != 1 || *out.Subscriptions[0].SubscriptionArn != "PendingConfirmation" {
		t.Fatalf("subscriptions %+v", out.Subscriptions)
	}
	if len(e.svc.lookupTopic(Scope{Account: "000000000000", Region: "us-east-1"}, "lagging").subs) != 1 {
		t.Fatal("the expired record was not swept")
	}
}

// A confirmation token is refused after TokenExpiry, even while the
// pending subscription itself lives on.
func TestConfirmationTokenExpires(t *testing.T) {
	e := newEnv(t, Options{TokenExpiry: 800 * time.Millisecond, PendingExpiry: time.Hour})
	ctx := e.ctx()
	ep := newEndpoint(t)
	arn := e.createTopic("slow", nil)
	e.subscribe(arn, "http", ep.srv.URL, nil)
	conf := decodeJSON(t, ep.next(t, 10*time.Second).body)
	time.Sleep(900 * time.Millisecond)
	_, err := e.sns.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: aws.String(arn), Token: aws.String(conf["Token"].(string))})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: Token")
	out, _ := e.sns.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(arn)})
	if len(out.Subscriptions) != 1 || *out.Subscriptions[0].SubscriptionArn != "PendingConfirmation" {
		t.Fatalf("subscriptions %+v", out.Subscriptions)
	}
}

// An UnsubscribeConfirmation's token restores the subscription only until
// TokenExpiry; then its record is swept.
func TestRestoreTokenExpires(t *testing.T) {
	e := newEnv(t, Options{TokenExpiry: 1500 * time.Millisecond})
	ctx := e.ctx()
	ep := newEndpoint(t)
	arn := e.createTopic("gone-for-good", nil)
	subArn := e.subscribeConfirmed(t, ep, arn, ep.srv.URL, nil)
	if _, err := e.sns.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(subArn)}); err != nil {
		t.Fatal(err)
	}
	um := checkUnsubscribeConfirmation(t, ep.next(t, 10*time.Second), arn, subArn)
	time.Sleep(1600 * time.Millisecond)
	_, err := e.sns.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: aws.String(arn), Token: aws.String(um["Token"].(string))})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: Token")
	_, id, _ := parseSubARN(subArn)
	e.waitGone(t, restoreKey(Scope{Account: "000000000000", Region: "us-east-1"}, id), 5*time.Second)
	visit(t, um["SubscribeURL"].(string), http.StatusBadRequest)
	out, _ := e.sns.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(arn)})
	if len(out.Subscriptions) != 0 {
		t.Fatalf("subscriptions %+v", out.Subscriptions)
	}
}

// Two nodes sharing the store sweep the same expired records: each record
// is deleted once (SubscriptionsDeleted counts it once), and a
// subscription confirmed after one node's copy was taken is not deleted.
func TestSweepOnTwoNodes(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := e.ctx()
	other, err := Open(context.Background(), e.st, e.queues, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	ep := newEndpoint(t)
	arn := e.createTopic("shared", nil)
	const n = 6
	var arns []string
	for i := 0; i < n; i++ {
		arns = append(arns, e.subscribe(arn, "http", ep.srv.URL+"/"+string(rune('a'+i)), nil))
	}
	var keep map[string]any
	for i := 0; i < n; i++ {
		c := decodeJSON(t, ep.next(t, 10*time.Second).body)
		if keep == nil {
			keep = c
		}
	}
	// Both nodes see every record.
	if err := other.mirror.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	// Confirm one on the first node; the other node's copy may still say
	// pending when it sweeps, but its compare-and-set delete fails.
	if _, err := e.sns.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: aws.String(arn), Token: aws.String(keep["Token"].(string))}); err != nil {
		t.Fatal(err)
	}
	// Take the other node's copy of the confirmed record from before the
	// confirmation, so that its sweep tries the stale revision.
	var stale *subState
	other.mu.Lock()
	for _, ss := range other.subs {
		if ss.rec.Token == keep["Token"] {
			cp := *ss.rec
			cp.Pending = true
			stale = &subState{rec: &cp, rev: ss.rev - 1}
			other.subs[cp.ID] = stale
		}
	}
	other.mu.Unlock()
	if stale == nil {
		t.Fatal("the other node does not know the subscription")
	}
	future := time.Now().Add(49 * time.Hour)
	var wg sync.WaitGroup
	for _, s := range []*Service{e.svc, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.sweep(ctx, future)
		}()
	}
	wg.Wait()
	if err := e.svc.mirror.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	out, _ := e.sns.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(arn)})
	if len(out.Subscriptions) != 1 || *out.Subscriptions[0].SubscriptionArn == "PendingConfirmation" {
		t.Fatalf("after the sweeps: %+v", out.Subscriptions)
	}
	ta, _ := e.sns.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	if ta.Attributes["SubscriptionsDeleted"] != "5" || ta.Attributes["SubscriptionsConfirmed"] != "1" {
		t.Fatalf("counts %v", ta.Attributes)
	}
	for _, a := range arns {
		_, id, _ := parseSubARN(a)
		if *out.Subscriptions[0].SubscriptionArn == a {
			continue
		}
		if _, err := e.svc.kv.Get(ctx, subKey(Scope{Account: "000000000000", Region: "us-east-1"}, id)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s: %v", a, err)
		}
	}
}
