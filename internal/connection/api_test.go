package connection

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/switchyard/switchyard/internal/awsproto"
)

// call runs an operation as the server would, returning the response as
// JSON, or the AWS error as "Code: Message".
func (e *env) call(t *testing.T, op, body string) (map[string]any, string) {
	t.Helper()
	h := NewAPI(e.c1).Operations()[op]
	if h == nil {
		t.Fatalf("no operation %s", op)
	}
	out, err := h(e.ctx, &awsproto.Request{
		Service: "AWSEvents", Operation: op, Body: []byte(body),
		Caller: awsproto.Caller{Account: scope.Account, Region: scope.Region},
	})
	if err != nil {
		var ae *awsproto.Error
		if !errors.As(err, &ae) {
			t.Fatalf("%s: %v", op, err)
		}
		return nil, ae.Code + ": " + ae.Message
	}
	data, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m, ""
}

func TestAPI(t *testing.T) {
	e := newEnv(t)
	create := `{"Name":"c","AuthorizationType":"API_KEY","AuthParameters":{"ApiKeyAuthParameters":{"ApiKeyName":"x-api-key","ApiKeyValue":"s3cret"},
		"InvocationHttpParameters":{"HeaderParameters":[{"Key":"h","Value":"plain"},{"Key":"hs","Value":"hidden","IsValueSecret":true},{"Key":"Switchyard-Webhook-Secret","Value":"whsec"}]}}}`
	out, errText := e.call(t, "CreateConnection", create)
	if errText != "" || out["ConnectionState"] != "AUTHORIZED" || !strings.HasPrefix(out["ConnectionArn"].(string), "arn:aws:events:us-east-1:123456789012:connection/c/") {
		t.Fatalf("create: %v %s", out, errText)
	}
	connArn := out["ConnectionArn"].(string)
	if _, errText := e.call(t, "CreateConnection", create); errText != "ResourceAlreadyExistsException: Failed to create the connection(s). Connection 'c' already exists." {
		t.Errorf("second create: %s", errText)
	}

	// Secrets are stored sealed, open with the box, and are never
	// described.
	conn, _ := e.c1.Connection(scope, "c")
	if v, err := e.box.Open(conn.Arn(), conn.Auth.APIKey.Value); err != nil || v != "s3cret" {
		t.Errorf("stored API key opens to %q, %v", v, err)
	}
	hs := conn.Auth.Invocation.Headers
	if hs[0].Value != "plain" || hs[0].Sealed != "" || hs[1].Value != "" || hs[1].Sealed == "" || hs[2].Value != "" || hs[2].Sealed == "" {
		t.Errorf("stored headers %+v", hs)
	}
	desc, errText := e.call(t, "DescribeConnection", `{"Name":"c"}`)
	raw, _ := json.Marshal(desc)
	if errText != "" || strings.Contains(string(raw), "s3cret") || strings.Contains(string(raw), "hidden") || strings.Contains(string(raw), "whsec") || !strings.Contains(string(raw), "plain") {
		t.Errorf("describe shows %s %s", raw, errText)
	}

	for _, tc := range []struct{ op, body, want string }{
		{"DescribeConnection", `{"Name":"nope"}`, "ResourceNotFoundException: Failed to describe the connection(s). Connection 'nope' does not exist."},
		{"UpdateConnection", `{"Name":"nope","Description":"x"}`, "ResourceNotFoundException: Failed to update the connection(s). Connection 'nope' does not exist."},
		{"DeleteConnection", `{"Name":"nope"}`, "ResourceNotFoundException: Failed to delete the connection(s). Connection 'nope' does not exist."},
		{"DescribeApiDestination", `{"Name":"nope"}`, "ResourceNotFoundException: Failed to describe the api-destination(s). An api-destination 'nope' does not exist."},
		{"CreateApiDestination", `{"Name":"d","ConnectionArn":"arn:aws:events:us-east-1:123456789012:connection/other/u-1","InvocationEndpoint":"https://example.com","HttpMethod":"POST"}`,
			"ResourceNotFoundException: Failed to create the api-destination(s). Connection 'other' does not exist."},
		{"CreateApiDestination", `{"Name":"d","ConnectionArn":"` + connArn + `","InvocationEndpoint":"ftp://example.com","HttpMethod":"POST"}`,
			"ValidationException: Failed to create the api-destination(s). Parameter InvocationEndpoint is not valid. Reason: Endpoint 'ftp://example.com' is invalid, please provide a valid HTTPS endpoint URL."},
		{"CreateConnection", `{"Name":"b","AuthorizationType":"BASIC","AuthParameters":{"ApiKeyAuthParameters":{"ApiKeyName":"k","ApiKeyValue":"v"}}}`,
			"ValidationException: Failed to create the connection(s). Parameter AuthParameters is not valid. Reason: BasicAuthParameters must be specified for authorization type BASIC."},
	} {
		if _, got := e.call(t, tc.op, tc.body); got != tc.want {
			t.Errorf("%s %s:\n got %s\nwant %s", tc.op, tc.body, got, tc.want)
		}
	}

	out, errText = e.call(t, "CreateApiDestination", `{"Name":"d","ConnectionArn":"`+connArn+`","InvocationEndpoint":"https://example.com/x","HttpMethod":"POST"}`)
	if errText != "" || out["ApiDestinationState"] != "ACTIVE" {
		t.Fatalf("create destination: %v %s", out, errText)
	}
	if d, _ := e.call(t, "DescribeApiDestination", `{"Name":"d"}`); d["InvocationRateLimitPerSecond"] != float64(DefaultInvocationRate) {
		t.Errorf("default rate %v", d["InvocationRateLimitPerSecond"])
	}

	// Deauthorizing drops the secrets and makes the destination inactive.
	if out, errText := e.call(t, "DeauthorizeConnection", `{"Name":"c"}`); errText != "" || out["ConnectionState"] != "DEAUTHORIZING" {
		t.Fatalf("deauthorize: %v %s", out, errText)
	}
	conn, _ = e.c1.Connection(scope, "c")
	if conn.State != ConnectionDeauthorized || conn.Auth.APIKey.Value != "" || conn.Auth.Invocation.Headers[1].Sealed != "" || conn.SecretID != "" {
		t.Errorf("after deauthorize: %+v", conn)
	}
	if d, _ := e.call(t, "DescribeApiDestination", `{"Name":"d"}`); d["ApiDestinationState"] != "INACTIVE" {
		t.Errorf("destination of a deauthorized connection: %v", d["ApiDestinationState"])
	}

	// Lists filter and paginate.
	for _, n := range []string{"c2", "c3"} {
		if _, errText := e.call(t, "CreateConnection", strings.Replace(create, `"Name":"c"`, `"Name":"`+n+`"`, 1)); errText != "" {
			t.Fatal(errText)
		}
	}
	names := func(out map[string]any) (ns []string) {
		for _, c := range out["Connections"].([]any) {
			ns = append(ns, c.(map[string]any)["Name"].(string))
		}
		return ns
	}
	out, _ = e.call(t, "ListConnections", `{"ConnectionState":"AUTHORIZED","Limit":1}`)
	first := names(out)
	next, _ := out["NextToken"].(string)
	out, _ = e.call(t, "ListConnections", `{"ConnectionState":"AUTHORIZED","NextToken":"`+next+`"}`)
	if got := append(first, names(out)...); strings.Join(got, ",") != "c2,c3" || out["NextToken"] != nil {
		t.Errorf("authorized connections %v, last token %v", got, out["NextToken"])
	}
	if out, _ := e.call(t, "ListConnections", `{"NamePrefix":"c3"}`); strings.Join(names(out), ",") != "c3" {
		t.Errorf("prefix c3: %v", names(out))
	}
}
