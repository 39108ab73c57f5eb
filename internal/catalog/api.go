package catalog

import (
	"context"
	"encoding/base64"
	"errors"
	"reflect"
	"sort"
	"strings"

	"github.com/switchyard/switchyard/internal/arn"
	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsproto"
)

// API serves the EventBridge control-plane operations.
type API struct {
	cat *Catalog
}

// NewAPI returns the control-plane API over a catalog.
func NewAPI(c *Catalog) *API { return &API{cat: c} }

// Handle adapts a typed handler to an awsproto.Operation: it decodes the
// request, validates it against the service model (AWS's
// ValidationException messages), and calls fn.
func Handle[In any, PIn interface {
	*In
	awsapi.Input
}](fn func(ctx context.Context, r *awsproto.Request, in PIn) (any, error)) awsproto.Operation {
	return func(ctx context.Context, r *awsproto.Request) (any, error) {
		in := PIn(new(In))
		if err := awsproto.DecodeJSON(r, in); err != nil {
			return nil, err
		}
		if err := in.Validate(); err != nil {
			return nil, ValidationError(err)
		}
		if err := checkArnScope(r, in); err != nil {
			return nil, err
		}
		return fn(ctx, r, in)
	}
}

// arnFields are request members that may hold an ARN naming a resource.
var arnFields = []string{"EventBusName", "Name", "ResourceARN"}

// checkArnScope refuses resource ARNs outside the caller's scope (see
// arnScope), instead of silently using the caller's own resource of the
// same name.
func checkArnScope(r *awsproto.Request, in any) error {
	v := reflect.ValueOf(in)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	v = v.Elem()
	for _, name := range arnFields {
		f := v.FieldByName(name)
		if !f.IsValid() || f.Kind() != reflect.Pointer || f.IsNil() || f.Elem().Kind() != reflect.String {
			continue
		}
		s := f.Elem().String()
		if !strings.HasPrefix(s, "arn:") {
			continue
		}
		a, err := arn.Parse(s)
		if err != nil {
			return awsproto.Errorf("ValidationException", "Parameter %s is not valid.", name)
		}
		if err := arnScope(ScopeOf(r), a, r.Operation); err != nil {
			return err
		}
	}
	return nil
}

// arnScope refuses an ARN of another region as EventBridge refuses
// cross-Region API calls, and one of another account with
// AccessDeniedException, as a resource whose policy grants the caller
// nothing is refused (resource policies are not enforced yet, so none
// grants anything).
func arnScope(caller Scope, a arn.ARN, op string) error {
	switch {
	case a.Region != caller.Region:
		return awsproto.Errorf("ValidationException", "Cross-region api call is not allowed.")
	case a.Account != caller.Account:
		return awsproto.Errorf("AccessDeniedException", "User: arn:aws:iam::%s:root is not authorized to perform: events:%s on resource: %s because no resource-based policy allows the events:%s action", caller.Account, op, a, op)
	}
	return nil
}

// ValidationError turns a model validation failure into AWS's
// ValidationException.
func ValidationError(err error) error {
	var ve *awsapi.ValidationError
	if errors.As(err, &ve) {
		return &awsproto.Error{Code: "ValidationException", Message: ve.Error()}
	}
	return err
}

// Operations returns the handlers this package implements, by name.
func (a *API) Operations() map[string]awsproto.Operation {
	return map[string]awsproto.Operation{
		"CreateEventBus":        Handle(a.createEventBus),
		"DeleteEventBus":        Handle(a.deleteEventBus),
		"DescribeEventBus":      Handle(a.describeEventBus),
		"ListEventBuses":        Handle(a.listEventBuses),
		"UpdateEventBus":        Handle(a.updateEventBus),
		"PutRule":               Handle(a.putRule),
		"DeleteRule":            Handle(a.deleteRule),
		"DescribeRule":          Handle(a.describeRule),
		"ListRules":             Handle(a.listRules),
		"EnableRule":            Handle(a.enableRule),
		"DisableRule":           Handle(a.disableRule),
		"ListRuleNamesByTarget": Handle(a.listRuleNamesByTarget),
		"PutTargets":            Handle(a.putTargets),
		"RemoveTargets":         Handle(a.removeTargets),
		"ListTargetsByRule":     Handle(a.listTargetsByRule),
		"TestEventPattern":      Handle(a.testEventPattern),
		"TagResource":           Handle(a.tagResource),
		"UntagResource":         Handle(a.untagResource),
		"ListTagsForResource":   Handle(a.listTagsForResource),
		"PutPermission":         Handle(a.putPermission),
		"RemovePermission":      Handle(a.removePermission),

		// connections and API destinations (api_connections.go)
		"CreateConnection":       Handle(a.createConnection),
		"DescribeConnection":     Handle(a.describeConnection),
		"UpdateConnection":       Handle(a.updateConnection),
		"DeleteConnection":       Handle(a.deleteConnection),
		"ListConnections":        Handle(a.listConnections),
		"DeauthorizeConnection":  Handle(a.deauthorizeConnection),
		"CreateApiDestination":   Handle(a.createAPIDestination),
		"DescribeApiDestination": Handle(a.describeAPIDestination),
		"UpdateApiDestination":   Handle(a.updateAPIDestination),
		"DeleteApiDestination":   Handle(a.deleteAPIDestination),
		"ListApiDestinations":    Handle(a.listAPIDestinations),
	}
}

// Service builds the EventBridge awsJson service with the given
// operations; operations of the model that are missing answer that they
// are not available yet.
func Service(ops map[string]awsproto.Operation) *awsproto.JSONService {
	known := map[string]bool{}
	for name := range events.Operations {
		known[name] = true
	}
	return &awsproto.JSONService{
		TargetPrefix: events.Service.TargetPrefix,
		JSONVersion:  events.Service.JSONVersion,
		Operations:   ops,
		Known:        known,
		NotImplemented: func(op string) *awsproto.Error {
			return &awsproto.Error{Code: "OperationDisabledException", Message: "The operation " + op + " is not available in Switchyard yet."}
		},
		InternalCode: "InternalException",
	}
}

// ScopeOf returns the caller's account and region.
func ScopeOf(r *awsproto.Request) Scope {
	return Scope{Account: r.Caller.Account, Region: r.Caller.Region}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

// busRef resolves an EventBusName parameter (a name or an ARN; empty
// means default) to a bus name in the caller's scope.
func busRef(s Scope, p *string, op string) (string, error) {
	return BusRef(s, str(p), op)
}

// BusRef resolves a bus name or ARN given by a caller in scope s for the
// operation op (PutEvents, PutRule, ...) to the name of a bus of that
// scope ("" means the default bus), refusing ARNs outside the caller's
// scope as arnScope does. An ARN that names no bus is left for the
// caller's lookup to report as a bus that does not exist.
func BusRef(s Scope, v, op string) (string, error) {
	if v == "" {
		return DefaultBus, nil
	}
	a, err := arn.Parse(v)
	if err != nil {
		return v, nil
	}
	name, ok := a.ResourceOf("event-bus")
	if !ok || a.Service != "events" {
		return v, nil
	}
	if err := arnScope(s, a, op); err != nil {
		return "", err
	}
	return name, nil
}

func errBusNotFound(name string) error {
	return awsproto.Errorf("ResourceNotFoundException", "Event bus %s does not exist.", name)
}

func errRuleNotFound(rule, bus string) error {
	return awsproto.Errorf("ResourceNotFoundException", "Rule %s does not exist on EventBus %s.", rule, bus)
}

// bus returns the named bus of the caller, creating the default bus on
// first use.
func (a *API) bus(ctx context.Context, s Scope, name string) (*Bus, error) {
	if name == DefaultBus {
		return a.cat.EnsureDefaultBus(ctx, s)
	}
	b, ok := a.cat.Bus(s, name)
	if !ok {
		return nil, errBusNotFound(name)
	}
	return b, nil
}

// page slices a sorted list of names for NextToken/Limit pagination. The
// token is the last name returned, opaque to callers.
func page[T any](items []T, name func(T) string, token *string, limit *int32, defaultLimit int) ([]T, *string, error) {
	start := 0
	if t := str(token); t != "" {
		raw, err := base64.RawURLEncoding.DecodeString(t)
		if err != nil {
			return nil, nil, awsproto.Errorf("ValidationException", "The provided NextToken is not valid.")
		}
		after := string(raw)
		start = sort.Search(len(items), func(i int) bool { return name(items[i]) > after })
	}
	n := defaultLimit
	if limit != nil && *limit > 0 {
		n = int(*limit)
	}
	end := min(start+n, len(items))
	var next *string
	if end < len(items) {
		next = ptr(base64.RawURLEncoding.EncodeToString([]byte(name(items[end-1]))))
	}
	return items[start:end], next, nil
}
