package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

// Model is the part of a botocore service model (JSON) the generator uses.
type Model struct {
	Metadata   Metadata              `json:"metadata"`
	Operations map[string]*Operation `json:"operations"`
	Shapes     map[string]*Shape     `json:"shapes"`
}

// Metadata is the model's "metadata" object.
type Metadata struct {
	APIVersion         string          `json:"apiVersion"`
	EndpointPrefix     string          `json:"endpointPrefix"`
	JSONVersion        string          `json:"jsonVersion"`
	Protocol           string          `json:"protocol"`
	ServiceFullName    string          `json:"serviceFullName"`
	ServiceID          string          `json:"serviceId"`
	SigningName        string          `json:"signingName"`
	TargetPrefix       string          `json:"targetPrefix"`
	AWSQueryCompatible json.RawMessage `json:"awsQueryCompatible"`
	XMLNamespace       string          `json:"xmlNamespace"`
}

// Operation is one entry of the model's "operations".
type Operation struct {
	Name          string     `json:"name"`
	Input         *ShapeRef  `json:"input"`
	Output        *ShapeRef  `json:"output"`
	Errors        []ShapeRef `json:"errors"`
	Documentation string     `json:"documentation"`
	Deprecated    bool       `json:"deprecated"`
}

// ShapeRef is a reference to a shape (structure member, list member, map
// key/value, operation input/output/error).
type ShapeRef struct {
	Shape             string `json:"shape"`
	Documentation     string `json:"documentation"`
	LocationName      string `json:"locationName"`
	JSONName          string `json:"jsonName"`
	Deprecated        bool   `json:"deprecated"`
	DeprecatedMessage string `json:"deprecatedMessage"`
	// awsQuery serialization traits (kept in QueryModel).
	Flattened       *bool  `json:"flattened"`
	TimestampFormat string `json:"timestampFormat"`
	ResultWrapper   string `json:"resultWrapper"`
	// Traits the generator does not support on members.
	Location     string `json:"location"`
	EventPayload bool   `json:"eventpayload"`
	Streaming    bool   `json:"streaming"`
}

// Member is a named structure member, kept in model order.
type Member struct {
	Name string
	ShapeRef
}

// Members is a structure's members in model order.
type Members []Member

// UnmarshalJSON decodes the members object keeping the key order.
func (m *Members) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("members: expected object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name := tok.(string)
		var ref ShapeRef
		if err := dec.Decode(&ref); err != nil {
			return fmt.Errorf("member %s: %w", name, err)
		}
		*m = append(*m, Member{Name: name, ShapeRef: ref})
	}
	_, err = dec.Token()
	return err
}

// ErrorTrait is a shape's "error" object.
type ErrorTrait struct {
	Code           string `json:"code"`
	HTTPStatusCode int    `json:"httpStatusCode"`
	SenderFault    *bool  `json:"senderFault"`
}

// Shape is one entry of the model's "shapes".
type Shape struct {
	Type              string       `json:"type"`
	Members           Members      `json:"members"`
	Required          []string     `json:"required"`
	Member            *ShapeRef    `json:"member"`
	Key               *ShapeRef    `json:"key"`
	Value             *ShapeRef    `json:"value"`
	Min               *json.Number `json:"min"`
	Max               *json.Number `json:"max"`
	Pattern           *string      `json:"pattern"`
	Enum              []string     `json:"enum"`
	Sensitive         bool         `json:"sensitive"`
	Exception         bool         `json:"exception"`
	Fault             bool         `json:"fault"`
	Error             *ErrorTrait  `json:"error"`
	Documentation     string       `json:"documentation"`
	Deprecated        bool         `json:"deprecated"`
	DeprecatedMessage string       `json:"deprecatedMessage"`
	TimestampFormat   string       `json:"timestampFormat"`
	// awsQuery serialization traits (kept in QueryModel).
	Flattened    bool   `json:"flattened"`
	LocationName string `json:"locationName"`
	// Traits the generator does not support.
	Union       bool `json:"union"`
	Document    bool `json:"document"`
	Event       bool `json:"event"`
	EventStream bool `json:"eventstream"`
	Streaming   bool `json:"streaming"`

	name string
}

func (s *Shape) isRequired(member string) bool {
	for _, r := range s.Required {
		if r == member {
			return true
		}
	}
	return false
}

// loadModel reads and checks a model file.
func loadModel(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for name, s := range m.Shapes {
		s.name = name
	}
	for name, op := range m.Operations {
		if op.Name == "" {
			op.Name = name
		}
	}
	return &m, m.check()
}

// check rejects model features the generator cannot handle, so that they
// are noticed instead of silently mis-generated.
func (m *Model) check() error {
	refs := func(where string, r *ShapeRef) error {
		if r == nil {
			return nil
		}
		if _, ok := m.Shapes[r.Shape]; !ok {
			return fmt.Errorf("%s: unknown shape %q", where, r.Shape)
		}
		if r.Location != "" || r.EventPayload || r.Streaming {
			return fmt.Errorf("%s: HTTP-bound or streaming members are not supported (awsJson models only)", where)
		}
		return nil
	}
	for _, name := range sortedKeys(m.Shapes) {
		s := m.Shapes[name]
		switch s.Type {
		case "structure":
			if s.Document || s.Event || s.EventStream {
				return fmt.Errorf("shape %s: document and event-stream structures are not supported", name)
			}
			for _, mem := range s.Members {
				if err := refs("shape "+name+" member "+mem.Name, &mem.ShapeRef); err != nil {
					return err
				}
			}
			for _, r := range s.Required {
				found := false
				for _, mem := range s.Members {
					found = found || mem.Name == r
				}
				if !found {
					return fmt.Errorf("shape %s: required member %q does not exist", name, r)
				}
			}
		case "list":
			if s.Member == nil {
				return fmt.Errorf("shape %s: list without member", name)
			}
			if err := refs("shape "+name+" member", s.Member); err != nil {
				return err
			}
		case "map":
			if s.Key == nil || s.Value == nil {
				return fmt.Errorf("shape %s: map without key or value", name)
			}
			if err := refs("shape "+name+" key", s.Key); err != nil {
				return err
			}
			if err := refs("shape "+name+" value", s.Value); err != nil {
				return err
			}
			if m.Shapes[s.Key.Shape].Type != "string" {
				return fmt.Errorf("shape %s: map keys must be strings", name)
			}
		case "string", "integer", "long", "float", "double", "boolean", "timestamp", "blob":
			if s.Streaming {
				return fmt.Errorf("shape %s: streaming blobs are not supported", name)
			}
		default:
			return fmt.Errorf("shape %s: unsupported type %q", name, s.Type)
		}
		if s.Enum != nil && s.Type != "string" {
			return fmt.Errorf("shape %s: enum on a %s shape", name, s.Type)
		}
		if s.Pattern != nil && s.Type != "string" {
			return fmt.Errorf("shape %s: pattern on a %s shape", name, s.Type)
		}
	}
	for _, name := range sortedKeys(m.Operations) {
		op := m.Operations[name]
		for _, r := range []*ShapeRef{op.Input, op.Output} {
			if err := refs("operation "+name, r); err != nil {
				return err
			}
			if r != nil && m.Shapes[r.Shape].Type != "structure" {
				return fmt.Errorf("operation %s: input/output %s is not a structure", name, r.Shape)
			}
		}
		for i := range op.Errors {
			if err := refs("operation "+name+" error", &op.Errors[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
