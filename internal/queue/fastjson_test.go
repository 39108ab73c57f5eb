package queue

import (
	"encoding/json"
	"reflect"
	"testing"
)

// sameAsStd decodes body with the fast path and, if it accepts, checks that
// encoding/json accepts it too and decodes the same value.
func sameAsStd[T any](t *testing.T, body []byte) (accepted bool) {
	t.Helper()
	var fast T
	if !any(&fast).(fastDecoder).decodeFast(body) {
		return false
	}
	var std T
	if err := json.Unmarshal(body, &std); err != nil {
		t.Fatalf("fast path accepted %q, encoding/json refuses it: %v", body, err)
	}
	if !reflect.DeepEqual(fast, std) {
		t.Fatalf("%q:\nfast path     %#v\nencoding/json %#v", body, fast, std)
	}
	return true
}

func TestFastDecode(t *testing.T) {
	for _, c := range []struct {
		op     string
		body   string
		accept bool
	}{
		// What the SDKs send.
		{"SendMessage", `{"QueueUrl":"http://h/000000000000/q","MessageBody":"hello"}`, true},
		{"SendMessage", `{"DelaySeconds":5,"MessageBody":"{\"a\":\"\u00e9\\n\"}","MessageGroupId":"g","MessageDeduplicationId":"d","QueueUrl":"u"}`, true},
		{"SendMessage", " {\n\t\"QueueUrl\" : \"u\" ,\r\n \"MessageBody\" : \"héllo ✓\" } \n", true},
		{"SendMessageBatch", `{"QueueUrl":"u","Entries":[{"Id":"0","MessageBody":"a"},{"Id":"1","MessageBody":"b","DelaySeconds":0}]}`, true},
		{"SendMessageBatch", `{"QueueUrl":"u","Entries":[]}`, true},
		{"SendMessageBatch", `{"QueueUrl":"u","Entries":[{}]}`, true},
		{"ReceiveMessage", `{"QueueUrl":"u","MaxNumberOfMessages":10,"WaitTimeSeconds":20,"VisibilityTimeout":-1,"AttributeNames":["All"],"MessageSystemAttributeNames":[],"MessageAttributeNames":["a.*","b"],"ReceiveRequestAttemptId":"x"}`, true},
		{"DeleteMessage", `{"QueueUrl":"u","ReceiptHandle":"JEpTLkFDSw=="}`, true},
		{"DeleteMessageBatch", `{"QueueUrl":"u","Entries":[{"Id":"a","ReceiptHandle":"h1"},{"ReceiptHandle":"h2","Id":"b"}]}`, true},
		{"SendMessage", `{}`, true},

		// Left to encoding/json.
		{"SendMessage", ``, false},
		{"SendMessage", `{"QueueUrl":"u","MessageBody":"b","MessageAttributes":{"a":{"DataType":"String","StringValue":"v"}}}`, false},
		{"SendMessage", `{"QueueUrl":"u","queueurl":"v"}`, false},
		{"SendMessage", `{"QueueUrl":"u","QueueUrl":"v"}`, false},
		{"SendMessage", `{"QueueUrl":null}`, false},
		{"SendMessage", `{"Queue\u0055rl":"u"}`, false},
		{"SendMessage", `{"QueueUrl":"u","DelaySeconds":1.0}`, false},
		{"SendMessage", `{"QueueUrl":"u","DelaySeconds":1e2}`, false},
		{"SendMessage", `{"QueueUrl":"u","DelaySeconds":01}`, false},
		{"SendMessage", `{"QueueUrl":"u","DelaySeconds":2147483648}`, false},
		{"SendMessage", `{"QueueUrl":"u","DelaySeconds":"5"}`, false},
		{"SendMessage", "{\"QueueUrl\":\"\xff\"}", false},
		{"SendMessage", "{\"QueueUrl\":\"a\tb\"}", false},
		{"SendMessage", `{"QueueUrl":"u"} x`, false},
		{"SendMessage", `{"QueueUrl":"u",}`, false},
		{"SendMessage", `{"QueueUrl":"\"}`, false},
		{"SendMessage", `{"QueueUrl":"\x"}`, false},
		{"SendMessageBatch", `{"QueueUrl":"u","Entries":[{"Id":"0","Id":"1"}]}`, false},
		{"SendMessageBatch", `{"QueueUrl":"u","Entries":[{"Id":"0"},]}`, false},
		{"SendMessageBatch", `{"QueueUrl":"u","Entries":null}`, false},
		{"SendMessageBatch", `[]`, false},
		{"ReceiveMessage", `{"QueueUrl":"u","AttributeNames":["All",1]}`, false},
	} {
		var got bool
		switch c.op {
		case "SendMessage":
			got = sameAsStd[sendMessageRequest](t, []byte(c.body))
		case "SendMessageBatch":
			got = sameAsStd[sendMessageBatchRequest](t, []byte(c.body))
		case "ReceiveMessage":
			got = sameAsStd[receiveMessageRequest](t, []byte(c.body))
		case "DeleteMessage":
			got = sameAsStd[deleteMessageRequest](t, []byte(c.body))
		case "DeleteMessageBatch":
			got = sameAsStd[deleteMessageBatchRequest](t, []byte(c.body))
		}
		if got != c.accept {
			t.Errorf("%s %q: fast path accepted %v, want %v", c.op, c.body, got, c.accept)
		}
	}
}

// FuzzFastDecode checks that whatever the fast path accepts, encoding/json
// decodes to the same value.
func FuzzFastDecode(f *testing.F) {
	f.Add(uint8(0), []byte(`{"QueueUrl":"http://h/000000000000/q","MessageBody":"b\u00e9\"","DelaySeconds":-3,"MessageGroupId":"g"}`))
	f.Add(uint8(1), []byte(`{"QueueUrl":"u","Entries":[{"Id":"0","MessageBody":"a"},{"Id":"1","MessageBody":"b","DelaySeconds":0}]}`))
	f.Add(uint8(2), []byte(`{"QueueUrl":"u","MaxNumberOfMessages":10,"WaitTimeSeconds":20,"AttributeNames":["All"],"MessageAttributeNames":["a.*"]}`))
	f.Add(uint8(3), []byte(`{"QueueUrl":"u","ReceiptHandle":"JEpTLkFDSw=="}`))
	f.Add(uint8(4), []byte(`{"QueueUrl":"u","Entries":[{"Id":"a","ReceiptHandle":"h1"}]}`))
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		switch op % 5 {
		case 0:
			sameAsStd[sendMessageRequest](t, body)
		case 1:
			sameAsStd[sendMessageBatchRequest](t, body)
		case 2:
			sameAsStd[receiveMessageRequest](t, body)
		case 3:
			sameAsStd[deleteMessageRequest](t, body)
		case 4:
			sameAsStd[deleteMessageBatchRequest](t, body)
		}
	})
}
