package handler_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/switchyard/switchyard/internal/arn"
	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsapi/handler"
	"github.com/switchyard/switchyard/internal/awsproto"
)

func request(op, body string) *awsproto.Request {
	return &awsproto.Request{
		Service: "AWSEvents", Operation: op, Body: []byte(body),
		Caller: awsproto.Caller{Account: "123456789012", Region: "us-east-1"},
	}
}

func code(err error) string {
	var e *awsproto.Error
	if errors.As(err, &e) {
		return e.Code + ": " + e.Message
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return ""
}

func TestHandle(t *testing.T) {
	var got *events.DescribeEventBusRequest
	var scope arn.Scope
	op := handler.Handle(func(ctx context.Context, r *awsproto.Request, in *events.DescribeEventBusRequest) (any, error) {
		got, scope = in, handler.ScopeOf(r)
		return "ok", nil
	})
	for _, tc := range []struct {
		name, body, want string
		called           bool
	}{
		{"a name", `{"Name":"orders"}`, "", true},
		{"an ARN of the caller's scope", `{"Name":"arn:aws:events:us-east-1:123456789012:event-bus/orders"}`, "", true},
		{"model validation", `{"Name":"has space"}`, "ValidationException: 1 validation error detected: Value 'has space' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:aws[\\w-]*:events:[a-z]+-[a-z]+-[\\w-]+:[0-9]{12}:event-bus\\/)?[/\\.\\-_A-Za-z0-9]+", false},
		{"another region's ARN", `{"Name":"arn:aws:events:eu-west-1:123456789012:event-bus/orders"}`, "ValidationException: Cross-region api call is not allowed.", false},
		{"another account's ARN", `{"Name":"arn:aws:events:us-east-1:210987654321:event-bus/orders"}`, "AccessDeniedException: User: arn:aws:iam::123456789012:root is not authorized to perform: events:DescribeEventBus on resource: arn:aws:events:us-east-1:210987654321:event-bus/orders because no resource-based policy allows the events:DescribeEventBus action", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got = nil
			_, err := op(context.Background(), request("DescribeEventBus", tc.body))
			if c := code(err); c != tc.want {
				t.Errorf("error %q, want %q", c, tc.want)
			}
			if (got != nil) != tc.called {
				t.Errorf("handler called: %v, want %v", got != nil, tc.called)
			}
			if got != nil && scope != (arn.Scope{Account: "123456789012", Region: "us-east-1"}) {
				t.Errorf("scope %v", scope)
			}
		})
	}
}

// CheckArnScope reads the members that name a resource, whatever the
// request type.
func TestCheckArnScope(t *testing.T) {
	r := request("TagResource", "")
	for _, tc := range []struct {
		name string
		in   any
		want string
	}{
		{"no ARN", &struct{ Name *string }{awsapi.Ptr("orders")}, ""},
		{"own scope", &struct{ ResourceARN *string }{awsapi.Ptr("arn:aws:events:us-east-1:123456789012:rule/r")}, ""},
		{"malformed", &struct{ ResourceARN *string }{awsapi.Ptr("arn:nonsense")}, "ValidationException: Parameter ResourceARN is not valid."},
		{"other region", &struct{ EventBusName *string }{awsapi.Ptr("arn:aws:events:eu-west-1:123456789012:event-bus/b")}, "ValidationException: Cross-region api call is not allowed."},
		{"other account", &struct{ EventBusName *string }{awsapi.Ptr("arn:aws:events:us-east-1:1:event-bus/b")}, "AccessDeniedException: User: arn:aws:iam::123456789012:root is not authorized to perform: events:TagResource on resource: arn:aws:events:us-east-1:1:event-bus/b because no resource-based policy allows the events:TagResource action"},
		{"other members", &struct{ RoleArn *string }{awsapi.Ptr("arn:aws:iam::1:role/x")}, ""},
		{"not a struct", awsapi.Ptr("arn:aws:events:eu-west-1:1:event-bus/b"), ""},
	} {
		if got := code(handler.CheckArnScope(r, tc.in)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestPage(t *testing.T) {
	items := []string{"a", "b", "c", "d", "e"}
	id := func(s string) string { return s }
	var all []string
	var token *string
	for pages := 0; ; pages++ {
		pg, next, err := handler.Page(items, id, token, awsapi.Ptr(int32(2)), 100)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, pg...)
		if next == nil {
			if pages != 2 {
				t.Errorf("%d pages of 2 for 5 items", pages+1)
			}
			break
		}
		token = next
	}
	if !slices.Equal(all, items) {
		t.Errorf("paged %v", all)
	}
	// A token stays valid when the item it names goes.
	_, next, _ := handler.Page(items, id, nil, awsapi.Ptr(int32(2)), 100)
	pg, _, err := handler.Page([]string{"a", "c", "d"}, id, next, nil, 100)
	if err != nil || !slices.Equal(pg, []string{"c", "d"}) {
		t.Errorf("after a removal: %v %v", pg, err)
	}
	for _, tc := range []struct {
		limit *int32
		want  int
	}{{nil, 3}, {awsapi.Ptr(int32(0)), 3}, {awsapi.Ptr(int32(10)), 5}} {
		if pg, _, _ := handler.Page(items, id, nil, tc.limit, 3); len(pg) != tc.want {
			t.Errorf("limit %v: %d items, want %d", tc.limit, len(pg), tc.want)
		}
	}
	if _, _, err := handler.Page(items, id, awsapi.Ptr("!!"), nil, 3); code(err) != "ValidationException: The provided NextToken is not valid." {
		t.Errorf("bad token: %v", err)
	}
}

func TestOptional(t *testing.T) {
	if awsapi.Optional("") != nil || *awsapi.Optional("x") != "x" {
		t.Error("Optional")
	}
	if awsapi.Value[string](nil) != "" || awsapi.Value(awsapi.Ptr("x")) != "x" {
		t.Error("Value")
	}
}
