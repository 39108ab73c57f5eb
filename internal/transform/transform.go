package transform

import (
	"fmt"
	"sort"
	"sync"
	"time"
)

// Config is a target's input configuration, as PutTargets receives it.
// At most one of Input, InputPath and the input transformer (PathsMap and
// Template) may be set; none means the target receives the whole event.
type Config struct {
	// Input is constant JSON text sent instead of the event (Target.Input).
	Input *string
	// InputPath selects the part of the event sent (Target.InputPath).
	InputPath *string
	// PathsMap names values of the event for Template
	// (InputTransformer.InputPathsMap): up to 100 entries, each key
	// [A-Za-z0-9_-]{1,256}, each value a JSONPath of at most 256
	// characters.
	PathsMap map[string]string
	// Template is the text sent, with <name> placeholders
	// (InputTransformer.InputTemplate, 1 to 8192 characters). Setting
	// PathsMap or Template means an input transformer is configured.
	Template *string
}

// Context is what Apply needs besides the event: the values of the
// reserved variables <aws.events.rule-arn>, <aws.events.rule-name> and
// <aws.events.event.ingestion-time>.
type Context struct {
	RuleArn, RuleName string
	// IngestionTime is when EventBridge received the event. When zero, the
	// event's own "time" is used.
	IngestionTime time.Time
}

type mode uint8

const (
	modeEvent mode = iota
	modeInput
	modePath
	modeTemplate
)

// Transformer applies one target's input configuration to events. It is
// safe for concurrent use.
type Transformer struct {
	mode  mode
	input []byte
	paths tree
	slot  int // modePath: the InputPath's slot
	tpl   *template
	// slots of the event fields <aws.events.event> is built from, and of
	// $ and $.time, when the template needs them.
	eventSlots [len(eventFields)]int
	rootSlot   int
	timeSlot   int
	pool       sync.Pool // *found
}

// eventFields are the members of <aws.events.event>, in the order AWS
// writes them, with the event member each one comes from. The order and
// the detailType name are from an AWS-recorded delivery (LocalStack
// snapshot test_input_transformer_predefined_variables).
var eventFields = [...]struct{ name, from string }{
	{"id", "id"}, {"account", "account"}, {"detailType", "detail-type"}, {"time", "time"},
	{"source", "source"}, {"region", "region"}, {"resources", "resources"}, {"version", "version"},
}

const (
	maxTemplate  = 8192
	maxInput     = 8192
	maxPath      = 256
	maxPathsMap  = 100
	ingestLayout = "2006-01-02T15:04:05Z"
)

// Compile validates a target's input configuration as PutTargets does and
// prepares it for Apply. The error is a *ValidationError carrying AWS's
// ValidationException message.
func Compile(targetID string, c Config) (*Transformer, error) {
	if err := checkModel(targetID, c); err != nil {
		return nil, err
	}
	transformer := c.PathsMap != nil || c.Template != nil
	n := 0
	for _, set := range []bool{c.Input != nil, c.InputPath != nil, transformer} {
		if set {
			n++
		}
	}
	if n > 1 {
		return nil, errOnlyOne(targetID)
	}
	t := &Transformer{}
	t.pool.New = func() any { return &found{} }
	switch {
	case c.Input != nil:
		if off := jacksonError(*c.Input); off >= 0 {
			return nil, errInputJSON(targetID, *c.Input, off)
		}
		t.mode = modeInput
		t.input = []byte(*c.Input)
	case c.InputPath != nil:
		p, why := parsePath(*c.InputPath)
		if p == nil {
			return nil, errInputPath(targetID, *c.InputPath, why)
		}
		t.mode = modePath
		t.slot = t.paths.add(p)
	case transformer:
		if err := t.compileTransformer(targetID, c); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// checkModel repeats the model constraints awsapi enforces on the wire.
func checkModel(id string, c Config) error {
	if c.Input != nil && javaLen(*c.Input) > maxInput {
		return errConstraint(id, *c.Input, "input", maxLenConstraint(maxInput))
	}
	if c.InputPath != nil && javaLen(*c.InputPath) > maxPath {
		return errConstraint(id, *c.InputPath, "inputPath", maxLenConstraint(maxPath))
	}
	if c.PathsMap == nil && c.Template == nil {
		return nil
	}
	const at = "inputTransformer.inputPathsMap"
	if len(c.PathsMap) > maxPathsMap {
		return errConstraint(id, renderMap(c.PathsMap), at, maxLenConstraint(maxPathsMap))
	}
	for k := range c.PathsMap {
		if !validKey(k) {
			return errConstraint(id, renderMap(c.PathsMap), at, keyConstraint)
		}
	}
	for _, v := range c.PathsMap {
		if javaLen(v) > maxPath {
			return errConstraint(id, renderMap(c.PathsMap), at, valConstraint)
		}
	}
	switch {
	case c.Template == nil:
		return errNull(id, "inputTransformer.inputTemplate")
	case *c.Template == "":
		return errConstraint(id, "", "inputTransformer.inputTemplate", "Member must have length greater than or equal to 1")
	case javaLen(*c.Template) > maxTemplate:
		return errConstraint(id, *c.Template, "inputTransformer.inputTemplate", maxLenConstraint(maxTemplate))
	}
	return nil
}

func (t *Transformer) compileTransformer(id string, c Config) error {
	t.mode = modeTemplate
	// Placeholders are checked first (the message AWS records), then the
	// paths, in key order so the error is deterministic.
	keys := make([]string, 0, len(c.PathsMap))
	for k := range c.PathsMap {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	resolve := func(name string) (varKind, bool) {
		switch name {
		case varRuleArn:
			return kindRuleArn, true
		case varRuleName:
			return kindRuleName, true
		case varIngestionTime:
			return kindIngestion, true
		case varEvent:
			return kindEvent, true
		case varEventJSON:
			return kindEventJSON, true
		}
		_, ok := c.PathsMap[name]
		return kindPath, ok
	}
	tpl, err := compileTemplate(id, *c.Template, resolve)
	if err != nil {
		return err
	}
	slots := map[string]int{}
	for _, k := range keys {
		p, why := parsePath(c.PathsMap[k])
		if p == nil {
			return errPathsMapPath(id, k, c.PathsMap[k], why)
		}
		slots[k] = t.paths.add(p)
	}
	t.rootSlot, t.timeSlot = -1, -1
	for i := range t.eventSlots {
		t.eventSlots[i] = -1
	}
	for i := range tpl.segs {
		s := &tpl.segs[i]
		switch s.kind {
		case kindPath:
			s.slot = slots[s.name]
		case kindIngestion:
			t.timeSlot = t.paths.add(mustPath("$.time"))
		case kindEvent:
			t.timeSlot = t.paths.add(mustPath("$.time"))
			for i, f := range eventFields {
				t.eventSlots[i] = t.paths.add(&path{steps: []step{{kind: stepName, name: f.from}}})
			}
		case kindEventJSON:
			t.rootSlot = t.paths.add(&path{})
		}
	}
	t.tpl = tpl
	return nil
}

func mustPath(s string) *path {
	p, why := parsePath(s)
	if p == nil {
		panic("transform: " + s + ": " + why)
	}
	return p
}

// Apply returns what the target receives for event (a JSON object, as
// EventBridge builds it): the payload as an SQS message body would carry
// it. It reads event without keeping it; the result is a new slice except
// when the configuration is empty (the event itself is returned).
//
// Apply fails only for an event that is not valid JSON, and, with
// ErrNothingSelected, when an InputPath selects nothing.
func (t *Transformer) Apply(event []byte, ctx Context) ([]byte, error) {
	switch t.mode {
	case modeEvent:
		return event, nil
	case modeInput:
		return append([]byte(nil), t.input...), nil
	}
	f := t.pool.Get().(*found)
	defer t.pool.Put(f)
	if err := t.paths.scan(event, f); err != nil {
		return nil, fmt.Errorf("transform: event is not valid JSON: %w", err)
	}
	if t.mode == modePath {
		if t.paths.many[t.slot] {
			return appendList(nil, event, f.list[t.slot], ctxValue), nil
		}
		s := f.one[t.slot]
		if s.start < 0 {
			return nil, ErrNothingSelected
		}
		return appendCompact(make([]byte, 0, s.end-s.start), event[s.start:s.end]), nil
	}
	return t.render(event, f, ctx), nil
}

// String describes the configuration, for logs.
func (t *Transformer) String() string {
	switch t.mode {
	case modeInput:
		return "Input"
	case modePath:
		return "InputPath"
	case modeTemplate:
		if t.tpl.json {
			return "InputTransformer (JSON template)"
		}
		return "InputTransformer (text template)"
	}
	return "whole event"
}
