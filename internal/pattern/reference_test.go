package pattern_test

// A reference evaluator for EventBridge event patterns, written from the
// documented semantics and independently of the implementation: it decodes
// the pattern and the event with encoding/json (UseNumber, so number text is
// kept) and evaluates directly over the decoded trees, as simply as
// possible. It is only ever called on patterns pattern.Parse accepts, so it
// does not validate them.
//
// The differential and fuzz tests compare it with Pattern.Match and
// Matcher.Match.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/switchyard/switchyard/internal/pattern"
)

// refKind is the JSON type of a decoded node.
type refKind int

const (
	refObject refKind = iota
	refArray
	refString
	refNumber
	refBool
	refNull
)

// refNode is a decoded JSON value. Objects keep their members in order,
// duplicates included, because a pattern's duplicate keys mean something
// (the last one for a path wins).
type refNode struct {
	kind refKind
	str  string // refString: the string; refNumber: the number as written
	b    bool   // refBool
	arr  []*refNode
	keys []string // refObject: member names, in order
	vals []*refNode
}

// refDecode decodes exactly one JSON value from data (trailing whitespace
// allowed, nothing else).
func refDecode(data []byte) (*refNode, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := refDecodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("reference: data after the JSON value")
	}
	return n, nil
}

// refDecodeFirst decodes the first JSON value of data, ignoring what follows
// (as EventBridge's streaming parser does for patterns).
func refDecodeFirst(data []byte) (*refNode, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return refDecodeValue(dec)
}

func refDecodeValue(dec *json.Decoder) (*refNode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			n := &refNode{kind: refObject}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("reference: object key %v", kt)
				}
				val, err := refDecodeValue(dec)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, key)
				n.vals = append(n.vals, val)
			}
			if _, err := dec.Token(); err != nil { // '}'
				return nil, err
			}
			return n, nil
		case '[':
			n := &refNode{kind: refArray}
			for dec.More() {
				val, err := refDecodeValue(dec)
				if err != nil {
					return nil, err
				}
				n.arr = append(n.arr, val)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, err
			}
			return n, nil
		}
		return nil, fmt.Errorf("reference: unexpected %v", v)
	case string:
		return &refNode{kind: refString, str: v}, nil
	case json.Number:
		return &refNode{kind: refNumber, str: string(v)}, nil
	case bool:
		return &refNode{kind: refBool, b: v}, nil
	case nil:
		return &refNode{kind: refNull}, nil
	}
	return nil, fmt.Errorf("reference: unexpected token %T", tok)
}

// ---------------------------------------------------------------------------
// Patterns

// refBranch is one alternative of a pattern after $or is expanded: for each
// dot-joined path, the list of alternatives (the elements of the pattern's
// array for that path).
type refBranch map[string][]*refNode

// refPattern is a pattern in disjunctive normal form.
type refPattern struct {
	src      string
	branches []refBranch
}

// refCompile turns a pattern that pattern.Parse accepted into DNF. Members
// are processed in order, as a streaming parser reads them: an array gives
// its path to every current alternative, replacing what the path had (so
// the last duplicate wins); a nested object continues the path; "$or"
// replaces the current alternatives by, for each of its objects, a copy of
// them extended by that object.
func refCompile(src string) (*refPattern, error) {
	root, err := refDecodeFirst([]byte(src))
	if err != nil {
		return nil, err
	}
	if root.kind != refObject {
		return nil, fmt.Errorf("reference: pattern is not an object")
	}
	branches := []refBranch{{}}
	refAddObject(&branches, root, nil)
	return &refPattern{src: src, branches: branches}, nil
}

func refAddObject(branches *[]refBranch, obj *refNode, prefix []string) {
	for i, key := range obj.keys {
		val := obj.vals[i]
		if key == "$or" {
			var out []refBranch
			for _, alt := range val.arr {
				copies := make([]refBranch, len(*branches))
				for j, b := range *branches {
					copies[j] = refBranch{}
					for p, alts := range b {
						copies[j][p] = alts
					}
				}
				refAddObject(&copies, alt, prefix)
				out = append(out, copies...)
			}
			*branches = out
			continue
		}
		path := append(prefix[:len(prefix):len(prefix)], key)
		switch val.kind {
		case refObject:
			refAddObject(branches, val, path)
		case refArray:
			p := strings.Join(path, ".")
			for _, b := range *branches {
				b[p] = val.arr
			}
		}
	}
}

// paths returns the distinct paths of all alternatives.
func (p *refPattern) paths() map[string]bool {
	out := map[string]bool{}
	for _, b := range p.branches {
		for path := range b {
			out[path] = true
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// Events

// refPos says a value lies in element index of the array numbered array.
type refPos struct{ array, index int }

// refValue is one scalar of the event with the array elements enclosing it.
type refValue struct {
	v     *refNode // refString, refNumber, refBool or refNull
	trail []refPos
}

// refEvent is a flattened event: dot-joined path -> scalar values.
type refEvent struct {
	values  map[string][]refValue
	dupKeys bool // some object has a key twice (semantics unclear; callers skip)
}

// refParseEvent decodes and flattens an event. Arrays are transparent (their
// elements give values at the same path), empty arrays and objects give
// nothing, and a key with dots is the same as nesting, because paths are
// joined with dots.
func refParseEvent(event []byte) (*refEvent, error) {
	root, err := refDecode(event)
	if err != nil {
		return nil, err
	}
	if root.kind != refObject {
		return nil, fmt.Errorf("reference: event is not an object")
	}
	ev := &refEvent{values: map[string][]refValue{}}
	arrays := 0
	var walk func(n *refNode, path []string, trail []refPos)
	walk = func(n *refNode, path []string, trail []refPos) {
		switch n.kind {
		case refObject:
			seen := map[string]bool{}
			for i, k := range n.keys {
				if seen[k] {
					ev.dupKeys = true
				}
				seen[k] = true
				walk(n.vals[i], append(path[:len(path):len(path)], k), trail)
			}
		case refArray:
			id := arrays
			arrays++
			for i, e := range n.arr {
				walk(e, path, append(trail[:len(trail):len(trail)], refPos{id, i}))
			}
		default:
			p := strings.Join(path, ".")
			ev.values[p] = append(ev.values[p], refValue{v: n, trail: trail})
		}
	}
	walk(root, nil, nil)
	return ev, nil
}

// ---------------------------------------------------------------------------
// Matching

// refMatch is the whole reference: does event match the pattern src?
func refMatch(src string, event []byte) (bool, error) {
	p, err := refCompile(src)
	if err != nil {
		return false, err
	}
	ev, err := refParseEvent(event)
	if err != nil {
		return false, err
	}
	return p.matches(ev), nil
}

func (p *refPattern) matches(ev *refEvent) bool {
	for _, b := range p.branches {
		if refBranchMatches(b, ev) {
			return true
		}
	}
	return false
}

// refBranchMatches: every field must have a value satisfying one of its
// alternatives, the chosen values being array-consistent; a field whose
// alternatives include {"exists": false} is also satisfied when its path
// has no value at all.
func refBranchMatches(b refBranch, ev *refEvent) bool {
	var choices [][]refValue
	for path, alts := range b {
		values := ev.values[path]
		var ok []refValue
		for _, v := range values {
			for _, a := range alts {
				if refAltMatches(a, v.v) {
					ok = append(ok, v)
					break
				}
			}
		}
		if len(ok) > 0 {
			choices = append(choices, ok)
			continue
		}
		if len(values) == 0 && refHasExistsFalse(alts) {
			continue
		}
		return false
	}
	return refPickConsistent(choices, nil)
}

func refHasExistsFalse(alts []*refNode) bool {
	for _, a := range alts {
		if a.kind == refObject && a.keys[0] == "exists" && !a.vals[0].b {
			return true
		}
	}
	return false
}

// refPickConsistent tries every way of choosing one value per field.
func refPickConsistent(choices [][]refValue, chosen []refValue) bool {
	if len(choices) == 0 {
		return true
	}
	for _, v := range choices[0] {
		ok := true
		for _, c := range chosen {
			if !refCompatible(v, c) {
				ok = false
				break
			}
		}
		if ok && refPickConsistent(choices[1:], append(chosen[:len(chosen):len(chosen)], v)) {
			return true
		}
	}
	return false
}

// refCompatible: two values are compatible unless they lie in different
// elements of the same array.
func refCompatible(x, y refValue) bool {
	for _, p := range x.trail {
		for _, q := range y.trail {
			if p.array == q.array && p.index != q.index {
				return false
			}
		}
	}
	return true
}

// refAltMatches: does the event scalar v satisfy one alternative a of a
// pattern field?
func refAltMatches(a *refNode, v *refNode) bool {
	switch a.kind {
	case refString:
		return v.kind == refString && refExactString(a.str, v.str)
	case refNumber:
		return v.kind == refNumber && refFloat(v.str) == refFloat(a.str)
	case refBool:
		return v.kind == refBool && v.b == a.b
	case refNull:
		return v.kind == refNull
	case refObject:
		return refOperator(a.keys[0], a.vals[0], v)
	}
	panic("reference: bad alternative")
}

func refOperator(name string, arg *refNode, v *refNode) bool {
	isStr := v.kind == refString
	s := v.str
	switch name {
	case "exactly":
		return isStr && s == arg.str
	case "prefix":
		if arg.kind == refObject { // {"equals-ignore-case": p}
			return isStr && refHasPrefixFold(s, arg.vals[0].str)
		}
		return isStr && strings.HasPrefix(s, arg.str)
	case "suffix":
		if arg.kind == refObject {
			return isStr && refHasSuffixFold(s, arg.vals[0].str)
		}
		return isStr && strings.HasSuffix(s, arg.str)
	case "equals-ignore-case":
		return isStr && strings.EqualFold(s, arg.str)
	case "wildcard":
		return isStr && refWildcard(arg.str, s)
	case "numeric":
		if v.kind != refNumber {
			return false
		}
		f := refFloat(v.str)
		for i := 0; i+1 < len(arg.arr); i += 2 {
			bound := refFloat(arg.arr[i+1].str)
			var ok bool
			switch arg.arr[i].str {
			case "=":
				ok = f == bound
			case "<":
				ok = f < bound
			case "<=":
				ok = f <= bound
			case ">":
				ok = f > bound
			case ">=":
				ok = f >= bound
			default:
				panic("reference: numeric operator " + arg.arr[i].str)
			}
			if !ok {
				return false
			}
		}
		return true
	case "cidr":
		return isStr && refInCIDR(arg.str, s)
	case "exists":
		return arg.b // a value is there; exists:false never uses a value
	case "anything-but":
		return !refExcluded(arg, v)
	}
	panic("reference: unknown operator " + name)
}

// refExcluded: does anything-but's argument exclude v?
func refExcluded(arg *refNode, v *refNode) bool {
	switch arg.kind {
	case refString:
		return v.kind == refString && v.str == arg.str
	case refNumber:
		return v.kind == refNumber && refFloat(v.str) == refFloat(arg.str)
	case refArray:
		for _, e := range arg.arr {
			if refExcluded(e, v) {
				return true
			}
		}
		return false
	case refObject:
		if v.kind != refString {
			return false
		}
		items := []*refNode{arg.vals[0]}
		if arg.vals[0].kind == refArray {
			items = arg.vals[0].arr
		}
		for _, it := range items {
			var hit bool
			switch arg.keys[0] {
			case "prefix":
				hit = strings.HasPrefix(v.str, it.str)
			case "suffix":
				hit = strings.HasSuffix(v.str, it.str)
			case "equals-ignore-case":
				hit = strings.EqualFold(v.str, it.str)
			case "wildcard":
				hit = refWildcard(it.str, v.str)
			default:
				panic("reference: anything-but " + arg.keys[0])
			}
			if hit {
				return true
			}
		}
		return false
	}
	panic("reference: bad anything-but")
}

// refFloat converts JSON number text to float64; out-of-range numbers are
// ±Inf (or 0), as float64 arithmetic has them.
func refFloat(text string) float64 {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		panic("reference: number " + text)
	}
	return f
}

// refHasPrefixFold: s starts with p ignoring case. Simple case folding maps
// one rune to one rune, so the prefix has as many runes as p.
func refHasPrefixFold(s, p string) bool {
	sr, pr := []rune(s), []rune(p)
	return len(pr) <= len(sr) && strings.EqualFold(string(sr[:len(pr)]), p)
}

func refHasSuffixFold(s, p string) bool {
	sr, pr := []rune(s), []rune(p)
	return len(pr) <= len(sr) && strings.EqualFold(string(sr[len(sr)-len(pr):]), p)
}

// refWildcard matches s against a wildcard: '*' is any run of characters,
// "\*" a literal '*', "\\" a literal '\'. Plain dynamic programming.
func refWildcard(pat, s string) bool {
	type tok struct {
		star bool
		r    rune
	}
	var toks []tok
	pr := []rune(pat)
	for i := 0; i < len(pr); i++ {
		switch {
		case pr[i] == '\\' && i+1 < len(pr):
			i++
			toks = append(toks, tok{r: pr[i]})
		case pr[i] == '*':
			toks = append(toks, tok{star: true})
		default:
			toks = append(toks, tok{r: pr[i]})
		}
	}
	t := []rune(s)
	// m[i][j]: toks[i:] matches t[j:]
	m := make([][]bool, len(toks)+1)
	for i := range m {
		m[i] = make([]bool, len(t)+1)
	}
	m[len(toks)][len(t)] = true
	for i := len(toks) - 1; i >= 0; i-- {
		for j := len(t); j >= 0; j-- {
			if toks[i].star {
				m[i][j] = m[i+1][j] || (j < len(t) && m[i][j+1])
			} else {
				m[i][j] = j < len(t) && t[j] == toks[i].r && m[i+1][j+1]
			}
		}
	}
	return m[0][0]
}

// refParseIP parses an IP address literal: IPv4 as four dot-separated
// decimal runs each at most 255 (leading zeros allowed), or IPv6 written only
// with hex digits and colons. IPv4-mapped IPv6 addresses are IPv4 addresses.
func refParseIP(s string) (netip.Addr, bool) {
	if parts := strings.Split(s, "."); len(parts) == 4 {
		var b [4]byte
		for i, p := range parts {
			if p == "" || strings.Trim(p, "0123456789") != "" {
				return netip.Addr{}, false
			}
			p = strings.TrimLeft(p, "0")
			if len(p) > 3 {
				return netip.Addr{}, false
			}
			v := 0
			if p != "" {
				v, _ = strconv.Atoi(p)
			}
			if v > 255 {
				return netip.Addr{}, false
			}
			b[i] = byte(v)
		}
		return netip.AddrFrom4(b), true
	}
	if strings.Contains(s, ":") && strings.Trim(s, "0123456789abcdefABCDEF:") == "" {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Addr{}, false
		}
		return a.Unmap(), true
	}
	return netip.Addr{}, false
}

// refExactString: an exact string in a pattern matches an equal string or,
// if it is an IP address, any string denoting the same address.
func refExactString(pat, s string) bool {
	if pa, ok := refParseIP(pat); ok {
		ea, ok := refParseIP(s)
		return ok && ea == pa
	}
	return s == pat
}

// refInCIDR: s is an address of the same family between the address written
// in the cidr and the top of its block.
func refInCIDR(cidr, s string) bool {
	parts := strings.Split(cidr, "/")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	base, ok := refParseIP(parts[0])
	if !ok {
		panic("reference: cidr " + cidr)
	}
	bits, err := strconv.Atoi(parts[1])
	if err != nil {
		panic("reference: cidr " + cidr)
	}
	ea, ok := refParseIP(s)
	if !ok || ea.Is4() != base.Is4() {
		return false
	}
	lo := base.AsSlice()
	hi := base.AsSlice()
	for i := bits; i < len(hi)*8; i++ {
		hi[i/8] |= 0x80 >> (i % 8)
	}
	e := ea.AsSlice()
	return bytes.Compare(e, lo) >= 0 && bytes.Compare(e, hi) <= 0
}

// ---------------------------------------------------------------------------
// Checking the reference itself

type refConformanceCase struct {
	Name    string `json:"name"`
	Expect  string `json:"expect"`
	Event   string `json:"event"`
	Pattern string `json:"pattern"`
}

func loadRefConformance(t testing.TB) []refConformanceCase {
	t.Helper()
	data, err := os.ReadFile("testdata/conformance/event-patterns.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []refConformanceCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

// TestReferenceConformance checks the reference against every non-error
// case recorded from EventBridge.
func TestReferenceConformance(t *testing.T) {
	n := 0
	for _, c := range loadRefConformance(t) {
		if c.Expect == "error" {
			continue
		}
		n++
		if _, err := pattern.Parse(c.Pattern); err != nil {
			t.Errorf("%s: Parse: %v", c.Name, err)
			continue
		}
		got, err := refMatch(c.Pattern, []byte(c.Event))
		if err != nil {
			t.Errorf("%s: reference: %v", c.Name, err)
			continue
		}
		if want := c.Expect == "match"; got != want {
			t.Errorf("%s: reference says %v, EventBridge %s\npattern: %s\nevent: %s", c.Name, got, c.Expect, c.Pattern, c.Event)
		}
	}
	if n < 70 {
		t.Fatalf("only %d conformance cases", n)
	}
}

// TestReferenceTraps checks the reference on the semantics' corner cases,
// stated by hand from the documentation.
func TestReferenceTraps(t *testing.T) {
	cases := []struct {
		pattern, event string
		want           bool
	}{
		// structure
		{`{"a.b":["c"]}`, `{"a":{"b":"c"}}`, true},
		{`{"a":{"b":["c"]}}`, `{"a.b":"c"}`, true},
		{`{"a":{"b.c":["d"]}}`, `{"a.b":{"c":"d"}}`, true},
		{`{"a":["x"],"a":["y"]}`, `{"a":"y"}`, true},
		{`{"a":["x"],"a":["y"]}`, `{"a":"x"}`, false},
		{`{"a":{"b":["x"]},"a":{"c":["y"]}}`, `{"a":{"b":"x","c":"y"}}`, true},
		{`{"a":{"b":["x"]},"a":{"c":["y"]}}`, `{"a":{"c":"y"}}`, false},
		{`{"a":{"b":["1"]},"a.b":["2"]}`, `{"a":{"b":"2"}}`, true},
		{`{"a":{"b":["1"]},"a.b":["2"]}`, `{"a":{"b":"1"}}`, false},
		{`{"a":{"$or":[{"b":["x"]},{"c":["y"]}]}}`, `{"a":{"c":"y"}}`, true},
		{`{"s":["1"],"$or":[{"a":["x"]},{"b":["y"]}]}`, `{"b":"y"}`, false},
		{`{"a":["x"],"$or":[{"a":["y"]},{"b":["z"]}]}`, `{"a":"y"}`, true},
		{`{"a":["x"],"$or":[{"a":["y"]},{"b":["z"]}]}`, `{"a":"x","b":"z"}`, true},
		{`{"$or":[{"a":["y"]},{"b":["z"]}],"a":["x"]}`, `{"a":"y"}`, false},
		{`{"$or":[{"a":["1"]},{"b":["1"]}],"$or":[{"c":["2"]},{"d":["2"]}]}`, `{"b":"1","d":"2"}`, true},
		{`{"$or":[{"a":["1"]},{"b":["1"]}],"$or":[{"c":["2"]},{"d":["2"]}]}`, `{"b":"1","e":"2"}`, false},
		{`{"$or":[{"a":["x"]},{"$or":[{"b":["y"]},{"c":["z"]}]}]}`, `{"c":"z"}`, true},
		// flattening
		{`{"a":["x"]}`, `{"a":["w",["x"]]}`, true},
		{`{"a":["x"]}`, `{"a":{"x":1}}`, false},
		{`{"a":{"b":["c"]}}`, `{"a":"{\"b\":\"c\"}"}`, false},
		{`{"a":[null]}`, `{"a":[]}`, false},
		{`{"a":[null]}`, `{}`, false},
		{`{"a":[null]}`, `{"a":null}`, true},
		// array consistency
		{`{"e":{"f":["Anna"],"l":["Jones"]}}`, `{"e":[{"f":"Anna","l":"Doe"},{"f":"Pete","l":"Jones"}]}`, false},
		{`{"e":{"f":["Anna"],"l":["Doe"]}}`, `{"e":[{"f":"Anna","l":"Doe"},{"f":"Pete","l":"Jones"}]}`, true},
		{`{"e":{"f":["A"],"l":["B"]}}`, `{"e":[[{"f":"A"}],[{"l":"B"}]]}`, false},
		{`{"e":{"f":["A"],"l":["B"]}}`, `{"e":[[{"f":"A","l":"B"}]]}`, true},
		{`{"e":{"f":["A"]},"g":["B"]}`, `{"e":[{"f":"A"}],"g":"B"}`, true},
		{`{"e":{"f":["A","C"],"l":["D"]}}`, `{"e":[{"f":"A","l":"B"},{"f":"C","l":"D"}]}`, true},
		{`{"e":{"f":["A"],"l":[{"exists":false}]}}`, `{"e":[{"f":"A"},{"l":"B"}]}`, false},
		{`{"e":{"f":["A"],"l":[{"exists":true}]}}`, `{"e":[{"f":"A"},{"l":"B"}]}`, false},
		{`{"e":{"f":["A"],"l":[{"exists":true}]}}`, `{"e":[{"f":"A"},{"l":"B","f":"A"}]}`, true},
		{`{"a":["1"],"b":["2"]}`, `{"a":["0","1"],"b":["2","3"]}`, true},
		{`{"a":["1"],"b":["2"]}`, `{"x":[{"a":"1"},{"b":"2"}],"a":"1","b":"2"}`, true},
		// values
		{`{"a":[300]}`, `{"a":3e2}`, true},
		{`{"a":[300]}`, `{"a":300.0}`, true},
		{`{"a":[300]}`, `{"a":"300"}`, false},
		{`{"a":["300"]}`, `{"a":300}`, false},
		{`{"a":[0]}`, `{"a":-0.0}`, true},
		{`{"a":[true]}`, `{"a":"true"}`, false},
		{`{"a":["2001:db8::1"]}`, `{"a":"2001:0db8:0:0:0:0:0:1"}`, true},
		{`{"a":["10.0.0.1"]}`, `{"a":"010.0.0.1"}`, true},
		{`{"a":["10.0.0.1"]}`, `{"a":"::ffff:a00:1"}`, true},
		{`{"a":["10.0.0.1"]}`, `{"a":"10.0.0.2"}`, false},
		{`{"a":["256.0.0.1"]}`, `{"a":"256.0.0.1"}`, true},
		{`{"a":["256.0.0.1"]}`, `{"a":"256.000.0.1"}`, false},
		{`{"a":[{"exactly":"10.0.0.1"}]}`, `{"a":"010.0.0.1"}`, false},
		{`{"a":[{"prefix":""}]}`, `{"a":""}`, true},
		{`{"a":[{"prefix":""}]}`, `{"a":1}`, false},
		{`{"a":[{"suffix":".png"}]}`, `{"a":"x.PNG"}`, false},
		{`{"a":[{"suffix":{"equals-ignore-case":".png"}}]}`, `{"a":"x.PNG"}`, true},
		{`{"a":[{"prefix":{"equals-ignore-case":"k"}}]}`, "{\"a\":\"\u212ay\"}", true},
		{`{"a":[{"equals-ignore-case":"ÉTÉ"}]}`, `{"a":"été"}`, true},
		{`{"a":[{"equals-ignore-case":"ß"}]}`, `{"a":"SS"}`, false},
		{`{"a":[{"wildcard":"a*b"}]}`, `{"a":"ab"}`, true},
		{`{"a":[{"wildcard":"*ab*ab"}]}`, `{"a":"abab"}`, true},
		{`{"a":[{"wildcard":"a\\*b"}]}`, `{"a":"axb"}`, false},
		{`{"a":[{"wildcard":"a\\*b"}]}`, `{"a":"a*b"}`, true},
		{`{"a":[{"wildcard":"a\\\\*"}]}`, `{"a":"a\\x"}`, true},
		{`{"a":[{"wildcard":""}]}`, `{"a":""}`, true},
		{`{"a":[{"wildcard":""}]}`, `{"a":"x"}`, false},
		{`{"a":[{"wildcard":"*"}]}`, `{"a":5}`, false},
		{`{"a":[{"numeric":[">",0,"<=",5]}]}`, `{"a":5}`, true},
		{`{"a":[{"numeric":[">",0,"<=",5]}]}`, `{"a":0}`, false},
		{`{"a":[{"numeric":["=",301.8]}]}`, `{"a":3.018e2}`, true},
		{`{"a":[{"numeric":["<",10]}]}`, `{"a":"5"}`, false},
		{`{"a":[{"cidr":"10.0.0.8/24"}]}`, `{"a":"10.0.0.7"}`, false},
		{`{"a":[{"cidr":"10.0.0.8/24"}]}`, `{"a":"10.0.0.255"}`, true},
		{`{"a":[{"cidr":"10.0.0.0/8"}]}`, `{"a":"::ffff:a01:203"}`, true},
		{`{"a":[{"cidr":"10.0.0.0/8"}]}`, `{"a":"::1"}`, false},
		{`{"a":[{"cidr":"2001:db8::/32"}]}`, `{"a":"2001:db8:ffff::1"}`, true},
		{`{"a":[{"exists":true}]}`, `{"a":null}`, true},
		{`{"a":[{"exists":true}]}`, `{"a":[]}`, false},
		{`{"a":[{"exists":true}]}`, `{"a":{"b":1}}`, false},
		{`{"a":[{"exists":false}]}`, `{"a":{"b":1}}`, true},
		{`{"a":[{"exists":false}]}`, `{"a":[]}`, true},
		{`{"a":[{"exists":false}]}`, `{"a":null}`, false},
		{`{"a":["x",{"exists":false}]}`, `{}`, true},
		{`{"a":["x",{"exists":false}]}`, `{"a":"y"}`, false},
		{`{"a":[{"anything-but":"x"}]}`, `{"a":null}`, true},
		{`{"a":[{"anything-but":"x"}]}`, `{}`, false},
		{`{"a":[{"anything-but":"5"}]}`, `{"a":5}`, true},
		{`{"a":[{"anything-but":5}]}`, `{"a":"5"}`, true},
		{`{"a":[{"anything-but":[100,200,300]}]}`, `{"a":3e2}`, false},
		{`{"a":[{"anything-but":"x"}]}`, `{"a":["x","y"]}`, true},
		{`{"a":[{"anything-but":"x"}]}`, `{"a":["x","x"]}`, false},
		{`{"a":[{"anything-but":{"prefix":"in"}}]}`, `{"a":"init"}`, false},
		{`{"a":[{"anything-but":{"prefix":"in"}}]}`, `{"a":12}`, true},
		{`{"a":[{"anything-but":{"equals-ignore-case":["X","y"]}}]}`, `{"a":"Y"}`, false},
		{`{"a":[{"anything-but":{"wildcard":"*/init/*"}}]}`, `{"a":"d/init/f"}`, false},
		{`{"a":[{"anything-but":{"wildcard":"*/init/*"}}]}`, `{"a":true}`, true},
		{`{"a":[{"anything-but":{"prefix":[]}}]}`, `{"a":"x"}`, true},
	}
	for _, c := range cases {
		if _, err := pattern.Parse(c.pattern); err != nil {
			t.Errorf("Parse(%s): %v", c.pattern, err)
			continue
		}
		got, err := refMatch(c.pattern, []byte(c.event))
		if err != nil {
			t.Errorf("reference(%s, %s): %v", c.pattern, c.event, err)
			continue
		}
		if got != c.want {
			t.Errorf("reference(%s, %s) = %v, want %v", c.pattern, c.event, got, c.want)
		}
	}
}
