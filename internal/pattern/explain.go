package pattern

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Explanation says whether a pattern matches an event and, when it does
// not, why: for each alternative of the pattern (one unless it uses $or),
// the first field, in path order, that failed and the constraint it failed.
//
//	detail.state: "pending" is not one of ["running","stopped"]
//	detail.c-count: field is missing
type Explanation struct {
	Matched bool     `json:"matched"`
	Reasons []string `json:"reasons,omitempty"`
}

func (x Explanation) String() string {
	switch {
	case x.Matched:
		return "matched"
	case len(x.Reasons) == 1:
		return x.Reasons[0]
	}
	parts := make([]string, len(x.Reasons))
	for i, r := range x.Reasons {
		parts[i] = fmt.Sprintf("($or alternative %d) %s", i+1, r)
	}
	return strings.Join(parts, "; ")
}

// Explain reports whether the event matches the pattern and why not.
func (p *Pattern) Explain(event []byte) (Explanation, error) {
	e := evaluatorPool.Get().(*evaluator)
	defer evaluatorPool.Put(e)
	if !e.sc.scan(event, p.trie, len(p.paths)) {
		return Explanation{}, ErrInvalidEvent
	}
	var x Explanation
	for _, b := range p.branches {
		reason := e.explainBranch(b.fields, b.locals)
		if reason == "" {
			return Explanation{Matched: true}, nil
		}
		x.Reasons = append(x.Reasons, reason)
	}
	return x, nil
}

// RuleExplanation is one rule's verdict on an event.
type RuleExplanation struct {
	Rule string `json:"rule"`
	Explanation
}

// Explain evaluates every rule against the event and says which match and,
// for the others, why not. It is meant for debugging ("why did my rule not
// fire?") and costs one evaluation per rule. Results are sorted by rule id.
func (m *Matcher) Explain(event []byte) ([]RuleExplanation, error) {
	m.mu.RLock()
	rules := make([]*ruleEntry, 0, len(m.rules))
	for _, r := range m.rules {
		rules = append(rules, r)
	}
	m.mu.RUnlock()
	sort.Slice(rules, func(i, j int) bool { return rules[i].id < rules[j].id })
	out := make([]RuleExplanation, 0, len(rules))
	for _, r := range rules {
		x, err := r.pattern.Explain(event)
		if err != nil {
			return nil, err
		}
		out = append(out, RuleExplanation{Rule: r.id, Explanation: x})
	}
	return out, nil
}

// explainBranch returns "" if the branch matches, else the reason it fails.
func (e *evaluator) explainBranch(fields []*field, ids []int32) string {
	for i, f := range fields {
		start := len(e.cand)
		present := e.matchField(f, ids[i])
		matched := len(e.cand) > start
		e.cand = e.cand[:start]
		switch {
		case matched:
			continue
		case !present && f.absent:
			continue
		case !present:
			return f.path + ": field is missing"
		case len(f.ops) == 0:
			vals, _ := e.values(ids[i])
			return fmt.Sprintf("%s: has the value %s, but the pattern requires the field to be absent", f.path, vals)
		default:
			vals, n := e.values(ids[i])
			exact := onlyExact(f)
			switch {
			case n == 1 && exact:
				return fmt.Sprintf("%s: %s is not one of %s", f.path, vals, compactRaw(f.raw))
			case n == 1:
				return fmt.Sprintf("%s: %s does not match %s", f.path, vals, compactRaw(f.raw))
			case exact:
				return fmt.Sprintf("%s: none of %s is one of %s", f.path, vals, compactRaw(f.raw))
			default:
				return fmt.Sprintf("%s: none of %s matches %s", f.path, vals, compactRaw(f.raw))
			}
		}
	}
	if !e.branchMatches(fields, ids) {
		var paths []string
		for _, f := range fields {
			paths = append(paths, f.path)
		}
		return strings.Join(paths, ", ") + ": each field has a matching value, but not within one element of the same array"
	}
	return ""
}

func onlyExact(f *field) bool {
	for _, o := range f.ops {
		if o.kind != opExact && o.kind != opNumber && o.kind != opLiteral {
			return false
		}
	}
	return true
}

// values renders the values found at a field as JSON, and counts them.
func (e *evaluator) values(id int32) (string, int) {
	var vals []string
	for li := e.sc.heads[id]; li >= 0; li = e.sc.leaves[li].next {
		vals = append(vals, renderLeaf(&e.sc.leaves[li]))
	}
	// Leaves are linked newest first; show them in event order.
	for i, j := 0, len(vals)-1; i < j; i, j = i+1, j-1 {
		vals[i], vals[j] = vals[j], vals[i]
	}
	n := len(vals)
	if n == 1 {
		return vals[0], 1
	}
	const most = 5
	if n > most {
		vals = append(vals[:most], "…")
	}
	return "[" + strings.Join(vals, ",") + "]", n
}

func renderLeaf(l *leaf) string {
	if l.kind == kindString {
		b, _ := json.Marshal(l.str)
		return string(b)
	}
	return l.str
}

func compactRaw(raw string) string {
	var buf bytes.Buffer
	if json.Compact(&buf, []byte(raw)) != nil {
		return raw
	}
	return buf.String()
}
