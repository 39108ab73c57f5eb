package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func TestCreateQueueAndAttributes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	before := time.Now().Unix()
	url := e.createQueue("orders", map[string]string{"VisibilityTimeout": "20", "ReceiveMessageWaitTimeSeconds": "10"})
	if want := e.srv.URL + "/000000000000/orders"; url != want {
		t.Fatalf("QueueUrl %q, want %q", url, want)
	}
	got := e.attributes(url, types.QueueAttributeNameAll)
	created, _ := strconv.ParseInt(got["CreatedTimestamp"], 10, 64)
	if created < before || created > time.Now().Unix() || got["LastModifiedTimestamp"] != got["CreatedTimestamp"] {
		t.Errorf("timestamps %v", got)
	}
	delete(got, "CreatedTimestamp")
	delete(got, "LastModifiedTimestamp")
	want := map[string]string{
		"QueueArn":                              "arn:aws:sqs:us-east-1:000000000000:orders",
		"ApproximateNumberOfMessages":           "0",
		"ApproximateNumberOfMessagesNotVisible": "0",
		"ApproximateNumberOfMessagesDelayed":    "0",
		"VisibilityTimeout":                     "20",
		"MaximumMessageSize":                    "1048576",
		"MessageRetentionPeriod":                "345600",
		"DelaySeconds":                          "0",
		"ReceiveMessageWaitTimeSeconds":         "10",
		"SqsManagedSseEnabled":                  "true",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("All attributes\n got %v\nwant %v", got, want)
	}
	named := e.attributes(url, types.QueueAttributeNameQueueArn, types.QueueAttributeNameVisibilityTimeout, types.QueueAttributeNameRedrivePolicy)
	if len(named) != 2 || named["VisibilityTimeout"] != "20" || named["QueueArn"] == "" {
		t.Errorf("named attributes %v", named)
	}

	// Idempotent with the same attributes (or a subset, or none).
	for _, attrs := range []map[string]string{nil, {"VisibilityTimeout": "20"}, {"VisibilityTimeout": "20", "DelaySeconds": "0"}} {
		out, err := e.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("orders"), Attributes: attrs})
		if err != nil || aws.ToString(out.QueueUrl) != url {
			t.Fatalf("CreateQueue again with %v: %v", attrs, err)
		}
	}
	_, err := e.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("orders"), Attributes: map[string]string{"DelaySeconds": "5"}})
	wantAPIError(t, err, "QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute DelaySeconds", 400)
	var exists *types.QueueNameExists
	if !errors.As(err, &exists) {
		t.Errorf("error %T is not QueueNameExists", err)
	}

	// A dead-letter queue, FIFO queues and the stored-only attributes.
	dlqArn := "arn:aws:sqs:us-east-1:000000000000:orders"
	redrive := `{"deadLetterTargetArn":"` + dlqArn + `","maxReceiveCount":5}`
	src := e.createQueue("orders-src", map[string]string{"RedrivePolicy": redrive})
	if got := e.attributes(src, types.QueueAttributeNameRedrivePolicy); got["RedrivePolicy"] != redrive {
		t.Errorf("RedrivePolicy %v", got)
	}
	fifo := e.createQueue("jobs.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	fa := e.attributes(fifo, types.QueueAttributeNameAll)
	if fa["FifoQueue"] != "true" || fa["ContentBasedDeduplication"] != "true" || fa["DeduplicationScope"] != "queue" || fa["FifoThroughputLimit"] != "perQueue" {
		t.Errorf("FIFO attributes %v", fa)
	}
	// Extremes of the ranges create working queues.
	short := e.createQueue("short-lived", map[string]string{"MessageRetentionPeriod": "60", "MaximumMessageSize": "1024", "VisibilityTimeout": "43200", "DelaySeconds": "900"})
	if got := e.attributes(short, types.QueueAttributeNameAll); got["MessageRetentionPeriod"] != "60" || got["DelaySeconds"] != "900" {
		t.Errorf("short-lived attributes %v", got)
	}
	_, err = e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{"Bogus"}})
	wantAPIError(t, err, "InvalidAttributeName", "Unknown Attribute Bogus.", 400)
}

func TestCreateQueueValidation(t *testing.T) {
	e := newEnv(t)
	e.createQueue("dlq", nil)
	long := strings.Repeat("a", 81)
	cases := []struct {
		name    string
		attrs   map[string]string
		code    string
		message string
	}{
		{"", nil, "InvalidParameterValue", "Queue name cannot be empty"},
		{long, nil, "InvalidParameterValue", "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"},
		{"in.fo", nil, "InvalidParameterValue", "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"},
		{"bad name", nil, "InvalidParameterValue", "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"},
		{"example.fifo", nil, "InvalidParameterValue", "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"},
		{"example", map[string]string{"FifoQueue": "true"}, "InvalidAttributeName", "Unknown Attribute FifoQueue."},
		{"example.fifo", map[string]string{"FifoQueue": "false"}, "InvalidAttributeName", "Unknown Attribute FifoQueue."},
		{"example", map[string]string{"ContentBasedDeduplication": "true"}, "InvalidAttributeName", "Unknown Attribute ContentBasedDeduplication."},
		{"example", map[string]string{"QueueArn": "x"}, "InvalidAttributeName", "Unknown Attribute QueueArn."},
		{"example", map[string]string{"Bogus": "1"}, "InvalidAttributeName", "Unknown Attribute Bogus."},
		{"example", map[string]string{"DelaySeconds": "901"}, "InvalidAttributeValue", "Invalid value for the parameter DelaySeconds."},
		{"example", map[string]string{"DelaySeconds": "-45"}, "InvalidAttributeValue", "Invalid value for the parameter DelaySeconds."},
		{"example", map[string]string{"DelaySeconds": " 6"}, "InvalidAttributeValue", "Invalid value for the parameter DelaySeconds."},
		{"example", map[string]string{"VisibilityTimeout": "43201"}, "InvalidAttributeValue", "Invalid value for the parameter VisibilityTimeout."},
		{"example", map[string]string{"MaximumMessageSize": "1000"}, "InvalidAttributeValue", "Invalid value for the parameter MaximumMessageSize."},
		{"example", map[string]string{"MessageRetentionPeriod": "65.2"}, "InvalidAttributeValue", "Invalid value for the parameter MessageRetentionPeriod."},
		{"example", map[string]string{"ReceiveMessageWaitTimeSeconds": "21"}, "InvalidAttributeValue", "Invalid value for the parameter ReceiveMessageWaitTimeSeconds."},
		{"example", map[string]string{"Policy": "badjson"}, "InvalidAttributeValue", "Invalid value for the parameter Policy."},
		{"example", map[string]string{"RedrivePolicy": " "}, "InvalidAttributeValue", "Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid JSON map."},
		{"example", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn": "dummy", "maxReceiveCount": 42}`}, "InvalidParameterValue",
			`Value {"deadLetterTargetArn": "dummy", "maxReceiveCount": 42} for parameter RedrivePolicy is invalid. Reason: Invalid value for deadLetterTargetArn.`},
		{"example", map[string]string{"RedrivePolicy": `{}`}, "InvalidParameterValue",
			`Value {} for parameter RedrivePolicy is invalid. Reason: Redrive policy does not contain mandatory attribute: maxReceiveCount.`},
		{"example", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":4023}`}, "InvalidParameterValue",
			`Value {"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":4023} for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: 4023, valid values are from 1 to 1000 both inclusive.`},
		{"example", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:nope","maxReceiveCount":5}`}, "InvalidParameterValue",
			`Value {"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:nope","maxReceiveCount":5} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`},
		{"example", map[string]string{"SqsManagedSseEnabled": "true", "KmsMasterKeyId": "alias/aws/sqs"}, "InvalidAttributeName",
			"You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE."},
	}
	for _, c := range cases {
		t.Run(c.name+fmt.Sprint(c.attrs), func(t *testing.T) {
			_, err := e.client.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(c.name), Attributes: c.attrs})
			wantAPIError(t, err, c.code, c.message, 400)
		})
	}
	// Missing QueueName (the SDK refuses to send that, so post it raw).
	status, _, body := e.rawCall("CreateQueue", `{}`)
	if status != 400 || !strings.Contains(body, "Must specify a queue name") {
		t.Errorf("CreateQueue {}: %d %s", status, body)
	}
}

func TestGetQueueURLListAndDelete(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var urls []string
	for _, n := range []string{"alpha-1", "alpha-2", "alpha-3", "beta"} {
		urls = append(urls, e.createQueue(n, nil))
	}
	out, err := e.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("beta")})
	if err != nil || aws.ToString(out.QueueUrl) != urls[3] {
		t.Fatalf("GetQueueUrl: %v %v", out, err)
	}
	out, err = e.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("beta"), QueueOwnerAWSAccountId: aws.String("000000000000")})
	if err != nil || aws.ToString(out.QueueUrl) != urls[3] {
		t.Fatalf("GetQueueUrl with owner: %v %v", out, err)
	}
	_, err = e.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("gamma")})
	wantAPIError(t, err, "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.", 400)
	_, err = e.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("")})
	wantAPIError(t, err, "InvalidParameterValue", "Value for parameter QueueName is invalid. Reason: Must specify a queue name.", 400)

	all, err := e.client.ListQueues(ctx, &sqs.ListQueuesInput{})
	if err != nil || fmt.Sprint(all.QueueUrls) != fmt.Sprint(urls) || all.NextToken != nil {
		t.Fatalf("ListQueues: %v %v", all, err)
	}
	prefixed, err := e.client.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("alpha")})
	if err != nil || fmt.Sprint(prefixed.QueueUrls) != fmt.Sprint(urls[:3]) {
		t.Fatalf("ListQueues prefix: %v %v", prefixed, err)
	}
	// Pagination, by hand and with the SDK's paginator.
	var paged []string
	in := &sqs.ListQueuesInput{QueueNamePrefix: aws.String("alpha"), MaxResults: aws.Int32(2)}
	p := sqs.NewListQueuesPaginator(e.client, in)
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		paged = append(paged, page.QueueUrls...)
	}
	if pages != 2 || fmt.Sprint(paged) != fmt.Sprint(urls[:3]) {
		t.Fatalf("paginated %d pages: %v", pages, paged)
	}
	_, err = e.client.ListQueues(ctx, &sqs.ListQueuesInput{MaxResults: aws.Int32(0)})
	wantAPIError(t, err, "InvalidParameterValue", "Value for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", 400)
	_, err = e.client.ListQueues(ctx, &sqs.ListQueuesInput{MaxResults: aws.Int32(1001)})
	wantAPIError(t, err, "InvalidParameterValue", "", 400)
	_, err = e.client.ListQueues(ctx, &sqs.ListQueuesInput{MaxResults: aws.Int32(1), NextToken: aws.String("!!!")})
	wantAPIError(t, err, "InvalidParameterValue", "Invalid NextToken value.", 400)

	// A queue URL with any host works if it ends in /<account>/<name>.
	other := "https://sqs.us-east-1.amazonaws.com/000000000000/beta"
	if _, err := e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(other)}); err != nil {
		t.Fatalf("foreign-host URL: %v", err)
	}

	e.send(urls[0], "hello")
	if _, err := e.client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(urls[0])}); err != nil {
		t.Fatal(err)
	}
	all, _ = e.client.ListQueues(ctx, &sqs.ListQueuesInput{})
	if len(all.QueueUrls) != 3 {
		t.Fatalf("after delete: %v", all.QueueUrls)
	}
	// Every operation on a deleted queue answers QueueDoesNotExist.
	gone := aws.String(urls[0])
	checks := map[string]error{}
	_, checks["DeleteQueue"] = e.client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: gone})
	_, checks["GetQueueAttributes"] = e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: gone})
	_, checks["SendMessage"] = e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: gone, MessageBody: aws.String("x")})
	_, checks["ReceiveMessage"] = e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: gone})
	_, checks["DeleteMessage"] = e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: gone, ReceiptHandle: aws.String("x")})
	_, checks["ChangeMessageVisibility"] = e.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: gone, ReceiptHandle: aws.String("x")})
	_, checks["PurgeQueue"] = e.client.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: gone})
	_, checks["malformed URL"] = e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String("not-a-url"), MessageBody: aws.String("x")})
	for op, err := range checks {
		t.Run(op, func(t *testing.T) {
			wantAPIError(t, err, "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.", 400)
			var qdne *types.QueueDoesNotExist
			if !errors.As(err, &qdne) {
				t.Errorf("error %T is not QueueDoesNotExist", err)
			}
		})
	}

	// Created again under the same name, the queue starts empty.
	url := e.createQueue("alpha-1", nil)
	if got := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url)}); len(got) != 0 {
		t.Fatalf("recreated queue has %d messages", len(got))
	}
}

// TestErrorEnvelope checks the raw awsJson error as SQS sends it.
func TestErrorEnvelope(t *testing.T) {
	e := newEnv(t)
	status, h, body := e.rawCall("GetQueueUrl", `{"QueueName":"nope"}`)
	var doc map[string]string
	_ = json.Unmarshal([]byte(body), &doc)
	if status != 400 || h.Get("x-amzn-query-error") != "AWS.SimpleQueueService.NonExistentQueue;Sender" ||
		doc["__type"] != "com.amazonaws.sqs#QueueDoesNotExist" || doc["message"] != "The specified queue does not exist." {
		t.Errorf("got %d %v %s", status, h, body)
	}
	status, h, body = e.rawCall("SendMessage", `{"MessageBody":"x"}`)
	if status != 400 || h.Get("x-amzn-query-error") != "MissingParameter;Sender" ||
		!strings.Contains(body, `"__type":"com.amazonaws.sqs#MissingRequiredParameterException"`) ||
		!strings.Contains(body, "The request must contain the parameter QueueUrl.") {
		t.Errorf("missing QueueUrl: %d %v %s", status, h, body)
	}
	// Every operation of the model has a handler.
	for _, op := range operations {
		if e.svc.JSONService().Operations[op] == nil {
			t.Errorf("%s answers UnsupportedOperation", op)
		}
	}
}
