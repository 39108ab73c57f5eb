package catalog

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/switchyard/switchyard/internal/arn"
	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsproto"
)

// resource names a taggable resource by ARN: a bus or a rule.
type resource struct {
	scope     Scope
	bus, rule string
}

func parseResourceArn(v string) (resource, error) {
	a, err := arn.Parse(v)
	if err != nil || a.Service != "events" {
		return resource{}, events.ErrValidationException("Parameter ResourceARN is not valid.")
	}
	res := resource{scope: a.Scope()}
	if bus, ok := a.ResourceOf("event-bus"); ok && strings.HasPrefix(a.Resource, "event-bus/") {
		res.bus = bus
		return res, nil
	}
	_, bus, rule, ok := RuleOfArn(v)
	if !ok {
		return resource{}, events.ErrValidationException("Parameter ResourceARN is not valid.")
	}
	res.bus, res.rule = bus, rule
	return res, nil
}

func (a *API) resolve(ctx context.Context, arn string) (resource, error) {
	res, err := parseResourceArn(arn)
	if err != nil {
		return res, err
	}
	if res.rule == "" {
		if res.bus == DefaultBus {
			_, err = a.cat.EnsureDefaultBus(ctx, res.scope)
			return res, err
		}
		if _, ok := a.cat.Bus(res.scope, res.bus); !ok {
			return res, errBusNotFound(res.bus)
		}
		return res, nil
	}
	if _, ok := a.cat.Rule(res.scope, res.bus, res.rule); !ok {
		return res, errRuleNotFound(res.rule, res.bus)
	}
	return res, nil
}

func mergeTags(old []Tag, add []Tag) []Tag {
	for _, t := range add {
		if i := slices.IndexFunc(old, func(o Tag) bool { return o.Key == t.Key }); i >= 0 {
			old[i] = t
		} else {
			old = append(old, t)
		}
	}
	return old
}

func (a *API) updateTags(ctx context.Context, res resource, fn func([]Tag) []Tag) error {
	var err error
	if res.rule == "" {
		_, err = a.cat.UpdateBus(ctx, res.scope, res.bus, func(b *Bus) error {
			b.Tags = fn(b.Tags)
			return nil
		})
		if errors.Is(err, ErrNotFound) {
			return errBusNotFound(res.bus)
		}
		return err
	}
	_, err = a.cat.UpdateRule(ctx, res.scope, res.bus, res.rule, func(old *Rule) (*Rule, error) {
		if old == nil {
			return nil, errRuleNotFound(res.rule, res.bus)
		}
		old.Tags = fn(old.Tags)
		return old, nil
	})
	if errors.Is(err, ErrNotFound) {
		return errRuleNotFound(res.rule, res.bus)
	}
	return err
}

func (a *API) tagResource(ctx context.Context, r *awsproto.Request, in *events.TagResourceRequest) (any, error) {
	res, err := a.resolve(ctx, awsapi.Value(in.ResourceARN))
	if err != nil {
		return nil, err
	}
	add := tagsFrom(in.Tags)
	if err := a.updateTags(ctx, res, func(t []Tag) []Tag { return mergeTags(t, add) }); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (a *API) untagResource(ctx context.Context, r *awsproto.Request, in *events.UntagResourceRequest) (any, error) {
	res, err := a.resolve(ctx, awsapi.Value(in.ResourceARN))
	if err != nil {
		return nil, err
	}
	err = a.updateTags(ctx, res, func(t []Tag) []Tag {
		return slices.DeleteFunc(t, func(x Tag) bool { return slices.Contains(in.TagKeys, x.Key) })
	})
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (a *API) listTagsForResource(ctx context.Context, r *awsproto.Request, in *events.ListTagsForResourceRequest) (any, error) {
	res, err := a.resolve(ctx, awsapi.Value(in.ResourceARN))
	if err != nil {
		return nil, err
	}
	var tags []Tag
	if res.rule == "" {
		if b, ok := a.cat.Bus(res.scope, res.bus); ok {
			tags = b.Tags
		}
	} else if rule, ok := a.cat.Rule(res.scope, res.bus, res.rule); ok {
		tags = rule.Tags
	}
	return &events.ListTagsForResourceResponse{Tags: tagsTo(tags)}, nil
}
