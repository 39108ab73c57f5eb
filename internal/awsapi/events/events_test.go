package events_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/events"
)

// decodeAndValidate decodes a wire body into the input of op and validates
// it, as a server would.
func decodeAndValidate(t *testing.T, op, body string) error {
	t.Helper()
	o, ok := events.Operations[op]
	if !ok {
		t.Fatalf("no operation %s", op)
	}
	in := o.NewInput()
	if err := json.Unmarshal([]byte(body), in); err != nil {
		t.Fatalf("decode %s: %v", op, err)
	}
	return in.Validate()
}

func wantMessage(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want %q", want)
	}
	var ve *awsapi.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %T is not a *awsapi.ValidationError", err)
	}
	if got := err.Error(); got != want {
		t.Errorf("message mismatch\n got: %s\nwant: %s", got, want)
	}
}

// Messages recorded against AWS.
const (
	recordedCreateConnection     = `3 validation errors detected: Value 'This should fail with two errors 123467890123412341234123412341234' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+; Value 'This should fail with two errors 123467890123412341234123412341234' at 'name' failed to satisfy constraint: Member must have length less than or equal to 64; Value 'INVALID' at 'authorizationType' failed to satisfy constraint: Member must satisfy enum value set: [BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY]`
	recordedCreateConnectionEnum = `1 validation error detected: Value 'INVALID_AUTH_TYPE' at 'authorizationType' failed to satisfy constraint: Member must satisfy enum value set: [BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY]`
	recordedConnectionName       = `1 validation error detected: Value 'Invalid Name With Spaces!' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+`
	recordedTargetIDPattern      = `1 validation error detected: Value '!@#$@!#$' at 'targets.1.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+`
	recordedCreateApiDestination = `2 validation errors detected: Value 'invalid-connection-arn' at 'connectionArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws([a-z]|\-)*:events:([a-z]|\d|\-)*:([0-9]{12})?:connection\/[\.\-_A-Za-z0-9]+\/[\-A-Za-z0-9]+$; Value 'INVALID_METHOD' at 'httpMethod' failed to satisfy constraint: Member must satisfy enum value set: [HEAD, POST, PATCH, DELETE, PUT, GET, OPTIONS]`
	// The recording anonymises the bus name as <bus-name>.
	recordedPutEventsTooMany = `1 validation error detected: Value '[PutEventsRequestEntry(time=null, source=core.update-account-command, resources=null, detailType=core.update-account-command, detail={"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}}, eventBusName=<bus-name>, traceHeader=null, kmsKeyIdentifier=null, internalMetadata=null), PutEventsRequestEntry(time=null, source=core.update-account-command, resources=null, detailType=core.update-account-command, detail={"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}}, eventBusName=<bus-name>, traceHeader=null, kmsKeyIdentifier=null, internalMetadata=null), PutEventsRequestEntry(time=null, source=core.update-account-command, resources=null, detailType=core.update-account-command, detail={"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}}, eventBusName=<bus-name>, traceHeader=null, kmsKeyIdentifier=null, internalMetadata=null), PutEventsRequestEntry(time=null, source=core.update-account-command, resources=null, detailType=core.update-account-command, detail={"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}}, eventBusName=<bus-name>, traceHeader=null, kmsKeyIdentifier=null, internalMetadata=null), PutEventsRequestEntry(time=null, source=core.update-account-command, resources=null, detailType=core.update-account-command, detail={"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}}, eventBusName=<bus-name>, traceHeader=null, kmsKeyIdentifier=null, internalMetadata=null), PutEventsRequestEntry(time=null, source=core.update-account-command, resources=null, detailType=core.update-account-command, detail={"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}}, eventBusName=<bus-name>, traceHeader=null, kmsKeyIdentifier=null, internalMetadata=null), PutEventsRequestEntry(time=null, source=core.update-account-command, resources=null, detailType=core.update-account-command, detail={"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}}, eventBusName=<bus-name>, traceHeader=null, kmsKeyIdentifier=null, internalMetadata=null), PutEventsRequestEntry(time=null, source=core.update-account-command, resources=null, detailType=core.update-account-command, detail={"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}}, eventBusName=<bus-name>, traceHeader=null, kmsKeyIdentifier=null, internalMetadata=null), PutEventsRequestEntry(time=null, source=core.update-account-command, resources=null, detailType=core.update-account-command, detail={"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}}, eventBusName=<bus-name>, traceHeader=null, kmsKeyIdentifier=null, internalMetadata=null), PutEventsRequestEntry(time=null, source=core.update-account-command, resources=null, detailType=core.update-account-command, detail={"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}}, eventBusName=<bus-name>, traceHeader=null, kmsKeyIdentifier=null, internalMetadata=null), PutEventsRequestEntry(time=null, source=core.update-account-command, resources=null, detailType=core.update-account-command, detail={"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}}, eventBusName=<bus-name>, traceHeader=null, kmsKeyIdentifier=null, internalMetadata=null)]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10`
	// Recorded against AWS by a user (PutTargets with an input transformer
	// whose path keys contain spaces and '?'): a map-key constraint and
	// Java HashMap entry order.
	recordedInputPathsMapKeys = `1 validation error detected: Value '{de onde?=$.detail.sourceIPAddress, Quem foi?=$.detail.userIdentity.userName, o que?=$.detail.eventName}' at 'targets.1.member.inputTransformer.inputPathsMap' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [A-Za-z0-9\_\-]+]`
)

func TestCreateConnectionThreeErrors(t *testing.T) {
	err := decodeAndValidate(t, "CreateConnection", `{
		"Name": "This should fail with two errors 123467890123412341234123412341234",
		"AuthorizationType": "INVALID",
		"AuthParameters": {"BasicAuthParameters": {"Username": "user", "Password": "pass"}}
	}`)
	wantMessage(t, err, recordedCreateConnection)
}

func TestCreateConnectionSingleErrors(t *testing.T) {
	wantMessage(t, decodeAndValidate(t, "CreateConnection", `{
		"Name": "ok-name", "AuthorizationType": "INVALID_AUTH_TYPE",
		"AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}}
	}`), recordedCreateConnectionEnum)
	wantMessage(t, decodeAndValidate(t, "CreateConnection", `{
		"Name": "Invalid Name With Spaces!", "AuthorizationType": "API_KEY",
		"AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}}
	}`), recordedConnectionName)
}

func TestCreateConnectionValid(t *testing.T) {
	err := decodeAndValidate(t, "CreateConnection", `{
		"Name": "my.connection-1", "Description": "d", "AuthorizationType": "BASIC",
		"AuthParameters": {"BasicAuthParameters": {"Username": "user", "Password": "pass"}}
	}`)
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func TestPutTargetsTargetID(t *testing.T) {
	const arn = "arn:aws:sqs:us-east-1:000000000000:queue"
	wantMessage(t, decodeAndValidate(t, "PutTargets",
		`{"Rule": "r", "Targets": [{"Id": "!@#$@!#$", "Arn": "`+arn+`"}]}`), recordedTargetIDPattern)

	long := strings.Repeat("second-invalid-target-id", 3) // 72 characters, valid pattern
	wantMessage(t, decodeAndValidate(t, "PutTargets",
		`{"Rule": "r", "Targets": [{"Id": "ok", "Arn": "`+arn+`"}, {"Id": "`+long+`", "Arn": "`+arn+`"}]}`),
		"1 validation error detected: Value '"+long+"' at 'targets.2.member.id' failed to satisfy constraint: Member must have length less than or equal to 64")
}

func TestPutTargetsInputPathsMapKeys(t *testing.T) {
	err := decodeAndValidate(t, "PutTargets", `{"Rule": "r", "Targets": [{
		"Id": "t1", "Arn": "arn:aws:sns:us-east-1:000000000000:topic",
		"InputTransformer": {
			"InputPathsMap": {"o que?": "$.detail.eventName", "Quem foi?": "$.detail.userIdentity.userName", "de onde?": "$.detail.sourceIPAddress"},
			"InputTemplate": "\"<o que?>\""
		}}]}`)
	wantMessage(t, err, recordedInputPathsMapKeys)
}

func TestCreateApiDestination(t *testing.T) {
	err := decodeAndValidate(t, "CreateApiDestination", `{
		"Name": "dest", "ConnectionArn": "invalid-connection-arn",
		"InvocationEndpoint": "https://example.com", "HttpMethod": "INVALID_METHOD"
	}`)
	wantMessage(t, err, recordedCreateApiDestination)

	err = decodeAndValidate(t, "CreateApiDestination", `{
		"Name": "dest", "ConnectionArn": "arn:aws:events:us-east-1:000000000000:connection/conn/0f7e0a8c-1234-4bcd-9876-abcdefabcdef",
		"InvocationEndpoint": "https://example.com/path?q=1", "HttpMethod": "PATCH", "InvocationRateLimitPerSecond": 300
	}`)
	if err != nil {
		t.Fatalf("valid CreateApiDestination: %v", err)
	}
}

func TestPutEventsTooManyEntries(t *testing.T) {
	entry := events.PutEventsRequestEntry{
		Source:       awsapi.Ptr("core.update-account-command"),
		DetailType:   awsapi.Ptr("core.update-account-command"),
		Detail:       awsapi.Ptr(`{"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}}`),
		EventBusName: awsapi.Ptr("my-bus"),
	}
	in := &events.PutEventsRequest{}
	for range 11 {
		in.Entries = append(in.Entries, entry)
	}
	wantMessage(t, in.Validate(), strings.ReplaceAll(recordedPutEventsTooMany, "<bus-name>", "my-bus"))

	in.Entries = in.Entries[:10]
	if err := in.Validate(); err != nil {
		t.Fatalf("10 entries: %v", err)
	}
	in.Entries = []events.PutEventsRequestEntry{}
	wantMessage(t, in.Validate(), "1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1")
	in.Entries = nil
	wantMessage(t, in.Validate(), "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null")
}

func TestRequiredMembers(t *testing.T) {
	wantMessage(t, decodeAndValidate(t, "DescribeRule", `{}`),
		"1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
	// Nested required member inside a list element.
	wantMessage(t, decodeAndValidate(t, "PutTargets", `{"Rule": "r", "Targets": [{"Arn": "arn:aws:sqs:us-east-1:000000000000:q"}]}`),
		"1 validation error detected: Value null at 'targets.1.member.id' failed to satisfy constraint: Member must not be null")
	// Several problems, in model order, depth first.
	wantMessage(t, decodeAndValidate(t, "PutTargets", `{"Targets": [{"Id": "a b"}]}`),
		"3 validation errors detected: "+
			"Value null at 'rule' failed to satisfy constraint: Member must not be null; "+
			`Value 'a b' at 'targets.1.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+; `+
			"Value null at 'targets.1.member.arn' failed to satisfy constraint: Member must not be null")
}

func TestRangeValidation(t *testing.T) {
	wantMessage(t, decodeAndValidate(t, "ListRules", `{"Limit": 0}`),
		"1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
	wantMessage(t, decodeAndValidate(t, "ListRules", `{"Limit": 101}`),
		"1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100")
	if err := decodeAndValidate(t, "ListRules", `{"Limit": 100}`); err != nil {
		t.Fatalf("Limit 100: %v", err)
	}
	// Nested range: RetryPolicy.MaximumEventAgeInSeconds in [60, 86400].
	wantMessage(t, decodeAndValidate(t, "PutTargets", `{"Rule": "r", "Targets": [{"Id": "t", "Arn": "arn:aws:sqs:us-east-1:000000000000:q",
		"RetryPolicy": {"MaximumRetryAttempts": 186, "MaximumEventAgeInSeconds": 59}}]}`),
		"2 validation errors detected: "+
			"Value '186' at 'targets.1.member.retryPolicy.maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 185; "+
			"Value '59' at 'targets.1.member.retryPolicy.maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60")
}

func TestEnumValidation(t *testing.T) {
	wantMessage(t, decodeAndValidate(t, "PutRule", `{"Name": "r", "State": "ON"}`),
		"1 validation error detected: Value 'ON' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]")
	for _, v := range events.RuleState("").Values() {
		in := &events.PutRuleRequest{Name: awsapi.Ptr("r"), State: awsapi.Ptr(v)}
		if err := in.Validate(); err != nil {
			t.Errorf("state %s: %v", v, err)
		}
	}
	// The generated constants keep the model's values.
	if events.ConnectionAuthorizationTypeOauthClientCredentials != "OAUTH_CLIENT_CREDENTIALS" {
		t.Errorf("constant value %q", events.ConnectionAuthorizationTypeOauthClientCredentials)
	}
}

func TestListElementConstraint(t *testing.T) {
	// PutEventsRequestEntry.Resources: each element at most 2048 characters;
	// AWS reports the whole list with the element shape's constraints.
	long := strings.Repeat("r", 2049)
	in := &events.PutEventsRequest{Entries: []events.PutEventsRequestEntry{{
		Source: awsapi.Ptr("s"), Resources: []string{"a", long},
	}}}
	wantMessage(t, in.Validate(), "1 validation error detected: Value '[a, "+long+"]' at 'entries.1.member.resources' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 2048]")
}

func TestSensitiveValueLeftOut(t *testing.T) {
	// ApiKeyValue is a sensitive shape: AWS leaves its value out.
	in := &events.CreateConnectionRequest{
		Name:              awsapi.Ptr("c"),
		AuthorizationType: awsapi.Ptr(events.ConnectionAuthorizationTypeApiKey),
		AuthParameters: &events.CreateConnectionAuthRequestParameters{
			ApiKeyAuthParameters: &events.CreateConnectionApiKeyAuthRequestParameters{
				ApiKeyName:  awsapi.Ptr("k"),
				ApiKeyValue: awsapi.Ptr("bad\x01value"),
			},
		},
	}
	err := in.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	const want = "1 validation error detected: Value at 'authParameters.apiKeyAuthParameters.apiKeyValue' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[ \\t]*[^\\x00-\\x1F:\\x7F]+([ \\t]+[^\\x00-\\x1F:\\x7F]+)*[ \\t]*$"
	if err.Error() != want {
		t.Errorf("got  %s\nwant %s", err, want)
	}
	if strings.Contains(in.AuthParameters.JavaString(), "bad") {
		t.Errorf("sensitive value rendered: %s", in.AuthParameters.JavaString())
	}
}

func TestJavaStringRendering(t *testing.T) {
	tgt := &events.Target{
		Id:               awsapi.Ptr("t1"),
		Arn:              awsapi.Ptr("arn"),
		InputTransformer: &events.InputTransformer{InputPathsMap: map[string]string{"k": "$.v"}, InputTemplate: awsapi.Ptr("<k>")},
		RetryPolicy:      &events.RetryPolicy{MaximumRetryAttempts: awsapi.Ptr(int32(3))},
	}
	got := tgt.JavaString()
	for _, want := range []string{
		"Target(id=t1, arn=arn, roleArn=null, input=null, inputPath=null, inputTransformer=InputTransformer(inputPathsMap={k=$.v}, inputTemplate=<k>)",
		"retryPolicy=RetryPolicy(maximumRetryAttempts=3, maximumEventAgeInSeconds=null)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("JavaString() = %s\nmissing %s", got, want)
		}
	}
	var nilTarget *events.Target
	if nilTarget.JavaString() != "null" {
		t.Errorf("nil JavaString() = %q", nilTarget.JavaString())
	}
}

func TestOperationsAndErrors(t *testing.T) {
	if len(events.Operations) != 57 {
		t.Errorf("%d operations, want 57", len(events.Operations))
	}
	op := events.Operations["PutEvents"]
	if op.Input != "PutEventsRequest" || op.Output != "PutEventsResponse" {
		t.Errorf("PutEvents = %+v", op)
	}
	if _, ok := op.NewInput().(*events.PutEventsRequest); !ok {
		t.Errorf("NewInput returns %T", op.NewInput())
	}
	if _, ok := op.NewOutput().(*events.PutEventsResponse); !ok {
		t.Errorf("NewOutput returns %T", op.NewOutput())
	}
	for name, o := range events.Operations {
		for _, e := range o.Errors {
			if _, ok := events.Errors[e]; !ok {
				t.Errorf("%s: error %s not in Errors", name, e)
			}
		}
	}
	if e := events.Errors["ResourceNotFoundException"]; e.HTTPStatus != 400 || e.Code != "ResourceNotFoundException" || e.Fault {
		t.Errorf("ResourceNotFoundException = %+v", e)
	}
	if e := events.Errors["InternalException"]; e.HTTPStatus != 500 || !e.Fault {
		t.Errorf("InternalException = %+v", e)
	}
	if events.Service.Target("PutEvents") != "AWSEvents.PutEvents" || events.Service.ContentType() != "application/x-amz-json-1.1" {
		t.Errorf("Service = %+v", events.Service)
	}
}

func TestWireRoundTrip(t *testing.T) {
	body := `{"Entries":[{"Time":1700000000.5,"Source":"s","Resources":["r"],"DetailType":"d","Detail":"{}"}],"EndpointId":"abc.def"}`
	var in events.PutEventsRequest
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	if err := in.Validate(); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(&in)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != body {
		t.Errorf("round trip\n got: %s\nwant: %s", out, body)
	}
	// Absent and zero values stay distinguishable.
	var r events.ListRulesRequest
	if err := json.Unmarshal([]byte(`{"Limit":0,"NamePrefix":""}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.Limit == nil || *r.Limit != 0 || r.NamePrefix == nil || r.EventBusName != nil {
		t.Errorf("decoded %+v", r)
	}
}
