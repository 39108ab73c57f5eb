package topic

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/switchyard/switchyard/internal/awsapi/sns"
	"github.com/switchyard/switchyard/internal/pattern"
)

// Filter policy scopes.
const (
	ScopeAttributes = "MessageAttributes"
	ScopeBody       = "MessageBody"
)

// SNS's filter policy limits.
const (
	maxPolicyKeys         = 5
	maxPolicyCombinations = 150
	maxPolicyBytes        = 256 * 1024
)

// FilterPolicy is a compiled SNS subscription filter policy.
//
// SNS filter policies are the same language as EventBridge event patterns
// (both are implemented by AWS's Event Ruler), so a policy is parsed and
// matched by internal/pattern: a MessageBody policy against the message
// body, a MessageAttributes policy against a synthetic JSON object built
// from the message attributes (see AttributesDocument). What SNS does
// differently is checked here: its limits (5 keys, 150 combinations), no
// nesting in attribute scope, and the operators it does not have
// (wildcard, anything-but with anything but prefix). Error messages are
// SNS's: "Invalid parameter: FilterPolicy: <Event Ruler's reason>".
type FilterPolicy struct {
	scope string
	p     *pattern.Pattern // nil: matches every message ("{}")
}

// ParseFilterPolicy compiles a filter policy for a scope (ScopeAttributes
// or ScopeBody). A policy SNS would refuse returns an *awsproto.Error
// (InvalidParameter) worded as SetSubscriptionAttributes words it; Subscribe
// words it "Invalid parameter: Attributes Reason: FilterPolicy: ..."
// (parseFilterPolicy with subscribe set).
func ParseFilterPolicy(src, scope string) (*FilterPolicy, error) {
	return parseFilterPolicy(src, scope, false)
}

func parseFilterPolicy(src, scope string, subscribe bool) (*FilterPolicy, error) {
	prefix := "Invalid parameter: "
	if subscribe {
		prefix = "Invalid parameter: Attributes Reason: "
	}
	fail := func(msg string) error { return sns.ErrInvalidParameterException("%s", prefix+msg) }
	if len(src) > maxPolicyBytes {
		return nil, fail("FilterPolicy: Filter policy is too long")
	}
	w := &policyWalker{src: src, dec: json.NewDecoder(strings.NewReader(src))}
	w.dec.UseNumber()
	info, werr := w.walk()
	if werr == nil {
		switch {
		case info.keys > maxPolicyKeys:
			return nil, fail("FilterPolicy: Filter policy can not have more than 5 keys")
		case info.combinations > maxPolicyCombinations:
			return nil, fail("FilterPolicy: Filter policy is too complex")
		case info.nested && scope == ScopeAttributes:
			return nil, fail("Filter policy scope MessageAttributes does not support nested filter policy")
		}
		if info.keys == 0 && !info.nonEmpty {
			return &FilterPolicy{scope: scope}, nil
		}
	}
	p, err := pattern.Parse(src, pattern.WithMaxLength(0), pattern.WithMaxCombinations(pattern.DefaultMaxCombinations))
	if err != nil {
		var pe *pattern.Error
		if errors.As(err, &pe) {
			msg := "FilterPolicy: " + pe.Reason
			if pe.Location != "" {
				msg += "\n at " + pe.Location
			}
			return nil, fail(msg)
		}
		return nil, fail("FilterPolicy: failed to parse JSON.")
	}
	if werr != nil {
		// pattern accepted what encoding/json did not: refuse it anyway.
		return nil, fail("FilterPolicy: failed to parse JSON.")
	}
	if info.unsupported != "" {
		msg := "FilterPolicy: " + info.unsupported
		if info.unsupportedAt >= 0 {
			msg += "\n at " + pattern.JacksonLocation(src, info.unsupportedAt)
		}
		return nil, fail(msg)
	}
	return &FilterPolicy{scope: scope, p: p}, nil
}

// Scope returns the policy's scope.
func (f *FilterPolicy) Scope() string { return f.scope }

// Match reports whether a message passes the policy. attrs is the
// attributes document (AttributesDocument), body the message the
// subscription would receive.
func (f *FilterPolicy) Match(attrs []byte, body string) bool {
	if f == nil || f.p == nil {
		return true
	}
	doc := attrs
	if f.scope == ScopeBody {
		// SNS assumes a body filtered on is a JSON object; anything else
		// does not match.
		doc = []byte(body)
	}
	ok, err := f.p.Match(doc)
	return err == nil && ok
}

// AttributesDocument is the JSON object a MessageAttributes-scope policy is
// matched against: one member per attribute, its value typed by its data
// type as SNS compares them:
//
//   - String (and String.<label>): a JSON string;
//   - Number (and Number.<label>): a JSON number, so numeric conditions
//     and numeric exact values apply (a value that is not a number stays a
//     string);
//   - String.Array: the value parsed as a JSON array, each element matched
//     on its own (a value that is not a JSON array stays a string);
//   - Binary: left out (SNS does not filter on binary attributes).
func AttributesDocument(attrs map[string]Attribute) []byte {
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	for _, n := range names {
		a := attrs[n]
		var val []byte
		switch {
		case a.DataType == "String.Array":
			t := bytes.TrimSpace([]byte(a.StringValue))
			if len(t) > 0 && t[0] == '[' && json.Valid(t) {
				val = t
			}
		case strings.HasPrefix(a.DataType, "Number"):
			val = numberJSON(a.StringValue)
		case strings.HasPrefix(a.DataType, "Binary"):
			continue
		}
		if val == nil {
			val, _ = json.Marshal(a.StringValue)
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(n)
		b.Write(k)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// numberJSON renders a Number attribute's value as a JSON number, or nil.
func numberJSON(s string) []byte {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if json.Valid([]byte(s)) && (s[0] == '-' || s[0] >= '0' && s[0] <= '9') {
		return []byte(s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || f > 1e308 || f < -1e308 {
		return nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64)
}

// ---- the SNS-specific checks ------------------------------------------------

type policyInfo struct {
	keys         int // top-level keys
	combinations int
	nested       bool // an object below the top level, outside $or
	nonEmpty     bool
	// unsupported is the first operator SNS does not have, with the
	// offset Jackson would report it at (-1: none).
	unsupported   string
	unsupportedAt int
}

// policyWalker reads a policy token by token, keeping offsets for error
// locations.
type policyWalker struct {
	src  string
	dec  *json.Decoder
	info policyInfo
}

var errNotPolicy = errors.New("not a policy object")

func (w *policyWalker) walk() (policyInfo, error) {
	w.info.unsupportedAt = -1
	tok, err := w.dec.Token()
	if err != nil {
		return w.info, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return w.info, errNotPolicy
	}
	combos, err := w.object(1, 1, true)
	if err != nil {
		return w.info, err
	}
	if _, err := w.dec.Token(); err != io.EOF {
		return w.info, errNotPolicy
	}
	w.info.combinations = combos
	return w.info, nil
}

// object reads the members of an object whose '{' was read; depth is 1 at
// the top. It returns the running combinations as SNS counts them: each
// array of n values at depth d multiplies them by n*d, an $or sums its
// alternatives.
func (w *policyWalker) object(depth, combos int, top bool) (int, error) {
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return 0, err
		}
		key, _ := tok.(string)
		if top {
			w.info.keys++
		}
		w.info.nonEmpty = true
		tok, err = w.dec.Token()
		if err != nil {
			return 0, err
		}
		d, isDelim := tok.(json.Delim)
		switch {
		case isDelim && d == '{':
			if depth >= 1 {
				w.info.nested = true
			}
			combos, err = w.object(depth+1, combos, false)
		case isDelim && d == '[' && key == "$or":
			sum := 0
			for w.dec.More() {
				t, err := w.dec.Token()
				if err != nil {
					return 0, err
				}
				if dd, ok := t.(json.Delim); ok && dd == '{' {
					c, err := w.object(depth, combos, false)
					if err != nil {
						return 0, err
					}
					sum = satAdd(sum, c)
				} else if err := w.skip(t); err != nil {
					return 0, err
				}
			}
			_, err = w.dec.Token() // ']'
			if sum > 0 {
				combos = sum
			}
		case isDelim && d == '[':
			var n int
			n, err = w.values()
			combos = satMul(combos, satMul(n, depth))
		default:
			err = w.skip(tok)
		}
		if err != nil {
			return 0, err
		}
	}
	_, err := w.dec.Token() // '}'
	return combos, err
}

// values reads the match values of a key (after its '['), noting operators
// SNS does not have, and returns how many there are.
func (w *policyWalker) values() (int, error) {
	n := 0
	for w.dec.More() {
		n++
		tok, err := w.dec.Token()
		if err != nil {
			return 0, err
		}
		if d, ok := tok.(json.Delim); ok && d == '{' {
			if err := w.matchExpression(); err != nil {
				return 0, err
			}
			continue
		}
		if err := w.skip(tok); err != nil {
			return 0, err
		}
	}
	_, err := w.dec.Token()
	return n, err
}

// matchExpression reads {"op": value} (after its '{').
func (w *policyWalker) matchExpression() error {
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		op, _ := tok.(string)
		start := w.valueStart()
		tok, err = w.dec.Token()
		if err != nil {
			return err
		}
		switch op {
		case "wildcard", "exactly":
			w.note("Unrecognized match type "+op, jacksonAfter(w.src, start, tok))
		case "anything-but":
			if d, ok := tok.(json.Delim); ok && d == '{' {
				for w.dec.More() {
					t, err := w.dec.Token()
					if err != nil {
						return err
					}
					inner, _ := t.(string)
					s := w.valueStart()
					v, err := w.dec.Token()
					if err != nil {
						return err
					}
					if inner != "prefix" {
						w.note("Unsupported anything-but pattern: "+inner, jacksonAfter(w.src, s, v))
					}
					if err := w.skip(v); err != nil {
						return err
					}
				}
				if _, err := w.dec.Token(); err != nil {
					return err
				}
				continue
			}
		}
		if err := w.skip(tok); err != nil {
			return err
		}
	}
	_, err := w.dec.Token()
	return err
}

func (w *policyWalker) note(msg string, at int) {
	if w.info.unsupported == "" {
		w.info.unsupported, w.info.unsupportedAt = msg, at
	}
}

// valueStart returns the offset where the next value starts.
func (w *policyWalker) valueStart() int {
	i := int(w.dec.InputOffset())
	for i < len(w.src) {
		switch w.src[i] {
		case ' ', '\t', '\n', '\r', ':', ',':
			i++
			continue
		}
		break
	}
	return i
}

// jacksonAfter is where Jackson reports an error found after reading the
// value starting at start: past a number or literal, just inside a string,
// array or object (Jackson reads those lazily).
func jacksonAfter(src string, start int, tok json.Token) int {
	switch tok := tok.(type) {
	case string, json.Delim:
		return start + 1
	case json.Number:
		return start + len(tok.String())
	case bool:
		if tok {
			return start + 4
		}
		return start + 5
	case nil:
		return start + 4
	}
	return start
}

// skip skips the rest of a value whose first token was read.
func (w *policyWalker) skip(tok json.Token) error {
	d, ok := tok.(json.Delim)
	if !ok || (d != '{' && d != '[') {
		return nil
	}
	depth := 1
	for depth > 0 {
		t, err := w.dec.Token()
		if err != nil {
			return err
		}
		if dd, ok := t.(json.Delim); ok {
			switch dd {
			case '{', '[':
				depth++
			default:
				depth--
			}
		}
	}
	return nil
}

const maxCount = 1 << 30

func satMul(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if a > maxCount/b {
		return maxCount
	}
	return a * b
}

func satAdd(a, b int) int {
	if a+b > maxCount {
		return maxCount
	}
	return a + b
}
