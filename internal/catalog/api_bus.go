package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsapi/handler"
	"github.com/switchyard/switchyard/internal/awsproto"
)

func tagsFrom(ts []events.Tag) []Tag {
	out := make([]Tag, 0, len(ts))
	for _, t := range ts {
		out = append(out, Tag{Key: awsapi.Value(t.Key), Value: awsapi.Value(t.Value)})
	}
	return out
}

func tagsTo(ts []Tag) []events.Tag {
	out := make([]events.Tag, 0, len(ts))
	for _, t := range ts {
		out = append(out, events.Tag{Key: awsapi.Ptr(t.Key), Value: awsapi.Ptr(t.Value)})
	}
	return out
}

func dlq(c *events.DeadLetterConfig) string {
	if c == nil {
		return ""
	}
	return awsapi.Value(c.Arn)
}

func dlqOut(arn string) *events.DeadLetterConfig {
	if arn == "" {
		return nil
	}
	return &events.DeadLetterConfig{Arn: awsapi.Ptr(arn)}
}

// updateBus is Catalog.UpdateBus answering AWS's error for a missing bus.
func (a *API) updateBus(ctx context.Context, s Scope, name string, fn func(*Bus) error) (*Bus, error) {
	b, err := a.cat.UpdateBus(ctx, s, name, fn)
	if errors.Is(err, ErrNotFound) {
		return nil, errBusNotFound(name)
	}
	return b, err
}

func (a *API) createEventBus(ctx context.Context, r *awsproto.Request, in *events.CreateEventBusRequest) (any, error) {
	s := handler.ScopeOf(r)
	name := awsapi.Value(in.Name)
	if name == DefaultBus {
		return nil, events.ErrResourceAlreadyExistsException("Event bus %s already exists.", name)
	}
	if strings.Contains(name, "/") && awsapi.Value(in.EventSourceName) == "" {
		return nil, events.ErrValidationException("Event bus name must not contain '/'.")
	}
	now := time.Now().UTC()
	b := &Bus{
		Scope: s, Name: name, Description: awsapi.Value(in.Description),
		KmsKeyIdentifier: awsapi.Value(in.KmsKeyIdentifier), DeadLetterArn: dlq(in.DeadLetterConfig),
		Tags: tagsFrom(in.Tags), EventSourceName: awsapi.Value(in.EventSourceName),
		LogConfig: logConfigIn(in.LogConfig), Created: now, Modified: now,
	}
	if err := a.cat.CreateBus(ctx, b); err != nil {
		if errors.Is(err, ErrExists) {
			return nil, events.ErrResourceAlreadyExistsException("Event bus %s already exists.", name)
		}
		return nil, err
	}
	return &events.CreateEventBusResponse{
		EventBusArn: awsapi.Ptr(b.Arn()), Description: in.Description,
		KmsKeyIdentifier: in.KmsKeyIdentifier, DeadLetterConfig: in.DeadLetterConfig, LogConfig: in.LogConfig,
	}, nil
}

func (a *API) deleteEventBus(ctx context.Context, r *awsproto.Request, in *events.DeleteEventBusRequest) (any, error) {
	name, err := busRef(handler.ScopeOf(r), in.Name, "DeleteEventBus")
	if err != nil {
		return nil, err
	}
	if name == DefaultBus {
		return nil, events.ErrValidationException("Cannot delete event bus default.")
	}
	err = a.cat.DeleteBus(ctx, handler.ScopeOf(r), name)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	return struct{}{}, nil
}

func (b *Bus) policyJSON() *string {
	if b.Policy == nil || len(b.Policy.Statement) == 0 {
		return nil
	}
	data, _ := json.Marshal(b.Policy)
	s := string(data)
	return &s
}

func (a *API) describeEventBus(ctx context.Context, r *awsproto.Request, in *events.DescribeEventBusRequest) (any, error) {
	name, err := busRef(handler.ScopeOf(r), in.Name, "DescribeEventBus")
	if err != nil {
		return nil, err
	}
	b, err := a.bus(ctx, handler.ScopeOf(r), name)
	if err != nil {
		return nil, err
	}
	return &events.DescribeEventBusResponse{
		Name: awsapi.Ptr(b.Name), Arn: awsapi.Ptr(b.Arn()), Description: awsapi.Optional(b.Description),
		KmsKeyIdentifier: awsapi.Optional(b.KmsKeyIdentifier), DeadLetterConfig: dlqOut(b.DeadLetterArn),
		Policy: b.policyJSON(), CreationTime: awsapi.OptionalTimestamp(b.Created), LastModifiedTime: awsapi.OptionalTimestamp(b.Modified),
		LogConfig: logConfigOut(b.LogConfig),
	}, nil
}

func logConfigIn(c *events.LogConfig) json.RawMessage {
	if c == nil {
		return nil
	}
	raw, _ := json.Marshal(c)
	return raw
}

func logConfigOut(raw json.RawMessage) *events.LogConfig {
	if len(raw) == 0 {
		return nil
	}
	var c events.LogConfig
	if json.Unmarshal(raw, &c) != nil {
		return nil
	}
	return &c
}

func (a *API) listEventBuses(ctx context.Context, r *awsproto.Request, in *events.ListEventBusesRequest) (any, error) {
	s := handler.ScopeOf(r)
	if _, err := a.cat.EnsureDefaultBus(ctx, s); err != nil {
		return nil, err
	}
	var buses []*Bus
	for _, b := range a.cat.Buses(s) {
		if strings.HasPrefix(b.Name, awsapi.Value(in.NamePrefix)) {
			buses = append(buses, b)
		}
	}
	pg, next, err := handler.Page(buses, func(b *Bus) string { return b.Name }, in.NextToken, in.Limit, 100)
	if err != nil {
		return nil, err
	}
	out := &events.ListEventBusesResponse{EventBuses: []events.EventBus{}, NextToken: next}
	for _, b := range pg {
		out.EventBuses = append(out.EventBuses, events.EventBus{
			Name: awsapi.Ptr(b.Name), Arn: awsapi.Ptr(b.Arn()), Description: awsapi.Optional(b.Description),
			Policy: b.policyJSON(), CreationTime: awsapi.OptionalTimestamp(b.Created), LastModifiedTime: awsapi.OptionalTimestamp(b.Modified),
		})
	}
	return out, nil
}

func (a *API) updateEventBus(ctx context.Context, r *awsproto.Request, in *events.UpdateEventBusRequest) (any, error) {
	s := handler.ScopeOf(r)
	name, err := busRef(s, in.Name, "UpdateEventBus")
	if err != nil {
		return nil, err
	}
	if _, err := a.bus(ctx, s, name); err != nil {
		return nil, err
	}
	b, err := a.updateBus(ctx, s, name, func(b *Bus) error {
		if in.Description != nil {
			b.Description = *in.Description
		}
		if in.KmsKeyIdentifier != nil {
			b.KmsKeyIdentifier = *in.KmsKeyIdentifier
		}
		if in.DeadLetterConfig != nil {
			b.DeadLetterArn = dlq(in.DeadLetterConfig)
		}
		if in.LogConfig != nil {
			b.LogConfig = logConfigIn(in.LogConfig)
		}
		b.Modified = time.Now().UTC()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &events.UpdateEventBusResponse{
		Arn: awsapi.Ptr(b.Arn()), Name: awsapi.Ptr(b.Name), Description: awsapi.Optional(b.Description),
		KmsKeyIdentifier: awsapi.Optional(b.KmsKeyIdentifier), DeadLetterConfig: dlqOut(b.DeadLetterArn),
		LogConfig: logConfigOut(b.LogConfig),
	}, nil
}
