package catalog

import (
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/switchyard/switchyard/internal/arn"
	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/store"
	"github.com/switchyard/switchyard/internal/transform"
)

// Scope is an account and region: every resource lives in one.
type Scope = arn.Scope

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Bus is an event bus.
type Bus struct {
	Scope
	Name             string          `json:"name"`
	Description      string          `json:"description,omitempty"`
	KmsKeyIdentifier string          `json:"kmsKeyIdentifier,omitempty"`
	DeadLetterArn    string          `json:"deadLetterArn,omitempty"`
	Policy           *Policy         `json:"policy,omitempty"`
	Tags             []Tag           `json:"tags,omitempty"`
	EventSourceName  string          `json:"eventSourceName,omitempty"`
	LogConfig        json.RawMessage `json:"logConfig,omitempty"`
	Created          time.Time       `json:"created"`
	Modified         time.Time       `json:"modified"`
}

// Arn returns the bus ARN.
func (b *Bus) Arn() string { return BusArn(b.Scope, b.Name) }

// BusArn returns the ARN of bus name in scope.
func BusArn(s Scope, name string) string {
	return s.In("events", "event-bus/"+name).String()
}

// Policy is a bus's resource policy: a list of statements, as PutPermission
// builds them (or a whole policy document set with Policy).
type Policy struct {
	Version   string            `json:"Version"`
	Statement []json.RawMessage `json:"Statement"`
}

// Rule is a rule on a bus, with its targets.
type Rule struct {
	Scope
	Name               string    `json:"name"`
	Bus                string    `json:"bus"`
	EventPattern       string    `json:"eventPattern,omitempty"`
	ScheduleExpression string    `json:"scheduleExpression,omitempty"`
	State              string    `json:"state"`
	Description        string    `json:"description,omitempty"`
	RoleArn            string    `json:"roleArn,omitempty"`
	ManagedBy          string    `json:"managedBy,omitempty"`
	CreatedBy          string    `json:"createdBy,omitempty"`
	Tags               []Tag     `json:"tags,omitempty"`
	Targets            []Target  `json:"targets,omitempty"`
	Created            time.Time `json:"created"`
	// ScheduleAnchor is when a rate() schedule starts counting: when the
	// rule got its schedule expression or was last enabled.
	ScheduleAnchor time.Time `json:"scheduleAnchor,omitzero"`
}

// Rule states.
const (
	StateEnabled  = "ENABLED"
	StateDisabled = "DISABLED"
	// StateEnabledWithAllCloudTrail is accepted and behaves as ENABLED.
	StateEnabledWithAllCloudTrail = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
)

// Enabled reports whether the rule routes events.
func (r *Rule) Enabled() bool { return r.State != StateDisabled }

// Arn returns the rule ARN (rules on custom buses include the bus name).
func (r *Rule) Arn() string { return RuleArn(r.Scope, r.Bus, r.Name) }

// RuleArn returns the ARN of rule name on bus in scope.
func RuleArn(s Scope, bus, name string) string {
	if bus == DefaultBus {
		return s.In("events", "rule/"+name).String()
	}
	return s.In("events", "rule/"+bus+"/"+name).String()
}

// RuleOfArn reads a rule ARN, arn:aws:events:<region>:<account>:rule/
// [<bus>/]<name> (no bus: the default bus).
func RuleOfArn(v string) (s Scope, bus, name string, ok bool) {
	a, err := arn.Parse(v)
	if err != nil || a.Service != "events" {
		return s, "", "", false
	}
	rest, found := strings.CutPrefix(a.Resource, "rule/")
	if !found || rest == "" {
		return s, "", "", false
	}
	bus, name = DefaultBus, rest
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		bus, name = rest[:i], rest[i+1:]
	}
	return a.Scope(), bus, name, name != "" && bus != ""
}

// Target is one target of a rule, kept exactly as the client sent it
// (Raw, the API's Target structure) so it can be returned unchanged.
type Target struct {
	ID  string          `json:"id"`
	Arn string          `json:"arn"`
	Raw json.RawMessage `json:"raw"`

	// tr is the target's input transformation, compiled when first used
	// and kept with the rule (so it goes when the rule does); nil on a
	// Target not read from the catalog (a filed delivery task).
	tr *lazyTransform
}

type lazyTransform struct {
	once sync.Once
	tr   *transform.Transformer
	err  error
}

// Transformer returns the target's compiled input transformation (Input,
// InputPath or InputTransformer; none passes the whole event).
func (t *Target) Transformer() (*transform.Transformer, error) {
	if t.tr == nil {
		return compileTarget(t.ID, t.Raw)
	}
	t.tr.once.Do(func() { t.tr.tr, t.tr.err = compileTarget(t.ID, t.Raw) })
	return t.tr.tr, t.tr.err
}

func compileTarget(id string, raw json.RawMessage) (*transform.Transformer, error) {
	var et events.Target
	if err := json.Unmarshal(raw, &et); err != nil {
		return nil, err
	}
	return transform.Compile(id, transform.ConfigOf(&et))
}

// DefaultBus is the name of the bus every account and region has.
const DefaultBus = "default"

// Kinds of key in the bucket (see store.RecordKey): bus.<account>.<region>.
// <name> and rule.<account>.<region>.<bus>.<name>.
const (
	kindBus  = "bus"
	kindRule = "rule"
)

func busKey(s Scope, name string) string {
	return store.RecordKey(kindBus, s.Account, s.Region, name)
}

func ruleKey(s Scope, bus, name string) string {
	return store.RecordKey(kindRule, s.Account, s.Region, bus, name)
}

// parseKey splits a key into kind, scope and decoded names.
func parseKey(key string) (kind string, s Scope, names []string, err error) {
	kind, s.Account, s.Region, names, err = store.SplitRecordKey(key)
	return kind, s, names, err
}
