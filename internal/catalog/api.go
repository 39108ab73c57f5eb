package catalog

import (
	"context"

	"github.com/switchyard/switchyard/internal/arn"
	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsapi/handler"
	"github.com/switchyard/switchyard/internal/awsproto"
)

// API serves the EventBridge control-plane operations.
type API struct {
	cat *Catalog
}

// NewAPI returns the control-plane API over a catalog.
func NewAPI(c *Catalog) *API { return &API{cat: c} }

// Operations returns the handlers this package implements, by name.
func (a *API) Operations() map[string]awsproto.Operation {
	return map[string]awsproto.Operation{
		"CreateEventBus":        handler.Handle(a.createEventBus),
		"DeleteEventBus":        handler.Handle(a.deleteEventBus),
		"DescribeEventBus":      handler.Handle(a.describeEventBus),
		"ListEventBuses":        handler.Handle(a.listEventBuses),
		"UpdateEventBus":        handler.Handle(a.updateEventBus),
		"PutRule":               handler.Handle(a.putRule),
		"DeleteRule":            handler.Handle(a.deleteRule),
		"DescribeRule":          handler.Handle(a.describeRule),
		"ListRules":             handler.Handle(a.listRules),
		"EnableRule":            handler.Handle(a.enableRule),
		"DisableRule":           handler.Handle(a.disableRule),
		"ListRuleNamesByTarget": handler.Handle(a.listRuleNamesByTarget),
		"PutTargets":            handler.Handle(a.putTargets),
		"RemoveTargets":         handler.Handle(a.removeTargets),
		"ListTargetsByRule":     handler.Handle(a.listTargetsByRule),
		"TestEventPattern":      handler.Handle(a.testEventPattern),
		"TagResource":           handler.Handle(a.tagResource),
		"UntagResource":         handler.Handle(a.untagResource),
		"ListTagsForResource":   handler.Handle(a.listTagsForResource),
		"PutPermission":         handler.Handle(a.putPermission),
		"RemovePermission":      handler.Handle(a.removePermission),
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
			return events.ErrOperationDisabledException("The operation %s is not available in Switchyard yet.", op)
		},
		InternalCode: "InternalException",
	}
}

// busRef resolves an EventBusName parameter (a name or an ARN; empty
// means default) to a bus name in the caller's scope.
func busRef(s Scope, p *string, op string) (string, error) {
	return BusRef(s, awsapi.Value(p), op)
}

// BusRef resolves a bus name or ARN given by a caller in scope s for the
// operation op (PutEvents, PutRule, ...) to the name of a bus of that
// scope ("" means the default bus), refusing ARNs outside the caller's
// scope as handler.CheckScope does. An ARN that names no bus is left for the
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
	if err := handler.CheckScope(s, a, op); err != nil {
		return "", err
	}
	return name, nil
}

func errBusNotFound(name string) error {
	return events.ErrResourceNotFoundException("Event bus %s does not exist.", name)
}

func errRuleNotFound(rule, bus string) error {
	return events.ErrResourceNotFoundException("Rule %s does not exist on EventBus %s.", rule, bus)
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
