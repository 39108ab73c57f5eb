package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func TestSendMessageBatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	url := aws.String(e.createQueue("q", map[string]string{"MaximumMessageSize": "1024"}))
	out, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: url, Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("ok-1"), MessageBody: aws.String("msg"), MessageAttributes: awsAttributes},
		{Id: aws.String("bad_char"), MessageBody: aws.String("a\x00b")},
		{Id: aws.String("ok-2"), MessageBody: aws.String("later"), DelaySeconds: 1},
		{Id: aws.String("too_big"), MessageBody: aws.String(strings.Repeat("x", 1025))},
		{Id: aws.String("dedup"), MessageBody: aws.String("x"), MessageDeduplicationId: aws.String("d")},
		{Id: aws.String("ok-3"), MessageBody: aws.String("grouped"), MessageGroupId: aws.String("g")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 3 || len(out.Failed) != 3 {
		t.Fatalf("successful %d failed %d: %+v", len(out.Successful), len(out.Failed), out.Failed)
	}
	ok := map[string]types.SendMessageBatchResultEntry{}
	for _, s := range out.Successful {
		ok[aws.ToString(s.Id)] = s
	}
	if m := ok["ok-1"]; aws.ToString(m.MD5OfMessageBody) != "6e2baaf3b97dbeef01c0043275f9a0e7" ||
		aws.ToString(m.MD5OfMessageAttributes) != "4c360f3fdafd970e05fae2f149d997f5" || len(aws.ToString(m.MessageId)) != 36 || m.SequenceNumber != nil {
		t.Errorf("ok-1: %+v", m)
	}
	failed := map[string]types.BatchResultErrorEntry{}
	for _, f := range out.Failed {
		failed[aws.ToString(f.Id)] = f
		if !f.SenderFault {
			t.Errorf("%s: not a sender fault", aws.ToString(f.Id))
		}
	}
	for id, want := range map[string]string{
		"bad_char": "InvalidMessageContents",
		"too_big":  "InvalidParameterValue: One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.",
		"dedup":    "InvalidParameterValue: The request include parameter MessageDeduplicationId which is not valid for this queue type",
	} {
		f := failed[id]
		got := aws.ToString(f.Code) + ": " + aws.ToString(f.Message)
		if !strings.HasPrefix(got, want) {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
	// The delayed entry arrives later; the others at once.
	bodies := map[string]bool{}
	deadline := time.Now().Add(10 * time.Second)
	for len(bodies) < 3 && time.Now().Before(deadline) {
		for _, m := range e.receive(&sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 2}) {
			bodies[aws.ToString(m.Body)] = true
		}
	}
	if !bodies["msg"] || !bodies["later"] || !bodies["grouped"] {
		t.Fatalf("received %v", bodies)
	}

	// Errors of the whole request, with SQS's codes and messages.
	entries := func(ids ...string) []types.SendMessageBatchRequestEntry {
		var out []types.SendMessageBatchRequestEntry
		for _, id := range ids {
			out = append(out, types.SendMessageBatchRequestEntry{Id: aws.String(id), MessageBody: aws.String("b")})
		}
		return out
	}
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = fmt.Sprint("e", i)
	}
	big := []types.SendMessageBatchRequestEntry{}
	for i := 0; i < 2; i++ {
		big = append(big, types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint("b", i)), MessageBody: aws.String(strings.Repeat("x", 600_000))})
	}
	cases := []struct {
		name    string
		entries []types.SendMessageBatchRequestEntry
		code    string
		message string
	}{
		{"empty", []types.SendMessageBatchRequestEntry{}, "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one SendMessageBatchRequestEntry in the request."},
		{"eleven", entries(eleven...), "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10. You have sent 11."},
		{"bad id", entries("a", "b c"), "AWS.SimpleQueueService.InvalidBatchEntryId",
			"A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long."},
		{"long id", entries(strings.Repeat("a", 81)), "AWS.SimpleQueueService.InvalidBatchEntryId", ""},
		{"repeated", entries("a", "b", "a"), "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id a repeated."},
		{"too long", big, "AWS.SimpleQueueService.BatchRequestTooLong", "Batch requests cannot be longer than 1048576 bytes. You have sent 1200000 bytes."},
	}
	for _, c := range cases {
		_, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: url, Entries: c.entries})
		wantAPIError(t, err, c.code, c.message, 400)
	}
	var distinct *types.BatchEntryIdsNotDistinct
	_, err = e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: url, Entries: entries("x", "x")})
	if !errors.As(err, &distinct) {
		t.Errorf("error %T is not BatchEntryIdsNotDistinct", err)
	}
	_, err = e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(e.srv.URL + "/000000000000/nope"), Entries: entries("a")})
	wantAPIError(t, err, "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.", 400)
}

func TestDeleteAndChangeVisibilityBatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	url := aws.String(e.createQueue("q", nil))
	for i := 0; i < 4; i++ {
		e.send(*url, fmt.Sprint("m", i))
	}
	var msgs []types.Message
	for len(msgs) < 4 {
		msgs = append(msgs, e.receive(&sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})...)
	}
	// Two visible again at once, one with a bad handle, one untouched.
	vis, err := e.client.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: url, Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
		{Id: aws.String("a"), ReceiptHandle: msgs[0].ReceiptHandle, VisibilityTimeout: 0},
		{Id: aws.String("b"), ReceiptHandle: msgs[1].ReceiptHandle, VisibilityTimeout: 0},
		{Id: aws.String("c"), ReceiptHandle: aws.String("garbage"), VisibilityTimeout: 5},
		{Id: aws.String("d"), ReceiptHandle: msgs[2].ReceiptHandle, VisibilityTimeout: 43201},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(vis.Successful) != 2 || len(vis.Failed) != 2 || aws.ToString(vis.Successful[0].Id) != "a" {
		t.Fatalf("visibility batch %+v", vis)
	}
	for _, f := range vis.Failed {
		switch aws.ToString(f.Id) {
		case "c":
			if aws.ToString(f.Code) != "ReceiptHandleIsInvalid" || aws.ToString(f.Message) != `The input receipt handle "garbage" is not a valid receipt handle.` {
				t.Errorf("c: %s %s", aws.ToString(f.Code), aws.ToString(f.Message))
			}
		case "d":
			if aws.ToString(f.Code) != "InvalidParameterValue" {
				t.Errorf("d: %s", aws.ToString(f.Code))
			}
		}
	}
	again := e.receive(&sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 2})
	for len(again) < 2 {
		more := e.receive(&sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 2})
		if len(more) == 0 {
			break
		}
		again = append(again, more...)
	}
	if len(again) != 2 {
		t.Fatalf("visible again: %d", len(again))
	}
	del, err := e.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: url, Entries: []types.DeleteMessageBatchRequestEntry{
		{Id: aws.String("x1"), ReceiptHandle: again[0].ReceiptHandle},
		{Id: aws.String("x2"), ReceiptHandle: again[1].ReceiptHandle},
		{Id: aws.String("x3"), ReceiptHandle: msgs[2].ReceiptHandle},
		{Id: aws.String("x4"), ReceiptHandle: msgs[3].ReceiptHandle},
		{Id: aws.String("bad"), ReceiptHandle: aws.String("Zm9v")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(del.Successful) != 4 || len(del.Failed) != 1 || aws.ToString(del.Failed[0].Code) != "ReceiptHandleIsInvalid" {
		t.Fatalf("delete batch %+v %+v", del.Successful, del.Failed)
	}
	if got := e.attributes(*url, types.QueueAttributeNameAll); got["ApproximateNumberOfMessages"] != "0" || got["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Fatalf("after the batch delete: %v", got)
	}
	_, err = e.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: url, Entries: []types.DeleteMessageBatchRequestEntry{}})
	wantAPIError(t, err, "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one DeleteMessageBatchRequestEntry in the request.", 400)
	_, err = e.client.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: url, Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
		{Id: aws.String("a"), ReceiptHandle: aws.String("x")}, {Id: aws.String("a"), ReceiptHandle: aws.String("y")},
	}})
	wantAPIError(t, err, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id a repeated.", 400)
}
