package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// snsPost is one POST an HTTP subscriber received from the topic service.
type snsPost struct {
	kind string // x-amz-sns-message-type
	sub  string // x-amz-sns-subscription-arn
	raw  string
	body map[string]string // the string members of a JSON body
}

// An HTTP subscriber confirms its subscription, is unsubscribed with the
// SDK, receives SNS's UnsubscribeConfirmation, and restores the
// subscription by visiting its SubscribeURL: the same subscription ARN
// receives messages again.
func TestSNSUnsubscribeConfirmationRestores(t *testing.T) {
	posts := make(chan snsPost, 16)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		body := map[string]string{}
		for k, v := range m {
			if s, ok := v.(string); ok {
				body[k] = s
			}
		}
		posts <- snsPost{kind: r.Header.Get("x-amz-sns-message-type"), sub: r.Header.Get("x-amz-sns-subscription-arn"), raw: string(b), body: body}
	}))
	defer hook.Close()
	next := func(kind string) snsPost {
		t.Helper()
		select {
		case p := <-posts:
			if p.kind != kind || p.body["Type"] != kind {
				t.Fatalf("got a %s (%v), want a %s", p.kind, p.body, kind)
			}
			return p
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s arrived", kind)
			return snsPost{}
		}
	}
	get := func(u string) string {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
		}
		return string(b)
	}

	e := start(t)
	c := ctx(t)
	topics := sns.NewFromConfig(e.cfg, func(o *sns.Options) { o.BaseEndpoint = aws.String(e.srv.URL()) })
	topic, err := topics.CreateTopic(c, &sns.CreateTopicInput{Name: aws.String("webhooks")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := topics.Subscribe(c, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("http"), Endpoint: aws.String(hook.URL + "/sns"),
		Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}
	get(next("SubscriptionConfirmation").body["SubscribeURL"])
	list, err := topics.ListSubscriptionsByTopic(c, &sns.ListSubscriptionsByTopicInput{TopicArn: topic.TopicArn})
	if err != nil || len(list.Subscriptions) != 1 {
		t.Fatalf("ListSubscriptionsByTopic %+v %v", list, err)
	}
	subArn := *list.Subscriptions[0].SubscriptionArn

	if _, err := topics.Unsubscribe(c, &sns.UnsubscribeInput{SubscriptionArn: aws.String(subArn)}); err != nil {
		t.Fatal(err)
	}
	un := next("UnsubscribeConfirmation")
	wantMsg := "You have chosen to deactivate subscription " + subArn + ".\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message."
	if un.sub != subArn || un.body["TopicArn"] != *topic.TopicArn || un.body["Message"] != wantMsg || un.body["Token"] == "" ||
		un.body["Signature"] == "" || un.body["SignatureVersion"] != "1" || !strings.Contains(un.body["SubscribeURL"], "Action=ConfirmSubscription") {
		t.Fatalf("UnsubscribeConfirmation %+v", un)
	}
	list, _ = topics.ListSubscriptionsByTopic(c, &sns.ListSubscriptionsByTopicInput{TopicArn: topic.TopicArn})
	if len(list.Subscriptions) != 0 {
		t.Fatalf("still subscribed: %+v", list.Subscriptions)
	}

	if body := get(un.body["SubscribeURL"]); !strings.Contains(body, "<SubscriptionArn>"+subArn+"</SubscriptionArn>") {
		t.Fatalf("restore answered %s", body)
	}
	attrs, err := topics.GetSubscriptionAttributes(c, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(subArn)})
	if err != nil || attrs.Attributes["RawMessageDelivery"] != "true" || attrs.Attributes["PendingConfirmation"] != "false" {
		t.Fatalf("restored subscription %v %v", attrs, err)
	}
	if _, err := topics.Publish(c, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(`{"back":true}`)}); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-posts:
		// Raw delivery, as before the Unsubscribe: the body is the message.
		if p.kind != "Notification" || p.sub != subArn || p.raw != `{"back":true}` {
			t.Fatalf("after restore: %+v", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the restored subscription received nothing")
	}
}
