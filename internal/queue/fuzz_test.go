package queue

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/switchyard/switchyard/internal/awsproto"
)

// fuzzKey and fuzzRuntime are a queue to check receipt handles against.
const fuzzKey = "0123456789abcdef0123456789abcdef"

var fuzzRuntime = &runtime{layout: newLayout(fuzzKey), handleKey: []byte("fuzz")}

// FuzzDecode feeds arbitrary bodies through the request decoding path of
// every operation (awsJson decoding, required members, and the validation
// that runs before the store is touched) and checks that nothing panics and
// that whatever validation accepts is usable: attributes within range,
// message attributes that survive the header encoding, receipt handles and
// URLs that parse back. Seeds are in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	f.Add("CreateQueue", []byte(`{"QueueName":"q","Attributes":{"VisibilityTimeout":"20","DelaySeconds":"5"}}`))
	f.Add("SendMessage", []byte(`{"QueueUrl":"http://h/000000000000/q","MessageBody":"b","MessageAttributes":{"a":{"DataType":"String","StringValue":"v"}}}`))
	f.Add("ReceiveMessage", []byte(`{"QueueUrl":"http://h/000000000000/q","MessageAttributeNames":["All","x.*"],"MaxNumberOfMessages":10}`))
	f.Add("SendMessageBatch", []byte(`{"QueueUrl":"http://h/000000000000/q.fifo","Entries":[{"Id":"a","MessageBody":"b","MessageGroupId":"g","MessageDeduplicationId":"d"},{"Id":"a","MessageBody":"c"}]}`))
	f.Add("DeleteMessageBatch", []byte(`{"QueueUrl":"http://h/000000000000/q","Entries":[{"Id":"x-1","ReceiptHandle":"JEpTLkFDSy5TUVNfeC5yZWNlaXZlLjEuNDIuNy4xLjA="}]}`))
	f.Add("ChangeMessageVisibilityBatch", []byte(`{"QueueUrl":"http://h/000000000000/q","Entries":[{"Id":"x","ReceiptHandle":"h","VisibilityTimeout":5}]}`))
	f.Add("SetQueueAttributes", []byte(`{"QueueUrl":"http://h/000000000000/q","Attributes":{"RedrivePolicy":"{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:d\",\"maxReceiveCount\":\"3\"}","Policy":""}}`))
	f.Add("TagQueue", []byte(`{"QueueUrl":"http://h/000000000000/q","Tags":{"k":"v"}}`))
	f.Add("AddPermission", []byte(`{"QueueUrl":"http://h/000000000000/q","Label":"l","AWSAccountIds":["111111111111"],"Actions":["SendMessage"]}`))
	f.Add("StartMessageMoveTask", []byte(`{"SourceArn":"arn:aws:sqs:us-east-1:000000000000:dlq","DestinationArn":"arn:aws:sqs:us-east-1:000000000000:q","MaxNumberOfMessagesPerSecond":10}`))
	f.Add("CancelMessageMoveTask", []byte(`{"TaskHandle":"eyJ0YXNrSWQiOiJ0Iiwic291cmNlQXJuIjoiYXJuOmF3czpzcXM6dXMtZWFzdC0xOjAwMDAwMDAwMDAwMDpkbHEifQ=="}`))
	f.Fuzz(func(t *testing.T, op string, body []byte) {
		r := &awsproto.Request{Operation: op, Body: body, Caller: awsproto.Caller{Account: "000000000000", Region: "us-east-1"}}
		exists := func(string) (bool, bool) { return true, false }
		switch op {
		case "CreateQueue":
			req, err := decodeRequest[createQueueRequest](r)
			if err != nil {
				return
			}
			norm, err := normalizeAttributes(*req.QueueName, req.Attributes, exists)
			if err != nil {
				return
			}
			eff := effectiveAttributes(*req.QueueName, norm)
			for name, spec := range settableAttributes {
				v, ok := eff[name]
				if !ok || spec.kind != kindInt {
					continue
				}
				if n, err := strconv.Atoi(v); err != nil || n < spec.min || n > spec.max {
					t.Fatalf("accepted %s=%q", name, v)
				}
			}
			if _, _, ok := parseQueueURL(queueURL(nil, "000000000000", *req.QueueName)); !ok {
				t.Fatalf("URL of accepted name %q does not parse", *req.QueueName)
			}
		case "SendMessage":
			req, err := decodeRequest[sendMessageRequest](r)
			if err != nil {
				return
			}
			parseQueueURL(req.QueueUrl)
			attrs, err := wireAttributes(req.MessageAttributes)
			if err != nil {
				return
			}
			if _, _, err := checkSystemAttributes(req.MessageSystemAttributes); err != nil {
				return
			}
			if _, err := checkAttributes(attrs); err != nil {
				return
			}
			enc, err := encodeAttributes(attrs)
			if err != nil {
				t.Fatal(err)
			}
			h := map[string][]string{}
			body, stored := unpackAttributes(h, packAttributes(h, enc, req.MessageBody))
			if string(body) != req.MessageBody || stored != enc {
				t.Fatalf("body or attributes changed in the message: %q %q", body, stored)
			}
			dec, err := decodeAttributes(enc)
			if err != nil {
				t.Fatal(err)
			}
			if len(attrs) > 0 && !reflect.DeepEqual(normalizeBinary(attrs), normalizeBinary(dec)) {
				t.Fatalf("attributes changed in the header: %v -> %v", attrs, dec)
			}
			if md5OfAttributes(attrs, sortedNames(attrs)) != md5OfAttributes(dec, sortedNames(dec)) {
				t.Fatal("MD5 changed in the header")
			}
		case "ReceiveMessage":
			req, err := decodeRequest[receiveMessageRequest](r)
			if err != nil {
				return
			}
			sel := newSelection(req)
			sel.attributeNames(map[string]Attribute{"a": {DataType: "String", StringValue: "x"}, "b.c": {DataType: "String", StringValue: "y"}})
		case "DeleteMessage":
			req, err := decodeRequest[deleteMessageRequest](r)
			if err != nil {
				return
			}
			if rc, ok := fuzzRuntime.parseReceipt(req.ReceiptHandle); ok && fuzzRuntime.encodeReceipt(rc) != req.ReceiptHandle {
				t.Fatalf("receipt %q does not round-trip", req.ReceiptHandle)
			}
		case "ChangeMessageVisibility":
			_, _ = decodeRequest[changeMessageVisibilityRequest](r)
		case "GetQueueAttributes":
			if req, err := decodeRequest[getQueueAttributesRequest](r); err == nil {
				for _, n := range req.AttributeNames {
					knownAttribute(n)
				}
			}
		case "GetQueueUrl":
			_, _ = decodeRequest[getQueueUrlRequest](r)
		case "SendMessageBatch":
			req, err := decodeRequest[sendMessageBatchRequest](r)
			if err != nil {
				return
			}
			ids := make([]string, len(req.Entries))
			for i, e := range req.Entries {
				ids[i] = e.Id
			}
			if checkBatch("SendMessageBatchRequestEntry", ids) != nil {
				return
			}
			seen := map[string]bool{}
			for _, id := range ids {
				if seen[id] || !validBatchID(id) {
					t.Fatalf("accepted batch ids %q", ids)
				}
				seen[id] = true
			}
			for _, e := range req.Entries {
				if e.MessageGroupId != "" && checkGroupID("MessageGroupId", e.MessageGroupId) == nil {
					if gh := groupHash(e.MessageGroupId); !validToken(gh) || subjectGroup(newLayout(fuzzKey).group(gh)) != gh {
						t.Fatalf("group %q makes subject token %q", e.MessageGroupId, gh)
					}
				}
			}
		case "DeleteMessageBatch":
			if req, err := decodeRequest[deleteMessageBatchRequest](r); err == nil {
				for _, e := range req.Entries {
					fuzzRuntime.parseReceipt(e.ReceiptHandle)
				}
			}
		case "ChangeMessageVisibilityBatch":
			_, _ = decodeRequest[changeMessageVisibilityBatchRequest](r)
		case "SetQueueAttributes":
			req, err := decodeRequest[setQueueAttributesRequest](r)
			if err != nil {
				return
			}
			norm, err := normalizeAttributes("q", req.Attributes, exists)
			if err != nil {
				return
			}
			if v, ok := norm[attrRedrivePolicy]; ok && parseRedrivePolicy(v) == nil {
				t.Fatalf("accepted RedrivePolicy %q does not parse back", v)
			}
		case "TagQueue":
			if req, err := decodeRequest[tagQueueRequest](r); err == nil {
				_ = checkTags("q", nil, req.Tags)
			}
		case "AddPermission":
			if req, err := decodeRequest[addPermissionRequest](r); err == nil {
				validLabel(req.Label)
			}
		case "StartMessageMoveTask":
			req, err := decodeRequest[startMessageMoveTaskRequest](r)
			if err != nil {
				return
			}
			if id, ok := parseArn(req.SourceArn); ok {
				if back, ok := parseArn(Arn(id.Scope, id.name)); !ok || back != id {
					t.Fatalf("ARN %q does not round-trip", req.SourceArn)
				}
			}
		case "CancelMessageMoveTask":
			req, err := decodeRequest[cancelMessageMoveTaskRequest](r)
			if err != nil {
				return
			}
			if th, ok := decodeTaskHandle(req.TaskHandle); ok {
				if back, ok := decodeTaskHandle(encodeTaskHandle(th.TaskID, th.SourceArn)); !ok || back != th {
					t.Fatalf("task handle %q does not round-trip", req.TaskHandle)
				}
			}
		case "ListQueues":
			_, _ = decodeRequest[listQueuesRequest](r)
		default:
			_, _ = decodeRequest[queueURLRequest](r)
		}
	})
}

// normalizeBinary makes nil and empty binary values compare equal.
func normalizeBinary(m map[string]Attribute) map[string]Attribute {
	out := make(map[string]Attribute, len(m))
	for k, a := range m {
		if len(a.BinaryValue) == 0 {
			a.BinaryValue = nil
		}
		out[k] = a
	}
	return out
}
