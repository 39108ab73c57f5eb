package awsquery

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/switchyard/switchyard/internal/awsproto"
)

// Model is a botocore service model of the awsQuery protocol, reduced to
// what the wire format needs: operations (input, output, result wrapper)
// and shapes with their serialization traits (locationName, flattened,
// timestampFormat). Load one with LoadModel; it is safe for concurrent use
// once loaded (set the error hooks before serving).
type Model struct {
	APIVersion   string // "2012-11-05"
	XMLNamespace string // "http://queue.amazonaws.com/doc/2012-11-05/"
	ServiceID    string // "SQS"
	Protocol     string // "query"

	// InvalidParameter builds the error for a parameter whose value does
	// not parse as its shape's type (an integer, a boolean, base64...).
	// Nil means InvalidParameterValue (400), SQS's wording.
	InvalidParameter func(param, value, reason string) *awsproto.Error
	// MissingParameter builds the error for a map entry without its key
	// or value. Nil means MissingParameter (400), SQS's wording.
	MissingParameter func(param string) *awsproto.Error

	ops    map[string]*operation
	shapes map[string]*shape
}

type operation struct {
	name          string
	input, output *shape
	resultWrapper string
}

// ref is a shape as seen through a reference (structure member, list
// member, map key or value): the shape with the reference's traits laid
// over its own, as botocore resolves shape references.
type ref struct {
	shape *shape
	// name is the serialization name (locationName of the reference, else
	// of the shape); "" when neither has one.
	name            string
	flattened       bool
	timestampFormat string
}

type member struct {
	name string
	ref
}

type shape struct {
	name            string
	typ             string
	members         []member
	member          *ref // list
	key, value      *ref // map
	flattened       bool
	locationName    string
	timestampFormat string
}

// Model JSON, as botocore publishes it (unknown keys are ignored).
type jsonModel struct {
	Metadata struct {
		APIVersion   string `json:"apiVersion"`
		Protocol     string `json:"protocol"`
		ServiceID    string `json:"serviceId"`
		XMLNamespace string `json:"xmlNamespace"`
	} `json:"metadata"`
	Operations map[string]struct {
		Input  *jsonRef `json:"input"`
		Output *jsonRef `json:"output"`
	} `json:"operations"`
	Shapes map[string]*jsonShape `json:"shapes"`
}

type jsonRef struct {
	Shape           string `json:"shape"`
	LocationName    string `json:"locationName"`
	Flattened       *bool  `json:"flattened"`
	TimestampFormat string `json:"timestampFormat"`
	ResultWrapper   string `json:"resultWrapper"`
	Location        string `json:"location"`
}

type jsonMember struct {
	name string
	jsonRef
}

type jsonMembers []jsonMember

// UnmarshalJSON keeps the members in model order (XML output follows it).
func (m *jsonMembers) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("members: expected an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		var r jsonRef
		if err := dec.Decode(&r); err != nil {
			return fmt.Errorf("member %s: %w", name, err)
		}
		*m = append(*m, jsonMember{name, r})
	}
	_, err = dec.Token()
	return err
}

type jsonShape struct {
	Type            string      `json:"type"`
	Members         jsonMembers `json:"members"`
	Member          *jsonRef    `json:"member"`
	Key             *jsonRef    `json:"key"`
	Value           *jsonRef    `json:"value"`
	Flattened       bool        `json:"flattened"`
	LocationName    string      `json:"locationName"`
	TimestampFormat string      `json:"timestampFormat"`
}

// LoadModel reads a botocore model (JSON) of the awsQuery protocol: a
// service-2.json file as botocore publishes it, or the reduced copy the
// awsapi generator embeds in a generated package (QueryModel).
func LoadModel(data []byte) (*Model, error) {
	var jm jsonModel
	if err := json.Unmarshal(data, &jm); err != nil {
		return nil, fmt.Errorf("awsquery: model: %w", err)
	}
	if jm.Metadata.Protocol != "query" {
		return nil, fmt.Errorf("awsquery: model protocol %q: only the query protocol is supported", jm.Metadata.Protocol)
	}
	m := &Model{
		APIVersion:   jm.Metadata.APIVersion,
		XMLNamespace: jm.Metadata.XMLNamespace,
		ServiceID:    jm.Metadata.ServiceID,
		Protocol:     jm.Metadata.Protocol,
		ops:          map[string]*operation{},
		shapes:       map[string]*shape{},
	}
	for name, js := range jm.Shapes {
		m.shapes[name] = &shape{
			name: name, typ: js.Type, flattened: js.Flattened,
			locationName: js.LocationName, timestampFormat: js.TimestampFormat,
		}
	}
	resolve := func(where string, r *jsonRef) (*ref, error) {
		if r == nil {
			return nil, fmt.Errorf("awsquery: model: %s: missing shape reference", where)
		}
		s := m.shapes[r.Shape]
		if s == nil {
			return nil, fmt.Errorf("awsquery: model: %s: unknown shape %q", where, r.Shape)
		}
		if r.Location != "" {
			return nil, fmt.Errorf("awsquery: model: %s: HTTP-bound members are not part of the query protocol", where)
		}
		out := &ref{shape: s, name: s.locationName, flattened: s.flattened, timestampFormat: s.timestampFormat}
		if r.LocationName != "" {
			out.name = r.LocationName
		}
		if r.Flattened != nil {
			out.flattened = *r.Flattened
		}
		if r.TimestampFormat != "" {
			out.timestampFormat = r.TimestampFormat
		}
		return out, nil
	}
	for name, js := range jm.Shapes {
		s := m.shapes[name]
		var err error
		switch js.Type {
		case "structure":
			for _, mem := range js.Members {
				r, err := resolve("shape "+name+" member "+mem.name, &mem.jsonRef)
				if err != nil {
					return nil, err
				}
				s.members = append(s.members, member{mem.name, *r})
			}
		case "list":
			s.member, err = resolve("shape "+name+" member", js.Member)
		case "map":
			if s.key, err = resolve("shape "+name+" key", js.Key); err == nil {
				s.value, err = resolve("shape "+name+" value", js.Value)
			}
		case "string", "integer", "long", "float", "double", "boolean", "timestamp", "blob":
		default:
			err = fmt.Errorf("awsquery: model: shape %s: unsupported type %q", name, js.Type)
		}
		if err != nil {
			return nil, err
		}
	}
	for name, jo := range jm.Operations {
		op := &operation{name: name}
		if jo.Input != nil {
			r, err := resolve("operation "+name+" input", jo.Input)
			if err != nil {
				return nil, err
			}
			op.input = r.shape
		}
		if jo.Output != nil {
			r, err := resolve("operation "+name+" output", jo.Output)
			if err != nil {
				return nil, err
			}
			op.output = r.shape
			op.resultWrapper = jo.Output.ResultWrapper
			if op.resultWrapper == "" {
				op.resultWrapper = name + "Result"
			}
		}
		for _, s := range []*shape{op.input, op.output} {
			if s != nil && s.typ != "structure" {
				return nil, fmt.Errorf("awsquery: model: operation %s: input/output %s is not a structure", name, s.name)
			}
		}
		m.ops[name] = op
	}
	return m, nil
}

// MustLoadModel is LoadModel for models compiled into the program; it
// panics on error.
func MustLoadModel(data []byte) *Model {
	m, err := LoadModel(data)
	if err != nil {
		panic(err)
	}
	return m
}

// Operations returns the model's operation names, sorted.
func (m *Model) Operations() []string {
	names := make([]string, 0, len(m.ops))
	for n := range m.ops {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// HasOperation reports whether op is an operation of the model.
func (m *Model) HasOperation(op string) bool { return m.ops[op] != nil }

// HasInputMember reports whether the input of op has a top-level member of
// that name (for example QueueUrl).
func (m *Model) HasInputMember(op, name string) bool {
	o := m.ops[op]
	if o == nil || o.input == nil {
		return false
	}
	for _, mem := range o.input.members {
		if mem.name == name {
			return true
		}
	}
	return false
}
