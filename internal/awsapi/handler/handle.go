package handler

import (
	"context"
	"errors"
	"reflect"
	"strings"

	"github.com/switchyard/switchyard/internal/arn"
	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsproto"
)

// Handle adapts a typed handler to an awsproto.Operation: it decodes the
// request, validates it against the service model (AWS's
// ValidationException messages), refuses resource ARNs outside the
// caller's scope (CheckArnScope), and calls fn.
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
			return nil, validationException(err)
		}
		if err := CheckArnScope(r, in); err != nil {
			return nil, err
		}
		return fn(ctx, r, in)
	}
}

// validationException turns a model validation failure into AWS's
// ValidationException.
func validationException(err error) error {
	var ve *awsapi.ValidationError
	if errors.As(err, &ve) {
		return events.ErrValidationException("%s", ve.Error())
	}
	return err
}

// ScopeOf returns the caller's account and region.
func ScopeOf(r *awsproto.Request) arn.Scope {
	return arn.Scope{Account: r.Caller.Account, Region: r.Caller.Region}
}

// arnFields are request members that may hold an ARN naming a resource.
var arnFields = []string{"EventBusName", "Name", "ResourceARN"}

// CheckArnScope refuses resource ARNs outside the caller's scope (see
// CheckScope) in the request members that name a resource (EventBusName,
// Name, ResourceARN), instead of silently using the caller's own resource
// of the same name.
func CheckArnScope(r *awsproto.Request, in any) error {
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
			return events.ErrValidationException("Parameter %s is not valid.", name)
		}
		if err := CheckScope(ScopeOf(r), a, r.Operation); err != nil {
			return err
		}
	}
	return nil
}

// CheckScope refuses an ARN of another region as EventBridge refuses
// cross-Region API calls, and one of another account with
// AccessDeniedException, as a resource whose policy grants the caller
// nothing is refused (resource policies are not enforced yet, so none
// grants anything). op is the operation, for the message.
func CheckScope(caller arn.Scope, a arn.ARN, op string) error {
	switch {
	case a.Region != caller.Region:
		return events.ErrValidationException("Cross-region api call is not allowed.")
	case a.Account != caller.Account:
		return events.ErrAccessDeniedException("User: arn:aws:iam::%s:root is not authorized to perform: events:%s on resource: %s because no resource-based policy allows the events:%s action", caller.Account, op, a, op)
	}
	return nil
}
