package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsapi/handler"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/transform"
)

// MaxTargetsPerRule is EventBridge's limit of targets on one rule.
const MaxTargetsPerRule = 5

func (a *API) putTargets(ctx context.Context, r *awsproto.Request, in *events.PutTargetsRequest) (any, error) {
	s := handler.ScopeOf(r)
	bus, err := busRef(s, in.EventBusName, "PutTargets")
	if err != nil {
		return nil, err
	}
	name := awsapi.Value(in.Rule)
	if _, err := a.rule(s, bus, name); err != nil {
		return nil, err
	}
	var add []Target
	for i := range in.Targets {
		t := &in.Targets[i]
		// The input transformation is checked as EventBridge checks it,
		// with its messages.
		if _, err := transform.Compile(awsapi.Value(t.Id), transform.ConfigOf(t)); err != nil {
			return nil, err
		}
		raw, err := json.Marshal(t)
		if err != nil {
			return nil, err
		}
		add = append(add, Target{ID: awsapi.Value(t.Id), Arn: awsapi.Value(t.Arn), Raw: raw})
	}
	_, err = a.cat.UpdateRule(ctx, s, bus, name, func(old *Rule) (*Rule, error) {
		if old == nil {
			return nil, errRuleNotFound(name, bus)
		}
		for _, t := range add {
			if i := slices.IndexFunc(old.Targets, func(o Target) bool { return o.ID == t.ID }); i >= 0 {
				old.Targets[i] = t
			} else {
				old.Targets = append(old.Targets, t)
			}
		}
		if len(old.Targets) > MaxTargetsPerRule {
			return nil, events.ErrLimitExceededException("The requested resource exceeds the maximum number allowed.")
		}
		return old, nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil, errBusNotFound(bus)
	}
	if err != nil {
		return nil, err
	}
	return &events.PutTargetsResponse{FailedEntryCount: awsapi.Ptr(int32(0)), FailedEntries: []events.PutTargetsResultEntry{}}, nil
}

func (a *API) removeTargets(ctx context.Context, r *awsproto.Request, in *events.RemoveTargetsRequest) (any, error) {
	s := handler.ScopeOf(r)
	bus, err := busRef(s, in.EventBusName, "RemoveTargets")
	if err != nil {
		return nil, err
	}
	name := awsapi.Value(in.Rule)
	if _, err := a.rule(s, bus, name); err != nil {
		return nil, err
	}
	_, err = a.cat.UpdateRule(ctx, s, bus, name, func(old *Rule) (*Rule, error) {
		if old == nil {
			return nil, errRuleNotFound(name, bus)
		}
		old.Targets = slices.DeleteFunc(old.Targets, func(t Target) bool { return slices.Contains(in.Ids, t.ID) })
		return old, nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil, errBusNotFound(bus)
	}
	if err != nil {
		return nil, err
	}
	return &events.RemoveTargetsResponse{FailedEntryCount: awsapi.Ptr(int32(0)), FailedEntries: []events.RemoveTargetsResultEntry{}}, nil
}

func (a *API) listTargetsByRule(ctx context.Context, r *awsproto.Request, in *events.ListTargetsByRuleRequest) (any, error) {
	bus, err := busRef(handler.ScopeOf(r), in.EventBusName, "ListTargetsByRule")
	if err != nil {
		return nil, err
	}
	rule, err := a.rule(handler.ScopeOf(r), bus, awsapi.Value(in.Rule))
	if err != nil {
		return nil, err
	}
	targets := slices.Clone(rule.Targets)
	slices.SortFunc(targets, func(x, y Target) int {
		switch {
		case x.ID < y.ID:
			return -1
		case x.ID > y.ID:
			return 1
		}
		return 0
	})
	pg, next, err := handler.Page(targets, func(t Target) string { return t.ID }, in.NextToken, in.Limit, 100)
	if err != nil {
		return nil, err
	}
	out := &events.ListTargetsByRuleResponse{Targets: []events.Target{}, NextToken: next}
	for _, t := range pg {
		var et events.Target
		if err := json.Unmarshal(t.Raw, &et); err != nil {
			return nil, err
		}
		out.Targets = append(out.Targets, et)
	}
	return out, nil
}
