package sqs_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/switchyard/switchyard/internal/awsapi/sqs"
)

func validate(t *testing.T, op, body string) string {
	t.Helper()
	in := sqs.Operations[op].NewInput()
	if err := json.Unmarshal([]byte(body), in); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if err := in.Validate(); err != nil {
		return err.Error()
	}
	return ""
}

func TestSQSValidation(t *testing.T) {
	for _, c := range []struct{ op, body, want string }{
		{"SendMessage", `{"QueueUrl": "http://q", "MessageBody": "hi"}`, ""},
		{"SendMessage", `{"MessageBody": "hi"}`,
			"1 validation error detected: Value null at 'queueUrl' failed to satisfy constraint: Member must not be null"},
		{"SendMessage", `{"QueueUrl": "http://q", "MessageBody": "hi", "MessageAttributes": {"a": {"StringValue": "v"}}}`,
			"1 validation error detected: Value null at 'messageAttributes.a.member.dataType' failed to satisfy constraint: Member must not be null"},
		{"SendMessageBatch", `{"QueueUrl": "http://q", "Entries": [{"Id": "1", "MessageBody": "a"}, {"MessageBody": "b"}]}`,
			"1 validation error detected: Value null at 'entries.2.member.id' failed to satisfy constraint: Member must not be null"},
		{"GetQueueAttributes", `{"QueueUrl": "http://q", "AttributeNames": ["All", "Bogus"]}`,
			"1 validation error detected: Value '[All, Bogus]' at 'attributeNames' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [All, Policy, VisibilityTimeout, MaximumMessageSize, MessageRetentionPeriod, ApproximateNumberOfMessages, ApproximateNumberOfMessagesNotVisible, CreatedTimestamp, LastModifiedTimestamp, QueueArn, ApproximateNumberOfMessagesDelayed, DelaySeconds, ReceiveMessageWaitTimeSeconds, RedrivePolicy, FifoQueue, ContentBasedDeduplication, KmsMasterKeyId, KmsDataKeyReusePeriodSeconds, DeduplicationScope, FifoThroughputLimit, RedriveAllowPolicy, SqsManagedSseEnabled]]"},
	} {
		if got := validate(t, c.op, c.body); got != c.want {
			t.Errorf("%s %s\n got: %s\nwant: %s", c.op, c.body, got, c.want)
		}
	}
}

func TestSQSBlobAndMaps(t *testing.T) {
	var in sqs.SendMessageRequest
	body := `{"QueueUrl":"http://q","MessageBody":"hi","MessageAttributes":{"b":{"BinaryValue":"AQID","DataType":"Binary"}},"MessageSystemAttributes":{"AWSTraceHeader":{"StringValue":"Root=1","DataType":"String"}}}` // members in model order
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	if got := in.MessageAttributes["b"].BinaryValue; string(got) != "\x01\x02\x03" {
		t.Errorf("BinaryValue = %q", got)
	}
	if _, ok := in.MessageSystemAttributes[sqs.MessageSystemAttributeNameForSendsAWSTraceHeader]; !ok {
		t.Error("enum-keyed map not decoded")
	}
	out, _ := json.Marshal(&in)
	if string(out) != body {
		t.Errorf("round trip\n got: %s\nwant: %s", out, body)
	}
}

func TestSQSErrors(t *testing.T) {
	for name, want := range map[string]struct {
		code   string
		status int
	}{
		"QueueDoesNotExist":    {"AWS.SimpleQueueService.NonExistentQueue", 400},
		"OverLimit":            {"OverLimit", 403},
		"PurgeQueueInProgress": {"AWS.SimpleQueueService.PurgeQueueInProgress", 403},
		"QueueNameExists":      {"QueueAlreadyExists", 400},
		"InvalidAddress":       {"InvalidAddress", 400},
	} {
		e, ok := sqs.Errors[name]
		if !ok || e.Code != want.code || e.HTTPStatus != want.status {
			t.Errorf("Errors[%s] = %+v, want %+v", name, e, want)
		}
	}
	if !sqs.Service.QueryCompatible || sqs.Service.Target("SendMessage") != "AmazonSQS.SendMessage" ||
		sqs.Service.ContentType() != "application/x-amz-json-1.0" {
		t.Errorf("Service = %+v", sqs.Service)
	}
	if n := len(sqs.Operations); n != 23 {
		t.Errorf("%d operations, want 23", n)
	}
	if !strings.HasPrefix(sqs.Operations["ReceiveMessage"].Output, "ReceiveMessage") {
		t.Errorf("ReceiveMessage = %+v", sqs.Operations["ReceiveMessage"])
	}
}
