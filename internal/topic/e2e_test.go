package topic

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/switchyard/switchyard/internal/store"
)

func TestTopicLifecycle(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := e.ctx()
	arn := e.createTopic("orders", nil)
	if arn != "arn:aws:sns:us-east-1:000000000000:orders" {
		t.Fatalf("arn %s", arn)
	}
	if again := e.createTopic("orders", nil); again != arn {
		t.Fatalf("CreateTopic is not idempotent: %s", again)
	}
	_, err := e.sns.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("orders"), Attributes: map[string]string{"DisplayName": "other"}})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: Attributes Reason: Topic already exists with different attributes")
	_, err = e.sns.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("bad name")})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: Topic Name")
	_, err = e.sns.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("nofifo"), Attributes: map[string]string{"FifoTopic": "true"}})
	apiErr(t, err, "InvalidParameter", "Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.")

	attrs, err := e.sns.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"TopicArn": arn, "Owner": "000000000000", "DisplayName": "", "SubscriptionsConfirmed": "0", "SubscriptionsPending": "0", "SubscriptionsDeleted": "0"} {
		if attrs.Attributes[k] != want {
			t.Errorf("%s = %q, want %q", k, attrs.Attributes[k], want)
		}
	}
	if !strings.Contains(attrs.Attributes["Policy"], `"Resource":"`+arn+`"`) {
		t.Errorf("default policy %s", attrs.Attributes["Policy"])
	}
	for name, val := range map[string]string{"DisplayName": "Orders", "KmsMasterKeyId": "alias/aws/sns", "Policy": `{"Version":"2012-10-17","Statement":[]}`, "DeliveryPolicy": `{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":5,"maxDelayTarget":10,"numRetries":4}}}`} {
		if _, err := e.sns.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(arn), AttributeName: aws.String(name), AttributeValue: aws.String(val)}); err != nil {
			t.Fatalf("SetTopicAttributes %s: %v", name, err)
		}
	}
	attrs, _ = e.sns.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	if attrs.Attributes["DisplayName"] != "Orders" || attrs.Attributes["KmsMasterKeyId"] != "alias/aws/sns" || !strings.Contains(attrs.Attributes["EffectiveDeliveryPolicy"], `"numRetries":4`) {
		t.Fatalf("attributes after set: %v", attrs.Attributes)
	}
	_, err = e.sns.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(arn), AttributeName: aws.String("FifoTopic"), AttributeValue: aws.String("true")})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: AttributeName")

	// Tags.
	if _, err := e.sns.TagResource(ctx, &sns.TagResourceInput{ResourceArn: aws.String(arn), Tags: []snstypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}, {Key: aws.String("env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sns.UntagResource(ctx, &sns.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := e.sns.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].Key != "team" {
		t.Fatalf("tags %+v %v", tags, err)
	}
	_, err = e.sns.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: aws.String(arn + "x")})
	apiErr(t, err, "ResourceNotFound", "Resource does not exist")

	// ListTopics pages by 100.
	for i := 0; i < 101; i++ {
		e.createTopic(fmt.Sprintf("t%03d", i), nil)
	}
	var all []string
	var token *string
	pages := 0
	for {
		out, err := e.sns.ListTopics(ctx, &sns.ListTopicsInput{NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, tp := range out.Topics {
			all = append(all, *tp.TopicArn)
		}
		if out.NextToken == nil {
			break
		}
		token = out.NextToken
	}
	if len(all) != 102 || pages != 2 {
		t.Fatalf("listed %d topics in %d pages", len(all), pages)
	}

	// FIFO topics.
	farn := e.createTopic("events.fifo", map[string]string{"FifoTopic": "true", "ContentBasedDeduplication": "true"})
	fattrs, _ := e.sns.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(farn)})
	if fattrs.Attributes["FifoTopic"] != "true" || fattrs.Attributes["ContentBasedDeduplication"] != "true" {
		t.Fatalf("fifo attributes %v", fattrs.Attributes)
	}
	_, err = e.sns.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(arn), AttributeName: aws.String("ContentBasedDeduplication"), AttributeValue: aws.String("true")})
	apiErr(t, err, "InvalidParameter", "")

	if _, err := e.sns.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.sns.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	apiErr(t, err, "NotFound", "Topic does not exist")
	var nf *snstypes.NotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("SDK does not see NotFoundException: %T", err)
	}
	if _, err := e.sns.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(arn)}); err != nil {
		t.Fatalf("DeleteTopic twice: %v", err)
	}
	_, err = e.sns.Publish(ctx, &sns.PublishInput{TopicArn: aws.String("arn:aws:sns:us-east-1:111111111111:nope"), Message: aws.String("x")})
	apiErr(t, err, "AuthorizationError", "")
	_, err = e.sns.Publish(ctx, &sns.PublishInput{PhoneNumber: aws.String("+15555550100"), Message: aws.String("x")})
	apiErr(t, err, "InvalidParameter", "")
}

func TestSQSSubscription(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := e.ctx()
	arn := e.createTopic("news", nil)
	envURL, envARN := e.createQueue("wrapped", nil)
	rawURL, rawARN := e.createQueue("raw", nil)
	subArn := e.subscribe(arn, "sqs", envARN, nil)
	e.subscribe(arn, "sqs", rawARN, map[string]string{"RawMessageDelivery": "true"})
	if again := e.subscribe(arn, "sqs", envARN, nil); again != subArn {
		t.Fatalf("Subscribe is not idempotent: %s vs %s", again, subArn)
	}

	sa, err := e.sns.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(subArn)})
	if err != nil {
		t.Fatal(err)
	}
	if sa.Attributes["PendingConfirmation"] != "false" || sa.Attributes["RawMessageDelivery"] != "false" || sa.Attributes["Protocol"] != "sqs" || sa.Attributes["TopicArn"] != arn {
		t.Fatalf("subscription attributes %v", sa.Attributes)
	}

	pub, err := e.sns.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(arn), Message: aws.String("hello <world>"), Subject: aws.String("Greeting"),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"color": {DataType: aws.String("String"), StringValue: aws.String("red")},
			"price": {DataType: aws.String("Number"), StringValue: aws.String("12.5")},
			"blob":  {DataType: aws.String("Binary"), BinaryValue: []byte{1, 2, 3}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs := e.receive(envURL, 1, 10*time.Second)
	if len(msgs) != 1 {
		t.Fatalf("wrapped queue got %d messages", len(msgs))
	}
	env := decodeJSON(t, *msgs[0].Body)
	for k, want := range map[string]string{"Type": "Notification", "MessageId": *pub.MessageId, "TopicArn": arn, "Subject": "Greeting", "Message": "hello <world>", "SignatureVersion": "1"} {
		if env[k] != want {
			t.Errorf("envelope %s = %v, want %q", k, env[k], want)
		}
	}
	if ts, _ := env["Timestamp"].(string); len(ts) != len("2006-01-02T15:04:05.000Z") {
		t.Errorf("Timestamp %q", ts)
	}
	if u, _ := env["UnsubscribeURL"].(string); !strings.Contains(u, "SubscriptionArn=") {
		t.Errorf("UnsubscribeURL %q", u)
	}
	ma, _ := env["MessageAttributes"].(map[string]any)
	if c, _ := ma["color"].(map[string]any); c["Type"] != "String" || c["Value"] != "red" {
		t.Errorf("MessageAttributes %v", ma)
	}
	if b, _ := ma["blob"].(map[string]any); b["Type"] != "Binary" || b["Value"] != "AQID" {
		t.Errorf("binary attribute %v", ma["blob"])
	}
	if len(msgs[0].MessageAttributes) != 0 {
		t.Errorf("wrapped delivery carries SQS attributes %v", msgs[0].MessageAttributes)
	}
	verifySignature(t, env)
	if !strings.Contains(*msgs[0].Body, `"Message":"hello <world>"`) {
		t.Errorf("envelope escapes HTML: %s", *msgs[0].Body)
	}

	raw := e.receive(rawURL, 1, 10*time.Second)
	if len(raw) != 1 || *raw[0].Body != "hello <world>" {
		t.Fatalf("raw delivery %+v", raw)
	}
	if a := raw[0].MessageAttributes["price"]; a.DataType == nil || *a.DataType != "Number" || *a.StringValue != "12.5" {
		t.Errorf("raw attributes %v", raw[0].MessageAttributes)
	}
	if a := raw[0].MessageAttributes["blob"]; a.DataType == nil || string(a.BinaryValue) != "\x01\x02\x03" {
		t.Errorf("raw binary attribute %+v", a)
	}

	// MessageStructure=json picks the sqs entry.
	if _, err := e.sns.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(arn), MessageStructure: aws.String("json"), Message: aws.String(`{"default":"d","sqs":"for queues","http":"h"}`)}); err != nil {
		t.Fatal(err)
	}
	if m := e.receive(rawURL, 1, 10*time.Second); len(m) != 1 || *m[0].Body != "for queues" {
		t.Fatalf("per-protocol message %+v", m)
	}
	e.receive(envURL, 1, 5*time.Second)
	_, err = e.sns.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(arn), MessageStructure: aws.String("json"), Message: aws.String(`{"sqs":"x"}`)})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: Message Structure - No default entry in JSON message body")
	_, err = e.sns.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(arn), Message: aws.String("")})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: Empty message")
	_, err = e.sns.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(arn), Message: aws.String("x"), MessageDeduplicationId: aws.String("d")})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type")
	_, err = e.sns.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(arn), Message: aws.String(strings.Repeat("x", 262145))})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: Message too long")

	// Listing and unsubscribing.
	list, err := e.sns.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(arn)})
	if err != nil || len(list.Subscriptions) != 2 {
		t.Fatalf("ListSubscriptionsByTopic %+v %v", list, err)
	}
	if _, err := e.sns.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(subArn)}); err != nil {
		t.Fatal(err)
	}
	all, _ := e.sns.ListSubscriptions(ctx, &sns.ListSubscriptionsInput{})
	if len(all.Subscriptions) != 1 {
		t.Fatalf("after Unsubscribe: %+v", all.Subscriptions)
	}
	_, err = e.sns.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(subArn)})
	apiErr(t, err, "NotFound", "Subscription does not exist")
	ta, _ := e.sns.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	if ta.Attributes["SubscriptionsConfirmed"] != "1" || ta.Attributes["SubscriptionsDeleted"] != "1" {
		t.Fatalf("counts %v", ta.Attributes)
	}
}

func TestFilterPolicyScopes(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := e.ctx()
	arn := e.createTopic("filtered", nil)
	attrURL, attrARN := e.createQueue("by-attr", nil)
	bodyURL, bodyARN := e.createQueue("by-body", nil)
	e.subscribe(arn, "sqs", attrARN, map[string]string{
		"RawMessageDelivery": "true",
		"FilterPolicy":       `{"store":["example_corp"],"price":[{"numeric":[">",100]}],"interests":["rugby"]}`,
	})
	bodySub := e.subscribe(arn, "sqs", bodyARN, map[string]string{
		"RawMessageDelivery": "true",
		"FilterPolicyScope":  "MessageBody",
		"FilterPolicy":       `{"order":{"status":["paid"],"total":[{"numeric":[">=",10]}]}}`,
	})
	publish := func(msg string, attrs map[string]snstypes.MessageAttributeValue) {
		if _, err := e.sns.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(arn), Message: aws.String(msg), MessageAttributes: attrs}); err != nil {
			t.Fatal(err)
		}
	}
	str := func(typ, v string) snstypes.MessageAttributeValue {
		return snstypes.MessageAttributeValue{DataType: aws.String(typ), StringValue: aws.String(v)}
	}
	publish("a-match", map[string]snstypes.MessageAttributeValue{"store": str("String", "example_corp"), "price": str("Number", "150"), "interests": str("String.Array", `["soccer","rugby"]`)})
	publish("a-cheap", map[string]snstypes.MessageAttributeValue{"store": str("String", "example_corp"), "price": str("Number", "50"), "interests": str("String.Array", `["rugby"]`)})
	publish("a-price-as-string", map[string]snstypes.MessageAttributeValue{"store": str("String", "example_corp"), "price": str("String", "150"), "interests": str("String", "rugby")})
	publish(`{"order":{"status":"paid","total":12}}`, nil)
	publish(`{"order":{"status":"open","total":12}}`, nil)
	publish(`not json`, nil)

	got := e.receive(attrURL, 1, 10*time.Second)
	if len(got) != 1 || *got[0].Body != "a-match" {
		t.Fatalf("attribute scope delivered %v", bodies(got))
	}
	got = e.receive(bodyURL, 1, 10*time.Second)
	if len(got) != 1 || *got[0].Body != `{"order":{"status":"paid","total":12}}` {
		t.Fatalf("body scope delivered %v", bodies(got))
	}
	if extra := e.receive(attrURL, 1, 1500*time.Millisecond); len(extra) != 0 {
		t.Fatalf("attribute scope delivered more: %v", bodies(extra))
	}
	if extra := e.receive(bodyURL, 1, 500*time.Millisecond); len(extra) != 0 {
		t.Fatalf("body scope delivered more: %v", bodies(extra))
	}

	// Errors are SNS's.
	_, err := e.sns.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(arn), Protocol: aws.String("sqs"), Endpoint: aws.String(attrARN + "x"),
		Attributes: map[string]string{"FilterPolicy": `{"key":[{"wrong-operator":true}]}`}})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: Attributes Reason: FilterPolicy: Unrecognized match type wrong-operator\n at [Source: (String)\"{\"key\":[{\"wrong-operator\":true}]}\"; line: 1, column: 31]")
	_, err = e.sns.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: aws.String(bodySub), AttributeName: aws.String("FilterPolicyScope"), AttributeValue: aws.String("MessageAttributes")})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy")
	_, err = e.sns.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: aws.String(bodySub), AttributeName: aws.String("FilterPolicyScope"), AttributeValue: aws.String("RandomValue")})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: FilterPolicyScope: Invalid value [RandomValue]. Please use either MessageBody or MessageAttributes")

	// Removing the policy lets everything through.
	if _, err := e.sns.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: aws.String(bodySub), AttributeName: aws.String("FilterPolicy"), AttributeValue: aws.String("")}); err != nil {
		t.Fatal(err)
	}
	sa, _ := e.sns.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(bodySub)})
	if _, ok := sa.Attributes["FilterPolicy"]; ok {
		t.Fatalf("FilterPolicy still there: %v", sa.Attributes)
	}
	publish("anything", nil)
	if got := e.receive(bodyURL, 1, 10*time.Second); len(got) != 1 || *got[0].Body != "anything" {
		t.Fatalf("after removing the policy: %v", bodies(got))
	}
}

func bodies(ms []sqsMessage) []string {
	var out []string
	for _, m := range ms {
		out = append(out, *m.Body)
	}
	return out
}

func TestHTTPSubscription(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := e.ctx()
	ep := newEndpoint(t)
	arn := e.createTopic("webhooks", nil)
	out, err := e.sns.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(arn), Protocol: aws.String("http"), Endpoint: aws.String(ep.srv.URL + "/hook")})
	if err != nil {
		t.Fatal(err)
	}
	if *out.SubscriptionArn != "pending confirmation" {
		t.Fatalf("SubscriptionArn %q", *out.SubscriptionArn)
	}
	_, err = e.sns.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(arn), Protocol: aws.String("https"), Endpoint: aws.String(ep.srv.URL)})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: Endpoint must match the specified protocol")

	conf := ep.next(t, 10*time.Second)
	if conf.header.Get("x-amz-sns-message-type") != "SubscriptionConfirmation" || conf.header.Get("x-amz-sns-topic-arn") != arn || conf.header.Get("x-amz-sns-message-id") == "" {
		t.Fatalf("confirmation headers %v", conf.header)
	}
	cm := decodeJSON(t, conf.body)
	verifySignature(t, cm)
	if cm["Type"] != "SubscriptionConfirmation" || cm["Token"] == "" || !strings.HasPrefix(cm["Message"].(string), "You have chosen to subscribe to the topic "+arn) {
		t.Fatalf("confirmation %v", cm)
	}
	subs, _ := e.sns.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(arn)})
	if len(subs.Subscriptions) != 1 || *subs.Subscriptions[0].SubscriptionArn != "PendingConfirmation" {
		t.Fatalf("pending subscription listed as %+v", subs.Subscriptions)
	}
	// Nothing is delivered while pending.
	if _, err := e.sns.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(arn), Message: aws.String("too early")}); err != nil {
		t.Fatal(err)
	}
	// Confirm by visiting SubscribeURL, as an endpoint does.
	resp, err := http.Get(cm["SubscribeURL"].(string))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("SubscribeURL answered %d", resp.StatusCode)
	}
	subs, _ = e.sns.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(arn)})
	subArn := *subs.Subscriptions[0].SubscriptionArn
	if !strings.HasPrefix(subArn, arn+":") {
		t.Fatalf("confirmed subscription listed as %s", subArn)
	}
	// ConfirmSubscription with the same token is idempotent.
	cs, err := e.sns.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: aws.String(arn), Token: aws.String(cm["Token"].(string))})
	if err != nil || *cs.SubscriptionArn != subArn {
		t.Fatalf("ConfirmSubscription %v %v", cs, err)
	}
	_, err = e.sns.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: aws.String(arn), Token: aws.String("nope")})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: Token")

	for _, version := range []string{"1", "2"} {
		if version == "2" {
			if _, err := e.sns.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(arn), AttributeName: aws.String("SignatureVersion"), AttributeValue: aws.String("2")}); err != nil {
				t.Fatal(err)
			}
		}
		pub, err := e.sns.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(arn), Message: aws.String("v" + version), Subject: aws.String("S" + version)})
		if err != nil {
			t.Fatal(err)
		}
		n := ep.next(t, 10*time.Second)
		h := n.header
		if h.Get("x-amz-sns-message-type") != "Notification" || h.Get("x-amz-sns-message-id") != *pub.MessageId || h.Get("x-amz-sns-subscription-arn") != subArn || h.Get("x-amz-sns-topic-arn") != arn {
			t.Fatalf("notification headers %v", h)
		}
		if !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
			t.Errorf("Content-Type %q", h.Get("Content-Type"))
		}
		nm := decodeJSON(t, n.body)
		if nm["SignatureVersion"] != version || nm["Message"] != "v"+version {
			t.Fatalf("notification %v", nm)
		}
		verifySignature(t, nm)
	}
	// A failing endpoint is retried.
	fails := 2
	ep.status = func() int {
		if fails > 0 {
			fails--
			return 500
		}
		return 200
	}
	if _, err := e.sns.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: aws.String(subArn), AttributeName: aws.String("DeliveryPolicy"),
		AttributeValue: aws.String(`{"healthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":1,"numRetries":5}}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sns.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(arn), Message: aws.String("retried")}); err != nil {
		t.Fatal(err)
	}
	var last map[string]any
	for i := 0; i < 3; i++ {
		r := ep.next(t, 10*time.Second)
		if last = decodeJSON(t, r.body); last["Message"] != "retried" {
			t.Fatalf("attempt %d: %v", i, last)
		}
	}
	// UnsubscribeURL ends the subscription.
	resp, err = http.Get(last["UnsubscribeURL"].(string))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("UnsubscribeURL answered %d", resp.StatusCode)
	}
	subs, _ = e.sns.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(arn)})
	if len(subs.Subscriptions) != 0 {
		t.Fatalf("still subscribed: %+v", subs.Subscriptions)
	}
}

func TestFIFOTopicToFIFOQueue(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := e.ctx()
	arn := e.createTopic("orders.fifo", map[string]string{"FifoTopic": "true"})
	qURL, qARN := e.createQueue("orders.fifo", map[string]string{"FifoQueue": "true"})
	e.subscribe(arn, "sqs", qARN, map[string]string{"RawMessageDelivery": "true"})
	_, err := e.sns.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(arn), Message: aws.String("x")})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: The MessageGroupId parameter is required for FIFO topics")
	_, err = e.sns.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(arn), Message: aws.String("x"), MessageGroupId: aws.String("g")})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
	std := e.createTopic("plain", nil)
	_, err = e.sns.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(std), Protocol: aws.String("sqs"), Endpoint: aws.String(qARN)})
	apiErr(t, err, "InvalidParameter", "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics")

	var lastSeq string
	for i := 0; i < 20; i++ {
		out, err := e.sns.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(arn), Message: aws.String(fmt.Sprintf("m%02d", i)),
			MessageGroupId: aws.String("g1"), MessageDeduplicationId: aws.String(fmt.Sprintf("d%02d", i))})
		if err != nil {
			t.Fatal(err)
		}
		if out.SequenceNumber == nil || *out.SequenceNumber <= lastSeq {
			t.Fatalf("SequenceNumber %v after %q", out.SequenceNumber, lastSeq)
		}
		lastSeq = *out.SequenceNumber
		if i == 5 {
			// A duplicate inside the window is dropped.
			if _, err := e.sns.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(arn), Message: aws.String("dup"),
				MessageGroupId: aws.String("g1"), MessageDeduplicationId: aws.String("d05")}); err != nil {
				t.Fatal(err)
			}
		}
	}
	got := e.receive(qURL, 20, 15*time.Second)
	if len(got) != 20 {
		t.Fatalf("received %d messages: %v", len(got), bodies(got))
	}
	for i, m := range got {
		if *m.Body != fmt.Sprintf("m%02d", i) {
			t.Fatalf("order: %v", bodies(got))
		}
		if m.Attributes["MessageGroupId"] != "g1" {
			t.Fatalf("group %v", m.Attributes)
		}
	}
	if extra := e.receive(qURL, 1, 1500*time.Millisecond); len(extra) != 0 {
		t.Fatalf("duplicate delivered: %v", bodies(extra))
	}
}

func TestPublishBatch(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := e.ctx()
	arn := e.createTopic("batch", nil)
	qURL, qARN := e.createQueue("batchq", nil)
	e.subscribe(arn, "sqs", qARN, map[string]string{"RawMessageDelivery": "true"})
	entries := []snstypes.PublishBatchRequestEntry{
		{Id: aws.String("a"), Message: aws.String("one")},
		{Id: aws.String("b"), Message: aws.String(""), Subject: aws.String("s")},
		{Id: aws.String("c"), Message: aws.String("three"), MessageAttributes: map[string]snstypes.MessageAttributeValue{"k": {DataType: aws.String("String"), StringValue: aws.String("v")}}},
	}
	out, err := e.sns.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: aws.String(arn), PublishBatchRequestEntries: entries})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 2 || len(out.Failed) != 1 || *out.Failed[0].Id != "b" || *out.Failed[0].Code != "InvalidParameter" || !out.Failed[0].SenderFault {
		t.Fatalf("PublishBatch %+v", out)
	}
	got := e.receive(qURL, 2, 10*time.Second)
	if len(got) != 2 {
		t.Fatalf("received %v", bodies(got))
	}
	_, err = e.sns.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: aws.String(arn), PublishBatchRequestEntries: []snstypes.PublishBatchRequestEntry{{Id: aws.String("a"), Message: aws.String("1")}, {Id: aws.String("a"), Message: aws.String("2")}}})
	apiErr(t, err, "BatchEntryIdsNotDistinct", "Two or more batch entries in the request have the same Id.")
	many := make([]snstypes.PublishBatchRequestEntry, 11)
	for i := range many {
		many[i] = snstypes.PublishBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), Message: aws.String("m")}
	}
	_, err = e.sns.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: aws.String(arn), PublishBatchRequestEntries: many})
	apiErr(t, err, "TooManyEntriesInBatchRequest", "The batch request contains more entries than permissible.")
}

func TestGoPublishAndDeadLetters(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := e.ctx()
	sc := Scope{Account: "000000000000", Region: "us-east-1"}
	if _, err := e.svc.Publish(ctx, sc, "missing", PublishInput{Message: "x"}); !errors.Is(err, ErrTopicNotFound) {
		t.Fatalf("Publish to a missing topic: %v", err)
	}
	arn := e.createTopic("alerts", nil)
	dlqURL, dlqARN := e.createQueue("alerts-dlq", nil)
	okURL, okARN := e.createQueue("alerts-ok", nil)
	e.subscribe(arn, "sqs", okARN, nil)
	// A subscription to a queue that does not exist fails at once into its
	// dead-letter queue; so does a lambda subscription with no invoker.
	redrive := map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + dlqARN + `"}`}
	e.subscribe(arn, "sqs", "arn:aws:sqs:us-east-1:000000000000:gone", redrive)
	e.subscribe(arn, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:fn", redrive)
	id, err := e.svc.Publish(ctx, sc, "alerts", PublishInput{Message: "from EventBridge", Subject: "rule", Attributes: map[string]Attribute{"source": {DataType: "String", StringValue: "aws.events"}}})
	if err != nil || id == "" {
		t.Fatalf("Publish %q %v", id, err)
	}
	got := e.receive(okURL, 1, 10*time.Second)
	if len(got) != 1 {
		t.Fatal("no delivery")
	}
	m := decodeJSON(t, *got[0].Body)
	if m["MessageId"] != id || m["Message"] != "from EventBridge" || m["Subject"] != "rule" {
		t.Fatalf("envelope %v", m)
	}
	dead := e.receive(dlqURL, 2, 10*time.Second)
	if len(dead) != 2 {
		t.Fatalf("dead letters %v", bodies(dead))
	}
	codes := map[string]bool{}
	for _, d := range dead {
		codes[*d.MessageAttributes["ErrorCode"].StringValue] = true
		if decodeJSON(t, *d.Body)["MessageId"] != id {
			t.Fatalf("dead letter body %s", *d.Body)
		}
	}
	if !codes["AWS.SimpleQueueService.NonExistentQueue"] || !codes["LambdaNotConfigured"] {
		t.Fatalf("dead-letter codes %v", codes)
	}
	_, err = e.svc.Publish(ctx, sc, "alerts", PublishInput{Message: ""})
	if err == nil || !strings.Contains(err.Error(), "Empty message") {
		t.Fatalf("empty message: %v", err)
	}
}

// A delivery to an endpoint that is down survives a restart and is made
// once the endpoint is up.
func TestRetryAcrossRestart(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := e.ctx()
	// Reserve an address for the endpoint, then leave it closed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ep := newEndpoint(t)
	arn := e.createTopic("durable", nil)
	e.subscribe(arn, "http", ep.srv.URL, nil)
	conf := decodeJSON(t, ep.next(t, 10*time.Second).body)
	if _, err := e.sns.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: aws.String(arn), Token: aws.String(conf["Token"].(string))}); err != nil {
		t.Fatal(err)
	}
	e.subscribe(arn, "http", "http://"+addr+"/hook", nil)
	// Confirm the second one through the API (its confirmation cannot
	// arrive: the endpoint is down).
	var token string
	e.svc.mu.RLock()
	for tk, id := range e.svc.tokens {
		if ss := e.svc.subs[id]; ss != nil && ss.rec.Pending {
			token = tk
		}
	}
	e.svc.mu.RUnlock()
	if _, err := e.sns.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: aws.String(arn), Token: aws.String(token)}); err != nil {
		t.Fatal(err)
	}
	subs, _ := e.sns.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(arn)})
	for _, s := range subs.Subscriptions {
		if *s.Endpoint == "http://"+addr+"/hook" {
			if _, err := e.sns.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: s.SubscriptionArn, AttributeName: aws.String("DeliveryPolicy"),
				AttributeValue: aws.String(`{"healthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":2,"numRetries":50}}`)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	pub, err := e.sns.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(arn), Message: aws.String("survives")})
	if err != nil {
		t.Fatal(err)
	}
	// The healthy endpoint gets it at once: the down one does not hold it
	// up.
	if m := decodeJSON(t, ep.next(t, 5*time.Second).body); m["MessageId"] != *pub.MessageId {
		t.Fatalf("healthy endpoint got %v", m)
	}
	deadline := time.Now().Add(10 * time.Second)
	for e.svc.Stats().Retried.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if e.svc.Stats().Retried.Load() == 0 {
		t.Fatal("the down endpoint was never attempted")
	}
	e.restart()
	// Now bring the endpoint up at the reserved address.
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	late := &endpoint{reqs: make(chan *received, 10)}
	srv := &http.Server{Handler: http.HandlerFunc(late.serve)}
	go srv.Serve(ln)
	defer srv.Close()
	r := late.next(t, 20*time.Second)
	if m := decodeJSON(t, r.body); m["MessageId"] != *pub.MessageId || m["Message"] != "survives" {
		t.Fatalf("after restart: %v", m)
	}
}

// A dead letter that cannot be sent (its queue does not exist yet) is
// retried until it can be, not dropped.
func TestDeadLetterRetriedUntilSent(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := e.ctx()
	sc := Scope{Account: "000000000000", Region: "us-east-1"}
	arn := e.createTopic("late", nil)
	dlqARN := "arn:aws:sqs:us-east-1:000000000000:late-dlq"
	e.subscribe(arn, "sqs", "arn:aws:sqs:us-east-1:000000000000:gone",
		map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + dlqARN + `"}`})
	id, err := e.svc.Publish(ctx, sc, "late", PublishInput{Message: "keep me"})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for e.svc.Stats().DeadLetterRetried.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if e.svc.Stats().DeadLetterRetried.Load() == 0 {
		t.Fatalf("no dead-letter retry; stats: failed %d, dropped %d", e.svc.Stats().DeadLetterFailed.Load(), e.svc.Stats().Dropped.Load())
	}
	dlqURL, _ := e.createQueue("late-dlq", nil)
	dead := e.receive(dlqURL, 1, 20*time.Second)
	if len(dead) != 1 || decodeJSON(t, *dead[0].Body)["MessageId"] != id {
		t.Fatalf("dead letters %v", bodies(dead))
	}
	if e.svc.Stats().DeadLetterFailed.Load() != 0 {
		t.Fatalf("DeadLetterFailed = %d", e.svc.Stats().DeadLetterFailed.Load())
	}
}

// An entry of PublishBatch whose delivery cannot be stored fails alone;
// the others were stored and succeed (they used to be reported failed
// too, and clients published them twice).
func TestPublishBatchPartialStoreFailure(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := e.ctx()
	arn := e.createTopic("partial", nil)
	qURL, qARN := e.createQueue("partialq", nil)
	e.subscribe(arn, "sqs", qARN, map[string]string{"RawMessageDelivery": "true"})
	var n atomic.Int64
	e.st.SetFaults(func(op store.Op, subject string) error {
		// The second entry's write fails each time it is tried (writes 2,
		// 4 and 5: the retries go alone).
		if op == store.OpPublish && strings.HasPrefix(subject, subjectPrefix) {
			switch n.Add(1) {
			case 2, 4, 5:
				return errors.New("injected: write failed")
			}
		}
		return nil
	})
	out, err := e.sns.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: aws.String(arn), PublishBatchRequestEntries: []snstypes.PublishBatchRequestEntry{
		{Id: aws.String("a"), Message: aws.String("one")},
		{Id: aws.String("b"), Message: aws.String("two")},
		{Id: aws.String("c"), Message: aws.String("three")},
	}})
	e.st.SetFaults(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 2 || len(out.Failed) != 1 || *out.Failed[0].Id != "b" || out.Failed[0].SenderFault {
		t.Fatalf("PublishBatch %+v", out)
	}
	got := e.receive(qURL, 2, 10*time.Second)
	if len(got) != 2 {
		t.Fatalf("received %v", bodies(got))
	}
}
