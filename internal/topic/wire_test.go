package topic

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// post sends an SNS awsQuery request as a form (unsigned: any caller is
// the default account) and returns the status and the XML body.
func (e *env) post(t *testing.T, params ...string) (int, string) {
	t.Helper()
	form := url.Values{"Version": {"2010-03-31"}}
	for i := 0; i+1 < len(params); i += 2 {
		form.Add(params[i], params[i+1])
	}
	resp, err := http.PostForm(e.srv.URL+"/", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var topicArnRE = regexp.MustCompile(`<TopicArn>([^<]+)</TopicArn>`)

// TestWireErrors checks errors as SNS sends them over awsQuery: the model's
// validation (ValidationError), the handlers' own checks and the model's
// error codes and statuses.
func TestWireErrors(t *testing.T) {
	e := newEnv(t, Options{})
	_, body := e.post(t, "Action", "CreateTopic", "Name", "wire")
	m := topicArnRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("CreateTopic: %s", body)
	}
	arn := m[1]
	null := func(path string) string {
		return "1 validation error detected: Value null at '" + path + "' failed to satisfy constraint: Member must not be null"
	}
	for _, c := range []struct {
		name   string
		params []string
		status int
		code   string
		msg    string
	}{
		{"CreateTopic without Name", []string{"Action", "CreateTopic"}, 400, "ValidationError", null("name")},
		{"SetTopicAttributes without anything", []string{"Action", "SetTopicAttributes"}, 400, "ValidationError",
			"2 validation errors detected: Value null at 'topicArn' failed to satisfy constraint: Member must not be null; Value null at 'attributeName' failed to satisfy constraint: Member must not be null"},
		{"Publish without Message", []string{"Action", "Publish", "TopicArn", arn}, 400, "ValidationError", null("message")},
		{"Publish, attribute without DataType", []string{"Action", "Publish", "TopicArn", arn, "Message", "m",
			"MessageAttributes.entry.1.Name", "a", "MessageAttributes.entry.1.Value.StringValue", "v"}, 400, "ValidationError",
			null("messageAttributes.a.member.dataType")},
		{"PublishBatch entry without Message", []string{"Action", "PublishBatch", "TopicArn", arn,
			"PublishBatchRequestEntries.member.1.Id", "a"}, 400, "ValidationError", null("publishBatchRequestEntries.1.member.message")},
		{"TagResource, tag without Value", []string{"Action", "TagResource", "ResourceArn", arn,
			"Tags.member.1.Key", "k"}, 400, "ValidationError", null("tags.1.member.value")},
		{"Unsubscribe without SubscriptionArn", []string{"Action", "Unsubscribe"}, 400, "InvalidParameter",
			"Invalid parameter: SubscriptionArn Reason: no value for required parameter"},
		{"GetTopicAttributes of a missing topic", []string{"Action", "GetTopicAttributes", "TopicArn", arn + "-not"}, 404, "NotFound",
			"Topic does not exist"},
		{"ListTagsForResource of a missing topic", []string{"Action", "ListTagsForResource", "ResourceArn", arn + "-not"}, 404, "ResourceNotFound",
			"Resource does not exist"},
		{"PublishBatch without entries", []string{"Action", "PublishBatch", "TopicArn", arn, "PublishBatchRequestEntries", ""}, 400,
			"EmptyBatchRequest", "The batch request doesn't contain any entries."},
		{"Publish, bad attribute name", []string{"Action", "Publish", "TopicArn", arn, "Message", "m",
			"MessageAttributes.entry.1.Name", ".a", "MessageAttributes.entry.1.Value.DataType", "String",
			"MessageAttributes.entry.1.Value.StringValue", "v"}, 400, "ParameterValueInvalid",
			"Invalid message attribute name starting with character '.' was found."},
		{"unimplemented operation", []string{"Action", "CreateSMSSandboxPhoneNumber", "PhoneNumber", "+15555550100"}, 400, "InvalidParameter",
			"Invalid parameter: CreateSMSSandboxPhoneNumber is not supported by Switchyard's built-in topic service"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := e.post(t, c.params...)
			var got struct {
				Type    string `xml:"Error>Type"`
				Code    string `xml:"Error>Code"`
				Message string `xml:"Error>Message"`
			}
			if err := xml.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			if status != c.status || got.Type != "Sender" || got.Code != c.code || got.Message != c.msg {
				t.Errorf("got %d %+v\nwant %d %s %q", status, got, c.status, c.code, c.msg)
			}
		})
	}
}

// TestWireEmptyLists checks that empty lists are sent as empty elements, as
// SNS sends them (SDKs read them as empty lists, not as absent members).
func TestWireEmptyLists(t *testing.T) {
	e := newEnv(t, Options{})
	for _, c := range []struct {
		params []string
		want   string
	}{
		{[]string{"Action", "ListTopics"}, "<ListTopicsResult><Topics/></ListTopicsResult>"},
		{[]string{"Action", "ListSubscriptions"}, "<ListSubscriptionsResult><Subscriptions/></ListSubscriptionsResult>"},
	} {
		if status, body := e.post(t, c.params...); status != 200 || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s, want %s", c.params[1], status, body, c.want)
		}
	}
	arn := e.createTopic("empty", nil)
	for _, c := range []struct {
		params []string
		want   string
	}{
		{[]string{"Action", "ListSubscriptionsByTopic", "TopicArn", arn}, "<ListSubscriptionsByTopicResult><Subscriptions/></ListSubscriptionsByTopicResult>"},
		{[]string{"Action", "ListTagsForResource", "ResourceArn", arn}, "<ListTagsForResourceResult><Tags/></ListTagsForResourceResult>"},
		{[]string{"Action", "PublishBatch", "TopicArn", arn, "PublishBatchRequestEntries.member.1.Id", "a",
			"PublishBatchRequestEntries.member.1.Message", "m"}, "<Failed/>"},
		{[]string{"Action", "PublishBatch", "TopicArn", arn, "PublishBatchRequestEntries.member.1.Id", "a",
			"PublishBatchRequestEntries.member.1.Message", " "}, "<Successful/>"},
	} {
		if status, body := e.post(t, c.params...); status != 200 || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s, want %s", c.params[1], status, body, c.want)
		}
	}
}
