package sns_test

import (
	"encoding/json"
	"testing"

	"github.com/switchyard/switchyard/internal/awsapi/sns"
)

func validate(t *testing.T, op, body string) string {
	t.Helper()
	in := sns.Operations[op].NewInput()
	if err := json.Unmarshal([]byte(body), in); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if err := in.Validate(); err != nil {
		return err.Error()
	}
	return ""
}

func TestSNSValidation(t *testing.T) {
	for _, c := range []struct{ op, body, want string }{
		{"Publish", `{"TopicArn": "arn:aws:sns:us-east-1:123456789012:t", "Message": "hi"}`, ""},
		{"Publish", `{"TopicArn": "arn:aws:sns:us-east-1:123456789012:t"}`,
			"1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null"},
		{"Publish", `{"Message": "hi", "MessageAttributes": {"a": {"StringValue": "v"}}}`,
			"1 validation error detected: Value null at 'messageAttributes.a.member.dataType' failed to satisfy constraint: Member must not be null"},
		{"CreateTopic", `{}`,
			"1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"},
		{"CreateTopic", `{"Name": "t", "Tags": [{"Key": "k"}]}`,
			"1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"},
		{"Subscribe", `{"TopicArn": "t", "Protocol": "sqs", "ReturnSubscriptionArn": true}`, ""},
	} {
		if got := validate(t, c.op, c.body); got != c.want {
			t.Errorf("%s %s\n got: %s\nwant: %s", c.op, c.body, got, c.want)
		}
	}
}

func TestSNSTables(t *testing.T) {
	if sns.Service.Protocol != "query" || sns.Service.APIVersion != "2010-03-31" || sns.Service.SigningName != "sns" {
		t.Errorf("Service = %+v", sns.Service)
	}
	if op := sns.Operations["Publish"]; op.Input != "PublishInput" || op.Output != "PublishResponse" {
		t.Errorf("Publish = %+v", op)
	}
	for name, want := range map[string]struct {
		code   string
		status int
	}{
		"NotFoundException":         {"NotFound", 404},
		"InvalidParameterException": {"InvalidParameter", 400},
		"InternalErrorException":    {"InternalError", 500},
	} {
		if e := sns.Errors[name]; e.Code != want.code || e.HTTPStatus != want.status {
			t.Errorf("Errors[%s] = %+v, want %+v", name, e, want)
		}
	}
	// JSON tags are member names, as internal/awsquery writes them.
	b, _ := json.Marshal(sns.PublishInput{Message: new("m"), MessageAttributes: map[string]sns.MessageAttributeValue{"a": {DataType: new("String")}}})
	if string(b) != `{"Message":"m","MessageAttributes":{"a":{"DataType":"String"}}}` {
		t.Errorf("PublishInput JSON %s", b)
	}
}
