package awsquery_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/awsquery"
)

func parse(t testing.TB, q string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDecodeInputErrors(t *testing.T) {
	for _, c := range []struct {
		model     *awsquery.Model
		op, query string
		code, msg string
	}{
		{sqsModel, "ReceiveMessage", "QueueUrl=u&MaxNumberOfMessages=ten", "InvalidParameterValue",
			"Value ten for parameter MaxNumberOfMessages is invalid. Reason: must be an integer."},
		{sqsModel, "ReceiveMessage", "QueueUrl=u&MaxNumberOfMessages=4294967296", "InvalidParameterValue", ""},
		{sqsModel, "SendMessage", "QueueUrl=u&MessageBody=b&MessageAttribute.1.Name=a&MessageAttribute.1.Value.DataType=Binary&MessageAttribute.1.Value.BinaryValue=***",
			"InvalidParameterValue", "Value *** for parameter MessageAttribute.1.Value.BinaryValue is invalid. Reason: must be base64-encoded."},
		{sqsModel, "CreateQueue", "QueueName=q&Attribute.1.Value=1", "MissingParameter",
			"The request must contain the parameter Attribute.1.Name."},
		{sqsModel, "CreateQueue", "QueueName=q&Attribute.1.Name=DelaySeconds", "MissingParameter",
			"The request must contain the parameter Attribute.1.Value."},
		{sqsModel, "CreateQueue", "QueueName=q&Attribute.1.Name=A&Attribute.1.Value=1&Attribute.2.Name=A&Attribute.2.Value=2", "InvalidParameterValue",
			"Value A for parameter Attribute.2.Name is invalid. Reason: duplicate key."},
		{sqsModel, "GetQueueAttributes", "QueueUrl=u&AttributeName.0=All", "MalformedQueryString", ""},
		{sqsModel, "GetQueueAttributes", "QueueUrl=u&AttributeName.01=All", "MalformedQueryString", ""},
		{sqsModel, "GetQueueAttributes", "QueueUrl=u&AttributeName.1.x=All", "MalformedQueryString", ""},
		{sqsModel, "GetQueueAttributes", "QueueUrl=u&AttributeName.99999999999999999999=All", "MalformedQueryString", ""},
		{sqsModel, "SendMessageBatch", "QueueUrl=u&SendMessageBatchRequestEntry.first.Id=1", "MalformedQueryString", ""},
		{sqsModel, "NoSuchOperation", "", "InvalidAction", "The action NoSuchOperation is not valid for this endpoint."},
		{snsModel, "Subscribe", "TopicArn=t&Protocol=sqs&ReturnSubscriptionArn=yes", "InvalidParameterValue",
			"Value yes for parameter ReturnSubscriptionArn is invalid. Reason: must be true or false."},
		{snsModel, "Publish", "Message=m&MessageAttributes.entry.1.Value.DataType=String", "MissingParameter",
			"The request must contain the parameter MessageAttributes.entry.1.Name."},
	} {
		_, err := c.model.DecodeInput(c.op, parse(t, c.query))
		var e *awsproto.Error
		if !errors.As(err, &e) {
			t.Errorf("%s %s: error %v, want %s", c.op, c.query, err, c.code)
			continue
		}
		if e.Code != c.code || awsquery.QueryCode(e) != c.code || c.msg != "" && e.Message != c.msg || e.HTTPStatus() != 400 {
			t.Errorf("%s %s: %+v, want %s %q", c.op, c.query, e, c.code, c.msg)
		}
	}
}

func TestDecodeInputLenient(t *testing.T) {
	for _, c := range []struct {
		model     *awsquery.Model
		op, query string
		want      string
	}{
		// Action, Version, signature parameters and unknown ones are ignored.
		{sqsModel, "GetQueueUrl", "Action=GetQueueUrl&Version=2012-11-05&QueueName=q&X-Amz-Date=x&Unknown=1", `{"QueueName":"q"}`},
		// Gaps in the indexes, elements in index order.
		{sqsModel, "GetQueueAttributes", "QueueUrl=u&AttributeName.3=B&AttributeName.1=A&AttributeName.10=C", `{"QueueUrl":"u","AttributeNames":["A","B","C"]}`},
		// Booleans in any case; integers with surrounding space.
		{snsModel, "Subscribe", "TopicArn=t&Protocol=p&ReturnSubscriptionArn=TRUE", `{"TopicArn":"t","Protocol":"p","ReturnSubscriptionArn":true}`},
		{sqsModel, "ChangeMessageVisibility", "QueueUrl=u&ReceiptHandle=r&VisibilityTimeout=%2030", `{"QueueUrl":"u","ReceiptHandle":"r","VisibilityTimeout":30}`},
		// Unpadded base64 is accepted and normalised.
		{sqsModel, "SendMessage", "QueueUrl=u&MessageBody=b&MessageAttribute.1.Name=a&MessageAttribute.1.Value.DataType=Binary&MessageAttribute.1.Value.BinaryValue=AAE",
			`{"QueueUrl":"u","MessageBody":"b","MessageAttributes":{"a":{"DataType":"Binary","BinaryValue":"AAE="}}}`},
		// Empty values stay empty strings; no input members at all is {}.
		{sqsModel, "ListQueues", "QueueNamePrefix=", `{"QueueNamePrefix":""}`},
		{sqsModel, "ListQueues", "", `{}`},
		// A non-flattened list of structures and a non-flattened map.
		{snsModel, "CreateTopic", "Name=t&Tags.member.2.Key=b&Tags.member.2.Value=2&Tags.member.1.Key=a&Tags.member.1.Value=1&Attributes.entry.1.key=k&Attributes.entry.1.value=v",
			`{"Name":"t","Tags":[{"Key":"a","Value":"1"},{"Key":"b","Value":"2"}],"Attributes":{"k":"v"}}`},
	} {
		got, err := c.model.DecodeInput(c.op, parse(t, c.query))
		if err != nil {
			t.Errorf("%s %s: %v", c.op, c.query, err)
			continue
		}
		if mustCanon(string(got)) != mustCanon(c.want) {
			t.Errorf("%s %s:\n got: %s\nwant: %s", c.op, c.query, got, c.want)
		}
	}
}

func mustCanon(s string) string {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		panic(err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestTimestamps(t *testing.T) {
	m := awsquery.MustLoadModel([]byte(`{"metadata":{"protocol":"query","apiVersion":"2020-01-01","xmlNamespace":"urn:x"},
		"operations":{"Do":{"input":{"shape":"In"},"output":{"shape":"Out","resultWrapper":"DoResult"}}},
		"shapes":{"In":{"type":"structure","members":{"At":{"shape":"T"},"Epoch":{"shape":"T","timestampFormat":"unixTimestamp"},"N":{"shape":"D"}}},
		"Out":{"type":"structure","members":{"At":{"shape":"T"},"Epoch":{"shape":"T","timestampFormat":"unixTimestamp"},"N":{"shape":"D"},"F":{"shape":"B"}}},
		"T":{"type":"timestamp"},"D":{"type":"double"},"B":{"type":"boolean"}}}`))
	got, err := m.DecodeInput("Do", parse(t, "At=2023-11-14T22:13:20.5Z&Epoch=1700000000&N=1.5e3"))
	if err != nil || string(got) != `{"At":1700000000.5,"Epoch":1700000000,"N":1500}` {
		t.Errorf("DecodeInput: %s %v", got, err)
	}
	if _, err := m.DecodeInput("Do", parse(t, "At=yesterday")); err == nil {
		t.Error("a bad timestamp was accepted")
	}
	if _, err := m.DecodeInput("Do", parse(t, "N=NaN")); err == nil {
		t.Error("NaN was accepted")
	}
	out, err := m.EncodeOutput("Do", []byte(`{"At":1700000000.5,"Epoch":"2023-11-14T22:13:20Z","N":2.25,"F":false}`), "r")
	want := `<?xml version="1.0"?><DoResponse xmlns="urn:x"><DoResult><At>2023-11-14T22:13:20.500Z</At><Epoch>1700000000</Epoch><N>2.25</N><F>false</F></DoResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DoResponse>`
	if err != nil || string(out) != want {
		t.Errorf("EncodeOutput:\n got: %s %v\nwant: %s", out, err, want)
	}
	if _, err := m.EncodeOutput("Do", []byte(`{"F":"maybe"}`), "r"); err == nil {
		t.Error("a string for a boolean was rendered")
	}
	if _, err := m.EncodeOutput("Do", []byte(`[1]`), "r"); err == nil {
		t.Error("an array for the output structure was rendered")
	}
}

func TestEscaping(t *testing.T) {
	out, err := sqsModel.EncodeOutput("GetQueueUrl", []byte(`{"QueueUrl":"a&b<c>d\"e'f\r\n\tg\u0001h\ud800i\ufffej😀"}`), "<id>")
	if err != nil {
		t.Fatal(err)
	}
	want := `<QueueUrl>a&amp;b&lt;c&gt;d&quot;e'f&#xD;` + "\n\t" + `g` + "\uFFFD" + `h` + "\uFFFD" + `i` + "\uFFFD" + `j😀</QueueUrl>`
	if !strings.Contains(string(out), want) || !strings.Contains(string(out), "<RequestId>&lt;id&gt;</RequestId>") {
		t.Errorf("got %s\nwant %s", out, want)
	}
}

func TestService(t *testing.T) {
	ops := map[string]awsproto.Operation{
		"GetQueueUrl": func(_ context.Context, r *awsproto.Request) (any, error) {
			var in struct{ QueueName string }
			if err := json.Unmarshal(r.Body, &in); err != nil {
				return nil, err
			}
			switch in.QueueName {
			case "panic":
				panic("boom")
			case "missing":
				return nil, &awsproto.Error{Code: "QueueDoesNotExist", QueryCode: "AWS.SimpleQueueService.NonExistentQueue", Message: "gone"}
			case "plain":
				return nil, errors.New("secret detail")
			}
			return map[string]string{"QueueUrl": "http://x/1/" + in.QueueName}, nil
		},
	}
	svc := awsquery.NewService(sqsModel, func(*http.Request, url.Values) bool { return true }, ops, "InternalError")
	mux := awsproto.NewMux(nil)
	mux.HandleQuery(svc)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	call := func(q string) (int, string) {
		status, _, body := post(t, srv.URL, parse(t, q))
		return status, body
	}
	if status, body := call("Action=GetQueueUrl&QueueName=q"); status != 200 || !strings.Contains(body, "<GetQueueUrlResult><QueueUrl>http://x/1/q</QueueUrl></GetQueueUrlResult>") {
		t.Errorf("%d %s", status, body)
	}
	for q, want := range map[string]string{
		"Action=GetQueueUrl&QueueName=panic":   "500 Receiver InternalError",
		"Action=GetQueueUrl&QueueName=plain":   "500 Receiver InternalError",
		"Action=GetQueueUrl&QueueName=missing": "400 Sender AWS.SimpleQueueService.NonExistentQueue",
		"Action=PurgeQueue&QueueUrl=u":         "400 Sender InvalidAction",
		"Action=Nope":                          "400 Sender InvalidAction",
		"Version=2012-11-05":                   "400 Sender MissingAction",
	} {
		status, body := call(q)
		var e errorResponse
		if err := xml.Unmarshal([]byte(body), &e); err != nil {
			t.Errorf("%s: %v %s", q, err, body)
			continue
		}
		if got := strings.Join([]string{strconv.Itoa(status), e.Type, e.Code}, " "); got != want {
			t.Errorf("%s: %s, want %s (%s)", q, got, want, body)
		}
		if strings.Contains(body, "secret") || strings.Contains(body, "boom") {
			t.Errorf("%s: internal detail leaked: %s", q, body)
		}
	}
	svc.NotImplemented = func(op string) *awsproto.Error {
		return &awsproto.Error{Code: "UnsupportedOperation", QueryCode: "AWS.SimpleQueueService.UnsupportedOperation", Message: op}
	}
	if _, body := call("Action=PurgeQueue&QueueUrl=u"); !strings.Contains(body, "<Code>AWS.SimpleQueueService.UnsupportedOperation</Code>") {
		t.Errorf("NotImplemented: %s", body)
	}
}
