package awsquery

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsproto"
)

// maxIndex bounds list and map indexes ("Name.N").
const maxIndex = 1 << 20

// DecodeInput turns the form parameters of an awsQuery request for
// operation op into the JSON document of the operation's input shape, with
// the model's member names as keys, so that it decodes into the same Go
// structs as an awsJson request body. It reads the parameters as botocore's
// query serializer writes them:
//
//   - scalars under the member's name (its locationName when it has
//     one): strings as they are, integers and floats as JSON numbers,
//     booleans from "true"/"false", timestamps (ISO 8601 or epoch seconds)
//     as epoch seconds, blobs as base64;
//   - structures as "Parent.Child";
//   - lists as "Name.member.N" ("Name.<member locationName>.N"), or, when
//     flattened, "Name.N" with Name replaced by the list member's
//     locationName if it has one ("AttributeName.1"); a parameter "Name="
//     with no elements is an empty list;
//   - maps as "Name.entry.N.key" / "Name.entry.N.value", or, when
//     flattened, "Name.N.<key locationName>" / "Name.N.<value
//     locationName>" ("Attribute.1.Name", "Attribute.1.Value",
//     "MessageAttribute.1.Value.StringValue").
//
// Indexes start at 1; gaps are allowed and elements keep index order.
// Parameters that are not members of the input (Action, Version, the
// signature's) are ignored. A value that does not parse as its type is an
// InvalidParameterValue error (Model.InvalidParameter), a map entry without
// key or value a MissingParameter error (Model.MissingParameter) and a
// malformed index a MalformedQueryString error, all *awsproto.Error.
// Required members are not checked: that is the operation's business.
func (m *Model) DecodeInput(op string, form url.Values) ([]byte, error) {
	o := m.ops[op]
	if o == nil {
		return nil, errInvalidAction(op)
	}
	if o.input == nil {
		return []byte("{}"), nil
	}
	d := &decoder{m: m, form: form, children: map[string]map[string]struct{}{}}
	for k := range form {
		d.index(k)
	}
	v, err := d.structure("", o.input)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

type decoder struct {
	m    *Model
	form url.Values
	// children maps every dotted prefix of a parameter name to the
	// segments that follow it ("A.B.1.C" gives A -> B, A.B -> 1,
	// A.B.1 -> C).
	children map[string]map[string]struct{}
}

func (d *decoder) index(key string) {
	for i := 0; i < len(key); i++ {
		if key[i] != '.' {
			continue
		}
		parent := key[:i]
		rest := key[i+1:]
		if j := strings.IndexByte(rest, '.'); j >= 0 {
			rest = rest[:j]
		}
		set := d.children[parent]
		if set == nil {
			set = map[string]struct{}{}
			d.children[parent] = set
		}
		set[rest] = struct{}{}
	}
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// present reports whether any parameter is at or below prefix.
func (d *decoder) present(prefix string) bool {
	if _, ok := d.form[prefix]; ok {
		return true
	}
	return len(d.children[prefix]) > 0
}

// value decodes the value of shape r at prefix; ok is false when the
// request has none.
func (d *decoder) value(prefix string, r *ref) (v any, ok bool, err error) {
	s := r.shape
	switch s.typ {
	case "structure":
		if !d.present(prefix) {
			return nil, false, nil
		}
		v, err := d.structure(prefix, s)
		return v, true, err
	case "list":
		return d.list(prefix, r)
	case "map":
		return d.mapValue(prefix, r)
	}
	vals, ok := d.form[prefix]
	if !ok || len(vals) == 0 {
		return nil, false, nil
	}
	v, err = d.scalar(prefix, s, vals[0])
	return v, true, err
}

func (d *decoder) structure(prefix string, s *shape) (map[string]any, error) {
	out := map[string]any{}
	for i := range s.members {
		mem := &s.members[i]
		name := mem.ref.name
		if name == "" {
			name = mem.name
		}
		v, ok, err := d.value(join(prefix, name), &mem.ref)
		if err != nil {
			return nil, err
		}
		if ok {
			out[mem.name] = v
		}
	}
	return out, nil
}

// indexes returns the indexes below prefix, sorted, checking that each is
// a positive decimal integer.
func (d *decoder) indexes(prefix string) ([]int, error) {
	set := d.children[prefix]
	if len(set) == 0 {
		return nil, nil
	}
	idx := make([]int, 0, len(set))
	for seg := range set {
		n, err := strconv.Atoi(seg)
		if err != nil || n < 1 || n > maxIndex || strconv.Itoa(n) != seg {
			return nil, errMalformed(prefix + "." + seg)
		}
		idx = append(idx, n)
	}
	sort.Ints(idx)
	return idx, nil
}

func (d *decoder) list(prefix string, r *ref) (any, bool, error) {
	s := r.shape
	var listPrefix string
	if r.flattened {
		listPrefix = prefix
		if s.member.name != "" {
			// Botocore replaces the last segment with the member's name.
			if i := strings.LastIndexByte(prefix, '.'); i >= 0 {
				listPrefix = prefix[:i+1] + s.member.name
			} else {
				listPrefix = s.member.name
			}
		}
	} else {
		name := s.member.name
		if name == "" {
			name = "member"
		}
		listPrefix = prefix + "." + name
	}
	idx, err := d.indexes(listPrefix)
	if err != nil {
		return nil, false, err
	}
	if len(idx) == 0 {
		// Botocore sends an empty list as "Name=".
		if vals, ok := d.form[prefix]; ok && len(vals) > 0 && vals[0] == "" {
			return []any{}, true, nil
		}
		return nil, false, nil
	}
	out := make([]any, 0, len(idx))
	for _, i := range idx {
		elem := listPrefix + "." + strconv.Itoa(i)
		v, ok, err := d.value(elem, s.member)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return nil, false, errMalformed(elem)
		}
		out = append(out, v)
	}
	return out, true, nil
}

func (d *decoder) mapValue(prefix string, r *ref) (any, bool, error) {
	s := r.shape
	entries := prefix
	if !r.flattened {
		entries = prefix + ".entry"
	}
	idx, err := d.indexes(entries)
	if err != nil {
		return nil, false, err
	}
	if len(idx) == 0 {
		return nil, false, nil
	}
	keyName, valName := s.key.name, s.value.name
	if keyName == "" {
		keyName = "key"
	}
	if valName == "" {
		valName = "value"
	}
	out := make(map[string]any, len(idx))
	for _, i := range idx {
		entry := entries + "." + strconv.Itoa(i)
		kp, vp := entry+"."+keyName, entry+"."+valName
		kvals, ok := d.form[kp]
		if !ok || len(kvals) == 0 {
			return nil, false, d.missing(kp)
		}
		k := kvals[0]
		if _, dup := out[k]; dup {
			return nil, false, d.invalid(kp, k, "duplicate key")
		}
		v, ok, err := d.value(vp, s.value)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return nil, false, d.missing(vp)
		}
		out[k] = v
	}
	return out, true, nil
}

func (d *decoder) scalar(param string, s *shape, text string) (any, error) {
	switch s.typ {
	case "string":
		return text, nil
	case "boolean":
		switch strings.ToLower(text) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, d.invalid(param, text, "must be true or false")
	case "integer", "long":
		bits := 32
		if s.typ == "long" {
			bits = 64
		}
		n, err := strconv.ParseInt(strings.TrimSpace(text), 10, bits)
		if err != nil {
			return nil, d.invalid(param, text, "must be an integer")
		}
		return json.Number(strconv.FormatInt(n, 10)), nil
	case "float", "double":
		bits := 64
		if s.typ == "float" {
			bits = 32
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(text), bits)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, d.invalid(param, text, "must be a number")
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, bits)), nil
	case "timestamp":
		t, err := awsapi.ParseTimestamp(text)
		if err != nil || t.Year() < 0 || t.Year() > 9999 {
			return nil, d.invalid(param, text, "must be an ISO 8601 timestamp")
		}
		return json.Number(t.EpochSeconds()), nil
	case "blob":
		b, err := decodeBase64(text)
		if err != nil {
			return nil, d.invalid(param, text, "must be base64-encoded")
		}
		return base64.StdEncoding.EncodeToString(b), nil
	}
	return nil, fmt.Errorf("awsquery: shape %s: unsupported type %q", s.name, s.typ)
}

// decodeBase64 accepts standard base64 with or without padding.
func decodeBase64(s string) ([]byte, error) {
	if strings.HasSuffix(s, "=") || len(s)%4 == 0 {
		return base64.StdEncoding.Strict().DecodeString(s)
	}
	return base64.RawStdEncoding.Strict().DecodeString(s)
}

func (d *decoder) invalid(param, value, reason string) error {
	if d.m.InvalidParameter != nil {
		return d.m.InvalidParameter(param, value, reason)
	}
	return ErrInvalidParameterValue(param, value, reason)
}

func (d *decoder) missing(param string) error {
	if d.m.MissingParameter != nil {
		return d.m.MissingParameter(param)
	}
	return ErrMissingParameter(param)
}

// ErrInvalidParameterValue is the default error for a parameter value that
// does not parse as its type, worded as SQS words its own.
func ErrInvalidParameterValue(param, value, reason string) *awsproto.Error {
	const maxShown = 256
	if len(value) > maxShown {
		value = value[:maxShown] + "..."
	}
	return &awsproto.Error{Code: "InvalidParameterValue", QueryCode: "InvalidParameterValue",
		Message: fmt.Sprintf("Value %s for parameter %s is invalid. Reason: %s.", value, param, reason)}
}

// ErrMissingParameter is the default error for a missing map key or value.
func ErrMissingParameter(param string) *awsproto.Error {
	return &awsproto.Error{Code: "MissingParameter", QueryCode: "MissingParameter",
		Message: "The request must contain the parameter " + param + "."}
}

func errMalformed(param string) *awsproto.Error {
	return &awsproto.Error{Code: "MalformedQueryString", QueryCode: "MalformedQueryString",
		Message: "The parameter " + param + " is not a valid list or map index."}
}

func errInvalidAction(op string) *awsproto.Error {
	return &awsproto.Error{Code: "InvalidAction", QueryCode: "InvalidAction",
		Message: "The action " + op + " is not valid for this endpoint."}
}

func errMissingAction() *awsproto.Error {
	return &awsproto.Error{Code: "MissingAction", QueryCode: "MissingAction",
		Message: "The request must contain the parameter Action."}
}
