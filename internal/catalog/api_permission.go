package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsapi/handler"
	"github.com/switchyard/switchyard/internal/awsproto"
)

// statement is one statement of a bus policy as PutPermission writes it.
type statement struct {
	Sid       string          `json:"Sid"`
	Effect    string          `json:"Effect"`
	Principal json.RawMessage `json:"Principal"`
	Action    string          `json:"Action"`
	Resource  string          `json:"Resource"`
	Condition json.RawMessage `json:"Condition,omitempty"`
}

func sidOf(raw json.RawMessage) string {
	var s struct {
		Sid string `json:"Sid"`
	}
	_ = json.Unmarshal(raw, &s)
	return s.Sid
}

// putPermission stores a statement on the bus policy. The policy is
// returned by DescribeEventBus; cross-account enforcement comes later.
func (a *API) putPermission(ctx context.Context, r *awsproto.Request, in *events.PutPermissionRequest) (any, error) {
	s := handler.ScopeOf(r)
	name, err := busRef(s, in.EventBusName, "PutPermission")
	if err != nil {
		return nil, err
	}
	b, err := a.bus(ctx, s, name)
	if err != nil {
		return nil, err
	}
	var replace *Policy
	var add json.RawMessage
	if p := awsapi.Value(in.Policy); p != "" {
		var pol Policy
		if err := json.Unmarshal([]byte(p), &pol); err != nil {
			return nil, events.ErrValidationException("Parameter Policy is not valid.")
		}
		if pol.Version == "" {
			pol.Version = "2012-10-17"
		}
		replace = &pol
	} else {
		if awsapi.Value(in.Action) != "events:PutEvents" {
			return nil, events.ErrValidationException("Provided value in parameter 'action' is not supported.")
		}
		if awsapi.Value(in.StatementId) == "" || awsapi.Value(in.Principal) == "" {
			return nil, events.ErrValidationException("Parameter(s) StatementId and Principal must be specified.")
		}
		st := statement{Sid: awsapi.Value(in.StatementId), Effect: "Allow", Action: "events:PutEvents", Resource: b.Arn()}
		if p := awsapi.Value(in.Principal); p == "*" {
			st.Principal = json.RawMessage(`"*"`)
		} else {
			st.Principal, _ = json.Marshal(map[string]string{"AWS": fmt.Sprintf("arn:aws:iam::%s:root", p)})
		}
		if c := in.Condition; c != nil {
			st.Condition, _ = json.Marshal(map[string]map[string]string{awsapi.Value(c.Type): {awsapi.Value(c.Key): awsapi.Value(c.Value)}})
		}
		add, _ = json.Marshal(st)
	}
	_, err = a.updateBus(ctx, s, name, func(b *Bus) error {
		if replace != nil {
			b.Policy = replace
		} else {
			if b.Policy == nil {
				b.Policy = &Policy{Version: "2012-10-17"}
			}
			sid := sidOf(add)
			b.Policy.Statement = slices.DeleteFunc(slices.Clone(b.Policy.Statement), func(x json.RawMessage) bool { return sidOf(x) == sid })
			b.Policy.Statement = append(b.Policy.Statement, add)
		}
		b.Modified = time.Now().UTC()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (a *API) removePermission(ctx context.Context, r *awsproto.Request, in *events.RemovePermissionRequest) (any, error) {
	s := handler.ScopeOf(r)
	name, err := busRef(s, in.EventBusName, "RemovePermission")
	if err != nil {
		return nil, err
	}
	if _, err := a.bus(ctx, s, name); err != nil {
		return nil, err
	}
	all := in.RemoveAllPermissions != nil && *in.RemoveAllPermissions
	sid := awsapi.Value(in.StatementId)
	if !all && sid == "" {
		return nil, events.ErrValidationException("Parameter StatementId must be specified.")
	}
	_, err = a.updateBus(ctx, s, name, func(b *Bus) error {
		if all {
			b.Policy = nil
			return nil
		}
		if b.Policy == nil || !slices.ContainsFunc(b.Policy.Statement, func(x json.RawMessage) bool { return sidOf(x) == sid }) {
			return events.ErrResourceNotFoundException("Statement with the provided id does not exist.")
		}
		b.Policy.Statement = slices.DeleteFunc(slices.Clone(b.Policy.Statement), func(x json.RawMessage) bool { return sidOf(x) == sid })
		if len(b.Policy.Statement) == 0 {
			b.Policy = nil
		}
		b.Modified = time.Now().UTC()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}
