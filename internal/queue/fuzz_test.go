package queue

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/switchyard/switchyard/internal/awsproto"
)

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
			if rc, ok := parseReceipt(req.ReceiptHandle, "SQS_x"); ok && encodeReceipt(rc.subject) != req.ReceiptHandle {
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
