package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func TestSetQueueAttributes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	url := aws.String(e.createQueue("q", nil))
	before := e.attributes(*url, types.QueueAttributeNameAll)
	time.Sleep(1100 * time.Millisecond) // LastModifiedTimestamp has second resolution
	set := func(attrs map[string]string) error {
		_, err := e.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: url, Attributes: attrs})
		return err
	}
	if err := set(map[string]string{"VisibilityTimeout": "1", "MessageRetentionPeriod": "120", "Policy": `{"Version":"2012-10-17"}`}); err != nil {
		t.Fatal(err)
	}
	after := e.attributes(*url, types.QueueAttributeNameAll)
	if after["VisibilityTimeout"] != "1" || after["MessageRetentionPeriod"] != "120" || after["Policy"] == "" ||
		after["CreatedTimestamp"] != before["CreatedTimestamp"] || after["LastModifiedTimestamp"] <= before["LastModifiedTimestamp"] {
		t.Fatalf("before %v\nafter %v", before, after)
	}
	// The new visibility timeout applies at once.
	e.send(*url, "m")
	in := &sqs.ReceiveMessageInput{QueueUrl: url, MessageSystemAttributeNames: []types.MessageSystemAttributeName{"ApproximateReceiveCount"}}
	if got := e.receive(in); len(got) != 1 {
		t.Fatal("no message")
	}
	start := time.Now()
	in.WaitTimeSeconds = 5
	if got := e.receive(in); len(got) != 1 || got[0].Attributes["ApproximateReceiveCount"] != "2" || time.Since(start) > 3*time.Second {
		t.Fatalf("after VisibilityTimeout 1: %+v after %v", got, time.Since(start))
	}
	// An empty value removes Policy (and RedrivePolicy and the like).
	if err := set(map[string]string{"Policy": ""}); err != nil {
		t.Fatal(err)
	}
	if got := e.attributes(*url, types.QueueAttributeNameAll); got["Policy"] != "" {
		t.Fatalf("Policy not removed: %v", got)
	}
	// DelaySeconds applies to the next messages.
	if err := set(map[string]string{"DelaySeconds": "1"}); err != nil {
		t.Fatal(err)
	}
	e.send(*url, "delayed")
	if got := e.attributes(*url, types.QueueAttributeNameApproximateNumberOfMessagesDelayed); got["ApproximateNumberOfMessagesDelayed"] != "1" {
		t.Fatalf("delayed count %v", got)
	}

	cases := []struct {
		attrs   map[string]string
		code    string
		message string
	}{
		{map[string]string{"VisibilityTimeout": "43201"}, "InvalidAttributeValue", "Invalid value for the parameter VisibilityTimeout."},
		{map[string]string{"Bogus": "1"}, "InvalidAttributeName", "Unknown Attribute Bogus."},
		{map[string]string{"QueueArn": "x"}, "InvalidAttributeName", "Unknown Attribute QueueArn."},
		{map[string]string{"ContentBasedDeduplication": "true"}, "InvalidAttributeName", "Unknown Attribute ContentBasedDeduplication."},
		{map[string]string{"FifoQueue": "true"}, "InvalidAttributeValue", "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported."},
		{map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:nope","maxReceiveCount":5}`}, "InvalidParameterValue",
			`Value {"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:nope","maxReceiveCount":5} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`},
	}
	for _, c := range cases {
		wantAPIError(t, set(c.attrs), c.code, c.message, 400)
	}
	// Nothing of a refused request was applied.
	if got := e.attributes(*url, types.QueueAttributeNameVisibilityTimeout); got["VisibilityTimeout"] != "1" {
		t.Fatalf("VisibilityTimeout %v", got)
	}

	// FIFO attributes on a FIFO queue.
	fifo := aws.String(e.createQueue("f.fifo", map[string]string{"FifoQueue": "true"}))
	_, err := e.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: fifo, Attributes: map[string]string{
		"ContentBasedDeduplication": "true", "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId", "FifoQueue": "true",
	}})
	if err != nil {
		t.Fatal(err)
	}
	got := e.attributes(*fifo, types.QueueAttributeNameAll)
	if got["ContentBasedDeduplication"] != "true" || got["DeduplicationScope"] != "messageGroup" || got["FifoThroughputLimit"] != "perMessageGroupId" || got["FifoQueue"] != "true" {
		t.Fatalf("FIFO attributes %v", got)
	}
	_, err = e.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: fifo, Attributes: map[string]string{"DeduplicationScope": "group"}})
	wantAPIError(t, err, "InvalidAttributeValue", "Invalid value for the parameter DeduplicationScope.", 400)
	status, _, body := e.rawCall("SetQueueAttributes", `{"QueueUrl":"`+*url+`"}`)
	if status != 400 || !strings.Contains(body, "The request must contain the parameter Attributes.") {
		t.Fatalf("without Attributes: %d %s", status, body)
	}
}

func TestTags(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	out, err := e.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q"), Tags: map[string]string{"team": "a", "env": "dev"}})
	if err != nil {
		t.Fatal(err)
	}
	url := out.QueueUrl
	tags := func() map[string]string {
		t.Helper()
		out, err := e.client.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: url})
		if err != nil {
			t.Fatal(err)
		}
		return out.Tags
	}
	if got := tags(); fmt.Sprint(got) != "map[env:dev team:a]" {
		t.Fatalf("created with %v", got)
	}
	if _, err := e.client.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: url, Tags: map[string]string{"team": "b", "cost": "1"}}); err != nil {
		t.Fatal(err)
	}
	if got := tags(); fmt.Sprint(got) != "map[cost:1 env:dev team:b]" {
		t.Fatalf("after TagQueue %v", got)
	}
	if _, err := e.client.UntagQueue(ctx, &sqs.UntagQueueInput{QueueUrl: url, TagKeys: []string{"env", "missing"}}); err != nil {
		t.Fatal(err)
	}
	if got := tags(); fmt.Sprint(got) != "map[cost:1 team:b]" {
		t.Fatalf("after UntagQueue %v", got)
	}
	many := map[string]string{}
	for i := 0; i < 49; i++ {
		many[fmt.Sprint("k", i)] = "v"
	}
	_, err = e.client.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: url, Tags: many})
	wantAPIError(t, err, "InvalidParameterValue", "Too many tags added for queue q.", 400)
	_, err = e.client.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: url, Tags: map[string]string{strings.Repeat("k", 129): "v"}})
	wantAPIError(t, err, "InvalidParameterValue", "Tag keys must be between 1 and 128 characters in length.", 400)
	_, err = e.client.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: url, Tags: map[string]string{}})
	wantAPIError(t, err, "MissingParameter", "The request must contain the parameter Tags.", 400)
	_, err = e.client.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(e.srv.URL + "/000000000000/nope")})
	wantAPIError(t, err, "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.", 400)
	// Tags survive a restart; a queue without tags lists none.
	e.restart()
	if got := tags(); fmt.Sprint(got) != "map[cost:1 team:b]" {
		t.Fatalf("after restart %v", got)
	}
	bare := e.createQueue("bare", nil)
	if out, err := e.client.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(bare)}); err != nil || len(out.Tags) != 0 {
		t.Fatalf("bare queue tags %v %v", out, err)
	}
}

func TestPermissions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	url := aws.String(e.createQueue("q", nil))
	add := func(label string, accounts, actions []string) error {
		_, err := e.client.AddPermission(ctx, &sqs.AddPermissionInput{QueueUrl: url, Label: aws.String(label), AWSAccountIds: accounts, Actions: actions})
		return err
	}
	if err := add("send", []string{"111111111111"}, []string{"SendMessage"}); err != nil {
		t.Fatal(err)
	}
	if err := add("all", []string{"111111111111", "222222222222"}, []string{"ReceiveMessage", "DeleteMessage"}); err != nil {
		t.Fatal(err)
	}
	var policy struct {
		Version, Id string
		Statement   []struct {
			Sid, Effect, Resource string
			Principal             map[string]any
			Action                any
		}
	}
	if err := json.Unmarshal([]byte(e.attributes(*url, types.QueueAttributeNamePolicy)["Policy"]), &policy); err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:sqs:us-east-1:000000000000:q"
	if policy.Version != "2012-10-17" || policy.Id != arn+"/SQSDefaultPolicy" || len(policy.Statement) != 2 {
		t.Fatalf("policy %+v", policy)
	}
	st := policy.Statement[0]
	if st.Sid != "send" || st.Effect != "Allow" || st.Resource != arn || st.Action != "SQS:SendMessage" || st.Principal["AWS"] != "arn:aws:iam::111111111111:root" {
		t.Fatalf("statement %+v", st)
	}
	if fmt.Sprint(policy.Statement[1].Action) != "[SQS:ReceiveMessage SQS:DeleteMessage]" || len(policy.Statement[1].Principal["AWS"].([]any)) != 2 {
		t.Fatalf("statement %+v", policy.Statement[1])
	}
	wantAPIError(t, add("send", []string{"111111111111"}, []string{"SendMessage"}), "InvalidParameterValue",
		"Value send for parameter Label is invalid. Reason: Already exists.", 400)
	wantAPIError(t, add("x", []string{"111111111111"}, []string{"CreateQueue"}), "InvalidParameterValue",
		"Value SQS:CreateQueue for parameter ActionName is invalid. Reason: Only the queue owner is allowed to invoke this action.", 400)
	wantAPIError(t, add("x", []string{"111111111111"}, []string{"SendMessage", "ReceiveMessage", "DeleteMessage", "GetQueueUrl", "GetQueueAttributes", "PurgeQueue", "ChangeMessageVisibility", "*"}),
		"OverLimit", "8 Actions were found, maximum allowed is 7.", 403)
	wantAPIError(t, add("x", []string{}, []string{"SendMessage"}), "InvalidParameterValue",
		"Value [] for parameter PrincipalId is invalid. Reason: Unable to verify.", 400)

	remove := func(label string) error {
		_, err := e.client.RemovePermission(ctx, &sqs.RemovePermissionInput{QueueUrl: url, Label: aws.String(label)})
		return err
	}
	if err := remove("send"); err != nil {
		t.Fatal(err)
	}
	if got := policyStatements(e.attributes(*url, types.QueueAttributeNamePolicy)["Policy"]); fmt.Sprint(got) != "[all]" {
		t.Fatalf("after removing send: %v", got)
	}
	wantAPIError(t, remove("send"), "InvalidParameterValue", "Value send for parameter Label is invalid. Reason: can't find label on existing policy.", 400)
	if err := remove("all"); err != nil {
		t.Fatal(err)
	}
	if got := e.attributes(*url, types.QueueAttributeNameAll); got["Policy"] != "" {
		t.Fatalf("Policy left after removing every permission: %v", got["Policy"])
	}
}
