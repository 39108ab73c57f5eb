package connection

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsapi/handler"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/uuid"
)

// connectionFor resolves an API destination's ConnectionArn in the
// caller's scope.
func (a *API) connectionFor(s Scope, arn, verb string) (*Connection, error) {
	cs, name, _, ok := ParseResourceArn(arn, "connection")
	conn, found := a.conns.ConnectionByArn(arn)
	if !ok || cs != s || !found {
		if name == "" {
			name = arn
		}
		return nil, events.ErrResourceNotFoundException("Failed to %s the api-destination(s). Connection '%s' does not exist.", verb, name)
	}
	return conn, nil
}

func (a *API) createAPIDestination(ctx context.Context, r *awsproto.Request, in *events.CreateApiDestinationRequest) (any, error) {
	s, name := handler.ScopeOf(r), awsapi.Value(in.Name)
	if !validEndpoint(awsapi.Value(in.InvocationEndpoint)) {
		return nil, errAPIDestinationInvalid("create", "InvocationEndpoint", "Endpoint '"+awsapi.Value(in.InvocationEndpoint)+"' is invalid, please provide a valid HTTPS endpoint URL.")
	}
	if _, err := a.connectionFor(s, awsapi.Value(in.ConnectionArn), "create"); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	d := &APIDestination{
		Scope: s, Name: name, ID: uuid.New(), Description: awsapi.Value(in.Description),
		ConnectionArn: awsapi.Value(in.ConnectionArn), InvocationEndpoint: awsapi.Value(in.InvocationEndpoint),
		HTTPMethod: string(*in.HttpMethod), RateLimit: DefaultInvocationRate, Created: now, Modified: now,
	}
	if in.InvocationRateLimitPerSecond != nil {
		d.RateLimit = *in.InvocationRateLimitPerSecond
	}
	if err := a.conns.CreateAPIDestination(ctx, d); err != nil {
		if errors.Is(err, ErrExists) {
			return nil, events.ErrResourceAlreadyExistsException("Failed to create the api-destination(s). An api-destination '%s' already exists.", name)
		}
		return nil, err
	}
	st := events.ApiDestinationState(a.conns.APIDestinationState(d))
	return &events.CreateApiDestinationResponse{
		ApiDestinationArn: awsapi.Ptr(d.Arn()), ApiDestinationState: &st,
		CreationTime: awsapi.OptionalTimestamp(d.Created), LastModifiedTime: awsapi.OptionalTimestamp(d.Modified),
	}, nil
}

func (a *API) apiDestinationOut(d *APIDestination) events.ApiDestination {
	st, m := events.ApiDestinationState(a.conns.APIDestinationState(d)), events.ApiDestinationHttpMethod(d.HTTPMethod)
	return events.ApiDestination{
		ApiDestinationArn: awsapi.Ptr(d.Arn()), Name: awsapi.Ptr(d.Name), ApiDestinationState: &st,
		ConnectionArn: awsapi.Ptr(d.ConnectionArn), InvocationEndpoint: awsapi.Ptr(d.InvocationEndpoint), HttpMethod: &m,
		InvocationRateLimitPerSecond: awsapi.Ptr(d.RateLimit), CreationTime: awsapi.OptionalTimestamp(d.Created), LastModifiedTime: awsapi.OptionalTimestamp(d.Modified),
	}
}

func (a *API) describeAPIDestination(ctx context.Context, r *awsproto.Request, in *events.DescribeApiDestinationRequest) (any, error) {
	d, ok := a.conns.APIDestination(handler.ScopeOf(r), awsapi.Value(in.Name))
	if !ok {
		return nil, errAPIDestinationNotFound("describe", awsapi.Value(in.Name))
	}
	v := a.apiDestinationOut(d)
	return &events.DescribeApiDestinationResponse{
		ApiDestinationArn: v.ApiDestinationArn, Name: v.Name, Description: awsapi.Optional(d.Description),
		ApiDestinationState: v.ApiDestinationState, ConnectionArn: v.ConnectionArn,
		InvocationEndpoint: v.InvocationEndpoint, HttpMethod: v.HttpMethod,
		InvocationRateLimitPerSecond: v.InvocationRateLimitPerSecond,
		CreationTime:                 v.CreationTime, LastModifiedTime: v.LastModifiedTime,
	}, nil
}

func (a *API) updateAPIDestination(ctx context.Context, r *awsproto.Request, in *events.UpdateApiDestinationRequest) (any, error) {
	s, name := handler.ScopeOf(r), awsapi.Value(in.Name)
	if _, ok := a.conns.APIDestination(s, name); !ok {
		return nil, errAPIDestinationNotFound("update", name)
	}
	if in.InvocationEndpoint != nil && !validEndpoint(*in.InvocationEndpoint) {
		return nil, errAPIDestinationInvalid("update", "InvocationEndpoint", "Endpoint '"+*in.InvocationEndpoint+"' is invalid, please provide a valid HTTPS endpoint URL.")
	}
	if in.ConnectionArn != nil {
		if _, err := a.connectionFor(s, *in.ConnectionArn, "update"); err != nil {
			return nil, err
		}
	}
	d, err := a.conns.UpdateAPIDestination(ctx, s, name, func(d *APIDestination) error {
		if in.Description != nil {
			d.Description = *in.Description
		}
		if in.ConnectionArn != nil {
			d.ConnectionArn = *in.ConnectionArn
		}
		if in.InvocationEndpoint != nil {
			d.InvocationEndpoint = *in.InvocationEndpoint
		}
		if in.HttpMethod != nil {
			d.HTTPMethod = string(*in.HttpMethod)
		}
		if in.InvocationRateLimitPerSecond != nil {
			d.RateLimit = *in.InvocationRateLimitPerSecond
		}
		d.Modified = time.Now().UTC()
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil, errAPIDestinationNotFound("update", name)
	}
	if err != nil {
		return nil, err
	}
	st := events.ApiDestinationState(a.conns.APIDestinationState(d))
	return &events.UpdateApiDestinationResponse{
		ApiDestinationArn: awsapi.Ptr(d.Arn()), ApiDestinationState: &st,
		CreationTime: awsapi.OptionalTimestamp(d.Created), LastModifiedTime: awsapi.OptionalTimestamp(d.Modified),
	}, nil
}

func (a *API) deleteAPIDestination(ctx context.Context, r *awsproto.Request, in *events.DeleteApiDestinationRequest) (any, error) {
	name := awsapi.Value(in.Name)
	err := a.conns.DeleteAPIDestination(ctx, handler.ScopeOf(r), name)
	if errors.Is(err, ErrNotFound) {
		return nil, errAPIDestinationNotFound("delete", name)
	}
	if err != nil {
		return nil, err
	}
	return &events.DeleteApiDestinationResponse{}, nil
}

func (a *API) listAPIDestinations(ctx context.Context, r *awsproto.Request, in *events.ListApiDestinationsRequest) (any, error) {
	var ds []*APIDestination
	for _, d := range a.conns.APIDestinations(handler.ScopeOf(r)) {
		if !strings.HasPrefix(d.Name, awsapi.Value(in.NamePrefix)) {
			continue
		}
		if in.ConnectionArn != nil && *in.ConnectionArn != d.ConnectionArn {
			continue
		}
		ds = append(ds, d)
	}
	pg, next, err := handler.Page(ds, func(d *APIDestination) string { return d.Name }, in.NextToken, in.Limit, 100)
	if err != nil {
		return nil, err
	}
	out := &events.ListApiDestinationsResponse{ApiDestinations: []events.ApiDestination{}, NextToken: next}
	for _, d := range pg {
		out.ApiDestinations = append(out.ApiDestinations, a.apiDestinationOut(d))
	}
	return out, nil
}
