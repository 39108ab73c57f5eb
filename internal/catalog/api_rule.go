package catalog

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsapi/handler"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/pattern"
	"github.com/switchyard/switchyard/internal/schedexpr"
)

// validSchedule reports whether EventBridge accepts a ScheduleExpression.
func validSchedule(expr string) bool {
	_, err := schedexpr.Parse(expr)
	return err == nil
}

// PatternError turns a pattern parse failure into AWS's
// InvalidEventPatternException.
func PatternError(err error) error {
	var pe *pattern.Error
	if errors.As(err, &pe) {
		return events.ErrInvalidEventPatternException("%s", pe.Error())
	}
	return err
}

func (a *API) putRule(ctx context.Context, r *awsproto.Request, in *events.PutRuleRequest) (any, error) {
	s := handler.ScopeOf(r)
	bus, err := busRef(s, in.EventBusName, "PutRule")
	if err != nil {
		return nil, err
	}
	pat, sched := awsapi.Value(in.EventPattern), awsapi.Value(in.ScheduleExpression)
	if pat == "" && sched == "" {
		return nil, events.ErrValidationException("Parameter(s) EventPattern or ScheduleExpression must be specified.")
	}
	if pat != "" {
		if _, err := pattern.Parse(pat); err != nil {
			return nil, PatternError(err)
		}
	}
	if sched != "" {
		if bus != DefaultBus {
			return nil, events.ErrValidationException("ScheduleExpression is supported only on the default event bus.")
		}
		if !validSchedule(sched) {
			return nil, events.ErrValidationException("Parameter ScheduleExpression is not valid.")
		}
	}
	if _, err := a.bus(ctx, s, bus); err != nil {
		return nil, err
	}
	state := StateEnabled
	if in.State != nil {
		state = string(*in.State)
	}
	rule, err := a.cat.UpdateRule(ctx, s, bus, awsapi.Value(in.Name), func(old *Rule) (*Rule, error) {
		now := time.Now().UTC()
		nr := &Rule{
			Scope: s, Name: awsapi.Value(in.Name), Bus: bus, EventPattern: pat, ScheduleExpression: sched,
			State: state, Description: awsapi.Value(in.Description), RoleArn: awsapi.Value(in.RoleArn),
			CreatedBy: s.Account, Tags: tagsFrom(in.Tags), Created: now, ScheduleAnchor: now,
		}
		if old != nil {
			nr.Targets, nr.Tags, nr.Created, nr.ManagedBy, nr.CreatedBy = old.Targets, old.Tags, old.Created, old.ManagedBy, old.CreatedBy
			if in.State == nil {
				nr.State = old.State
			}
			// A rate keeps its phase unless the expression changes or the
			// rule comes back from being disabled.
			if old.ScheduleExpression == sched && (old.Enabled() || !nr.Enabled()) && !old.ScheduleAnchor.IsZero() {
				nr.ScheduleAnchor = old.ScheduleAnchor
			}
		}
		return nr, nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil, errBusNotFound(bus)
	}
	if err != nil {
		return nil, err
	}
	return &events.PutRuleResponse{RuleArn: awsapi.Ptr(rule.Arn())}, nil
}

func (a *API) rule(s Scope, bus, name string) (*Rule, error) {
	if bus != DefaultBus {
		if _, ok := a.cat.Bus(s, bus); !ok {
			return nil, errBusNotFound(bus)
		}
	}
	r, ok := a.cat.Rule(s, bus, name)
	if !ok {
		return nil, errRuleNotFound(name, bus)
	}
	return r, nil
}

func (a *API) deleteRule(ctx context.Context, r *awsproto.Request, in *events.DeleteRuleRequest) (any, error) {
	s := handler.ScopeOf(r)
	bus, err := busRef(s, in.EventBusName, "DeleteRule")
	if err != nil {
		return nil, err
	}
	if bus != DefaultBus {
		if _, ok := a.cat.Bus(s, bus); !ok {
			return nil, errBusNotFound(bus)
		}
	}
	// Force only applies to managed rules (created by another service).
	force := in.Force != nil && *in.Force
	err = a.cat.DeleteRule(ctx, s, bus, awsapi.Value(in.Name), func(rule *Rule) error {
		if rule.ManagedBy != "" && !force {
			return events.ErrManagedRuleException("Rule %s is managed by %s and can only be deleted with Force.", rule.Name, rule.ManagedBy)
		}
		if len(rule.Targets) > 0 && !(force && rule.ManagedBy != "") {
			return events.ErrValidationException("Rule can't be deleted since it has targets.")
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	return struct{}{}, nil
}

func ruleOut(r *Rule) events.Rule {
	st := events.RuleState(r.State)
	return events.Rule{
		Name: awsapi.Ptr(r.Name), Arn: awsapi.Ptr(r.Arn()), EventPattern: awsapi.Optional(r.EventPattern),
		State: &st, Description: awsapi.Optional(r.Description), ScheduleExpression: awsapi.Optional(r.ScheduleExpression),
		RoleArn: awsapi.Optional(r.RoleArn), ManagedBy: awsapi.Optional(r.ManagedBy), EventBusName: awsapi.Ptr(r.Bus),
	}
}

func (a *API) describeRule(ctx context.Context, r *awsproto.Request, in *events.DescribeRuleRequest) (any, error) {
	bus, err := busRef(handler.ScopeOf(r), in.EventBusName, "DescribeRule")
	if err != nil {
		return nil, err
	}
	rule, err := a.rule(handler.ScopeOf(r), bus, awsapi.Value(in.Name))
	if err != nil {
		return nil, err
	}
	o := ruleOut(rule)
	return &events.DescribeRuleResponse{
		Name: o.Name, Arn: o.Arn, EventPattern: o.EventPattern, ScheduleExpression: o.ScheduleExpression,
		State: o.State, Description: o.Description, RoleArn: o.RoleArn, ManagedBy: o.ManagedBy,
		EventBusName: o.EventBusName, CreatedBy: awsapi.Optional(rule.CreatedBy),
	}, nil
}

func (a *API) listRules(ctx context.Context, r *awsproto.Request, in *events.ListRulesRequest) (any, error) {
	s := handler.ScopeOf(r)
	bus, err := busRef(s, in.EventBusName, "ListRules")
	if err != nil {
		return nil, err
	}
	if _, err := a.bus(ctx, s, bus); err != nil {
		return nil, err
	}
	var rules []*Rule
	for _, rule := range a.cat.Rules(s, bus) {
		if strings.HasPrefix(rule.Name, awsapi.Value(in.NamePrefix)) {
			rules = append(rules, rule)
		}
	}
	pg, next, err := handler.Page(rules, func(r *Rule) string { return r.Name }, in.NextToken, in.Limit, 100)
	if err != nil {
		return nil, err
	}
	out := &events.ListRulesResponse{Rules: []events.Rule{}, NextToken: next}
	for _, rule := range pg {
		out.Rules = append(out.Rules, ruleOut(rule))
	}
	return out, nil
}

func (a *API) setState(ctx context.Context, r *awsproto.Request, name, bus, state string) (any, error) {
	s := handler.ScopeOf(r)
	if _, err := a.rule(s, bus, name); err != nil {
		return nil, err
	}
	_, err := a.cat.UpdateRule(ctx, s, bus, name, func(old *Rule) (*Rule, error) {
		if old == nil {
			return nil, errRuleNotFound(name, bus)
		}
		if !old.Enabled() && state != StateDisabled {
			old.ScheduleAnchor = time.Now().UTC()
		}
		old.State = state
		return old, nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil, errRuleNotFound(name, bus)
	}
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (a *API) enableRule(ctx context.Context, r *awsproto.Request, in *events.EnableRuleRequest) (any, error) {
	bus, err := busRef(handler.ScopeOf(r), in.EventBusName, "EnableRule")
	if err != nil {
		return nil, err
	}
	return a.setState(ctx, r, awsapi.Value(in.Name), bus, StateEnabled)
}

func (a *API) disableRule(ctx context.Context, r *awsproto.Request, in *events.DisableRuleRequest) (any, error) {
	bus, err := busRef(handler.ScopeOf(r), in.EventBusName, "DisableRule")
	if err != nil {
		return nil, err
	}
	return a.setState(ctx, r, awsapi.Value(in.Name), bus, StateDisabled)
}

func (a *API) listRuleNamesByTarget(ctx context.Context, r *awsproto.Request, in *events.ListRuleNamesByTargetRequest) (any, error) {
	s := handler.ScopeOf(r)
	bus, err := busRef(s, in.EventBusName, "ListRuleNamesByTarget")
	if err != nil {
		return nil, err
	}
	if _, err := a.bus(ctx, s, bus); err != nil {
		return nil, err
	}
	var names []string
	for _, rule := range a.cat.Rules(s, bus) {
		for _, t := range rule.Targets {
			if t.Arn == awsapi.Value(in.TargetArn) {
				names = append(names, rule.Name)
				break
			}
		}
	}
	pg, next, err := handler.Page(names, func(n string) string { return n }, in.NextToken, in.Limit, 100)
	if err != nil {
		return nil, err
	}
	return &events.ListRuleNamesByTargetResponse{RuleNames: append([]string{}, pg...), NextToken: next}, nil
}

func (a *API) testEventPattern(ctx context.Context, r *awsproto.Request, in *events.TestEventPatternRequest) (any, error) {
	ok, err := pattern.TestEventPattern(awsapi.Value(in.EventPattern), awsapi.Value(in.Event))
	switch {
	case errors.Is(err, pattern.ErrInvalidEvent):
		return nil, events.ErrValidationException("%s", pattern.ErrInvalidEvent.Error())
	case err != nil:
		return nil, PatternError(err)
	}
	return &events.TestEventPatternResponse{Result: &ok}, nil
}
