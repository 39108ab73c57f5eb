package queue

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

const testArnPrefix = "arn:aws:sqs:us-east-1:000000000000:"

func redrive(dlq string, n int) string {
	return fmt.Sprintf(`{"deadLetterTargetArn":"%s%s","maxReceiveCount":%d}`, testArnPrefix, dlq, n)
}

// receiveAndRelease receives one message and makes it visible again at
// once (the Go SDK never sends a zero VisibilityTimeout on receive).
func (e *env) receiveAndRelease(url string) []types.Message {
	e.t.Helper()
	msgs := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 1,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}})
	for _, m := range msgs {
		if _, err := e.client.ChangeMessageVisibility(context.Background(), &sqs.ChangeMessageVisibilityInput{
			QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0}); err != nil {
			e.t.Fatal(err)
		}
	}
	return msgs
}

func TestRedriveToDeadLetterQueue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	dlq := e.createQueue("dlq", nil)
	src := e.createQueue("src", map[string]string{"RedrivePolicy": redrive("dlq", 2)})
	sent, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(src), MessageBody: aws.String("msg"), MessageAttributes: awsAttributes})
	if err != nil {
		t.Fatal(err)
	}
	var sentAt string
	for i := 1; i <= 2; i++ {
		got := e.receiveAndRelease(src)
		if len(got) != 1 || got[0].Attributes["ApproximateReceiveCount"] != fmt.Sprint(i) {
			t.Fatalf("receive %d: %+v", i, got)
		}
		sentAt = got[0].Attributes["SentTimestamp"]
	}
	// The third receive would exceed maxReceiveCount: the message moves.
	if got := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(src), WaitTimeSeconds: 1}); len(got) != 0 {
		t.Fatalf("received past maxReceiveCount: %+v", got)
	}
	got := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(dlq), WaitTimeSeconds: 2, MessageAttributeNames: []string{"All"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}})
	if len(got) != 1 {
		t.Fatal("nothing in the dead-letter queue")
	}
	m := got[0]
	if aws.ToString(m.MessageId) != aws.ToString(sent.MessageId) || aws.ToString(m.Body) != "msg" ||
		aws.ToString(m.MD5OfMessageAttributes) != "4c360f3fdafd970e05fae2f149d997f5" || m.Attributes["SentTimestamp"] != sentAt ||
		m.Attributes["DeadLetterQueueSourceArn"] != testArnPrefix+"src" || m.Attributes["ApproximateReceiveCount"] != "1" {
		t.Fatalf("dead letter %+v", m)
	}
	if a := e.attributes(src, types.QueueAttributeNameAll); a["ApproximateNumberOfMessages"] != "0" || a["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Fatalf("source counts %v", a)
	}

	// ListDeadLetterSourceQueues, with pagination.
	src2 := e.createQueue("src2", nil)
	if _, err := e.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(src2),
		Attributes: map[string]string{"RedrivePolicy": redrive("dlq", 5)}}); err != nil {
		t.Fatal(err)
	}
	e.createQueue("unrelated", nil)
	list, err := e.client.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: aws.String(dlq)})
	if err != nil || fmt.Sprint(list.QueueUrls) != fmt.Sprint([]string{src, src2}) {
		t.Fatalf("ListDeadLetterSourceQueues %v %v", list, err)
	}
	var paged []string
	p := sqs.NewListDeadLetterSourceQueuesPaginator(e.client, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: aws.String(dlq), MaxResults: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, page.QueueUrls...)
	}
	if len(paged) != 2 {
		t.Fatalf("paged %v", paged)
	}
	if list, err := e.client.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: aws.String(src)}); err != nil || len(list.QueueUrls) != 0 {
		t.Fatalf("sources of a plain queue %v %v", list, err)
	}

	// RedriveAllowPolicy of the dead-letter queue.
	deny := e.createQueue("deny", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"denyAll"}`})
	_ = deny
	_, err = e.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("x"), Attributes: map[string]string{"RedrivePolicy": redrive("deny", 3)}})
	wantAPIError(t, err, "InvalidParameterValue", "", 400)
	e.createQueue("only-src2", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"byQueue","sourceQueueArns":["` + testArnPrefix + `src2"]}`})
	_, err = e.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(src), Attributes: map[string]string{"RedrivePolicy": redrive("only-src2", 3)}})
	wantAPIError(t, err, "InvalidParameterValue", "", 400)
	if _, err := e.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(src2), Attributes: map[string]string{"RedrivePolicy": redrive("only-src2", 3)}}); err != nil {
		t.Fatal(err)
	}
	// Removing the RedrivePolicy stops the redrive.
	if _, err := e.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(src), Attributes: map[string]string{"RedrivePolicy": ""}}); err != nil {
		t.Fatal(err)
	}
	e.send(src, "kept")
	for i := 0; i < 3; i++ {
		if got := e.receiveAndRelease(src); len(got) != 1 {
			t.Fatalf("receive %d without a RedrivePolicy: %d messages", i, len(got))
		}
	}
}

func TestFifoDeadLetterQueue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	dlq := e.createQueue("dlq.fifo", map[string]string{"FifoQueue": "true"})
	src := e.createQueue("src.fifo", map[string]string{"FifoQueue": "true", "RedrivePolicy": redrive("dlq.fifo", 1)})
	for i := 0; i < 2; i++ {
		if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(src), MessageBody: aws.String(fmt.Sprint("m", i)),
			MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String(fmt.Sprint("d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.receiveAndRelease(src); len(got) != 1 || aws.ToString(got[0].Body) != "m0" {
		t.Fatalf("first receive %+v", got)
	}
	// m0 goes to the dead-letter queue; m1, next in the group, comes.
	got := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(src), WaitTimeSeconds: 2})
	if len(got) != 1 || aws.ToString(got[0].Body) != "m1" {
		t.Fatalf("after the dead letter: %+v", got)
	}
	dl := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(dlq), WaitTimeSeconds: 2, MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}})
	if len(dl) != 1 || aws.ToString(dl[0].Body) != "m0" || dl[0].Attributes["MessageGroupId"] != "g" || dl[0].Attributes["SequenceNumber"] == "" {
		t.Fatalf("FIFO dead letter %+v", dl)
	}
	_, err := e.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("std"), Attributes: map[string]string{"RedrivePolicy": redrive("dlq.fifo", 1)}})
	wantAPIError(t, err, "InvalidParameterValue", `Value {"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq.fifo","maxReceiveCount":1} for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue as the source..`, 400)
}

// deadLetters fills a dead-letter queue with n messages from src.
func (e *env) deadLetters(src string, n int) {
	e.t.Helper()
	for i := 0; i < n; i++ {
		e.send(src, fmt.Sprint("m", i))
	}
	seen := 0
	for seen < n {
		got := e.receiveAndRelease(src)
		if len(got) == 0 {
			break
		}
		seen += len(got)
	}
	// Every message was received once (maxReceiveCount 1): the next
	// receives move them all.
	for i := 0; i < 5; i++ {
		if got := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(src), MaxNumberOfMessages: 10}); len(got) != 0 {
			e.t.Fatalf("received past maxReceiveCount: %d", len(got))
		}
	}
}

func (e *env) moveTasks(dlqArn string, n int32) []types.ListMessageMoveTasksResultEntry {
	e.t.Helper()
	out, err := e.client.ListMessageMoveTasks(context.Background(), &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlqArn), MaxResults: aws.Int32(n)})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.Results
}

func TestMessageMoveTask(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	dlq := e.createQueue("dlq", nil)
	src := e.createQueue("src", map[string]string{"RedrivePolicy": redrive("dlq", 1)})
	other := e.createQueue("other", nil)
	e.deadLetters(src, 4)
	if a := e.attributes(dlq, types.QueueAttributeNameApproximateNumberOfMessages); a["ApproximateNumberOfMessages"] != "4" {
		t.Fatalf("dead-letter queue holds %v", a)
	}
	// Back to the source queue (no DestinationArn).
	start, err := e.client.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(testArnPrefix + "dlq")})
	if err != nil {
		t.Fatal(err)
	}
	handle, _ := base64.StdEncoding.DecodeString(aws.ToString(start.TaskHandle))
	if want := `"sourceArn":"` + testArnPrefix + `dlq"`; !contains(string(handle), want) {
		t.Errorf("task handle %s", handle)
	}
	eventually(t, 10*time.Second, func() error {
		if r := e.moveTasks(testArnPrefix+"dlq", 1); len(r) != 1 || aws.ToString(r[0].Status) != "COMPLETED" {
			return fmt.Errorf("tasks %+v", r)
		}
		return nil
	})
	r := e.moveTasks(testArnPrefix+"dlq", 1)[0]
	if r.ApproximateNumberOfMessagesMoved != 4 || aws.ToInt64(r.ApproximateNumberOfMessagesToMove) != 4 || r.TaskHandle != nil ||
		r.DestinationArn != nil || r.StartedTimestamp == 0 || aws.ToString(r.SourceArn) != testArnPrefix+"dlq" {
		t.Fatalf("completed task %+v", r)
	}
	back := map[string]bool{}
	for len(back) < 4 {
		got := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(src), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}})
		if len(got) == 0 {
			t.Fatalf("back in the source: %v", back)
		}
		for _, m := range got {
			back[aws.ToString(m.Body)] = true
			if m.Attributes["DeadLetterQueueSourceArn"] != "" {
				t.Errorf("redriven message still names its dead-letter source: %v", m.Attributes)
			}
		}
	}

	// To another queue, slowly, and cancelled.
	e.deadLetters(src, 6)
	slow, err := e.client.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(testArnPrefix + "dlq"),
		DestinationArn: aws.String(testArnPrefix + "other"), MaxNumberOfMessagesPerSecond: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(testArnPrefix + "dlq")})
	wantAPIError(t, err, "InvalidParameterValue", "There is already a task running. Only one active task is allowed for a source queue arn at a given time.", 400)
	running := e.moveTasks(testArnPrefix+"dlq", 10)
	if len(running) != 2 || aws.ToString(running[0].Status) != "RUNNING" || aws.ToString(running[0].TaskHandle) != aws.ToString(slow.TaskHandle) ||
		aws.ToInt32(running[0].MaxNumberOfMessagesPerSecond) != 2 || aws.ToString(running[0].DestinationArn) != testArnPrefix+"other" ||
		aws.ToString(running[1].Status) != "COMPLETED" {
		t.Fatalf("tasks %+v", running)
	}
	time.Sleep(1200 * time.Millisecond)
	cancel, err := e.client.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: slow.TaskHandle})
	if err != nil {
		t.Fatal(err)
	}
	if cancel.ApproximateNumberOfMessagesMoved > 4 {
		t.Errorf("moved %d at 2 per second", cancel.ApproximateNumberOfMessagesMoved)
	}
	eventually(t, 5*time.Second, func() error {
		a := e.attributes(other, types.QueueAttributeNameApproximateNumberOfMessages)
		b := e.attributes(dlq, types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible)
		if a["ApproximateNumberOfMessages"]+"+"+b["ApproximateNumberOfMessages"] == "" || b["ApproximateNumberOfMessagesNotVisible"] != "0" {
			return fmt.Errorf("other %v dlq %v", a, b)
		}
		return nil
	})
	if r := e.moveTasks(testArnPrefix+"dlq", 1); aws.ToString(r[0].Status) != "CANCELLED" || r[0].TaskHandle != nil {
		t.Fatalf("cancelled task %+v", r)
	}
	_, err = e.client.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: slow.TaskHandle})
	wantAPIError(t, err, "InvalidParameterValue", "", 400)

	// Errors.
	_, err = e.client.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(testArnPrefix + "other")})
	wantAPIError(t, err, "InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue.", 400)
	_, err = e.client.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(testArnPrefix + "nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "The resource that you specified for the SourceArn parameter doesn't exist.", 404)
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Errorf("error %T is not ResourceNotFoundException", err)
	}
	_, err = e.client.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(testArnPrefix + "dlq"), DestinationArn: aws.String(testArnPrefix + "nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "The resource that you specified for the DestinationArn parameter doesn't exist.", 404)
	_, err = e.client.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(testArnPrefix + "dlq"), MaxNumberOfMessagesPerSecond: aws.Int32(501)})
	wantAPIError(t, err, "InvalidParameterValue", "", 400)
	_, err = e.client.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: aws.String("garbage")})
	wantAPIError(t, err, "InvalidParameterValue", "Value for parameter TaskHandle is invalid.", 400)
	_, err = e.client.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: aws.String(encodeTaskHandle("nope", testArnPrefix+"dlq"))})
	wantAPIError(t, err, "ResourceNotFoundException", "Task does not exist.", 404)
	_, err = e.client.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: aws.String(encodeTaskHandle("nope", testArnPrefix+"gone"))})
	wantAPIError(t, err, "ResourceNotFoundException", "The resource that you specified for the SourceArn parameter doesn't exist.", 404)
	_, err = e.client.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String("not-an-arn")})
	wantAPIError(t, err, "InvalidParameterValue", "You must use this format to specify the SourceArn: arn:<partition>:<service>:<region>:<account-id>:<resource-id>", 400)
}

func TestMessageMoveTaskDurability(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.createQueue("dlq", nil)
	src := e.createQueue("src", map[string]string{"RedrivePolicy": redrive("dlq", 1)})
	dest := e.createQueue("dest", nil)
	e.deadLetters(src, 6)
	if _, err := e.client.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(testArnPrefix + "dlq"),
		DestinationArn: aws.String(testArnPrefix + "dest"), MaxNumberOfMessagesPerSecond: aws.Int32(4)}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	e.restart()
	// The task resumes after the restart and completes.
	eventually(t, 15*time.Second, func() error {
		if r := e.moveTasks(testArnPrefix+"dlq", 1); aws.ToString(r[0].Status) != "COMPLETED" {
			return fmt.Errorf("task %+v", r[0])
		}
		return nil
	})
	if r := e.moveTasks(testArnPrefix+"dlq", 1)[0]; r.ApproximateNumberOfMessagesMoved != 6 {
		t.Errorf("moved %d", r.ApproximateNumberOfMessagesMoved)
	}
	bodies := map[string]int{}
	for {
		got := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(dest), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if len(got) == 0 {
			break
		}
		for _, m := range got {
			bodies[aws.ToString(m.Body)]++
			if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(dest), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(bodies) != 6 {
		t.Fatalf("moved across a restart: %v", bodies)
	}
	for b, n := range bodies {
		if n != 1 {
			t.Errorf("%s moved %d times", b, n)
		}
	}
	// A task whose destination is deleted while it runs fails, with the
	// reason AWS reports.
	e.deadLetters(src, 3)
	dest2 := e.createQueue("dest2", nil)
	if _, err := e.client.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(testArnPrefix + "dlq"),
		DestinationArn: aws.String(testArnPrefix + "dest2"), MaxNumberOfMessagesPerSecond: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := e.client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(dest2)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, func() error {
		if r := e.moveTasks(testArnPrefix+"dlq", 1); aws.ToString(r[0].Status) != "FAILED" || aws.ToString(r[0].FailureReason) != "AWS.SimpleQueueService.NonExistentQueue" {
			return fmt.Errorf("task %+v", r[0])
		}
		return nil
	})
	// The messages it did not move are still in the dead-letter queue.
	left := 0
	for {
		got := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(e.srv.URL + "/000000000000/dlq"), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if len(got) == 0 {
			break
		}
		left += len(got)
	}
	if left != 2 {
		t.Fatalf("%d messages left in the dead-letter queue, want 2", left)
	}
}

func contains(s, sub string) bool { return len(sub) == 0 || len(s) >= len(sub) && indexOf(s, sub) >= 0 }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
