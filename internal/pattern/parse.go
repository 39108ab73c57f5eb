package pattern

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Pattern is a parsed, validated event pattern. It is immutable and safe for
// concurrent use.
type Pattern struct {
	src      string
	branches []*branch // the pattern in disjunctive normal form ($or expanded)
	paths    []string  // distinct field paths, indexed by field.local
	trie     *pathNode // paths as a trie, for evaluating this pattern alone
}

// branch is one conjunction of fields: every field must match.
type branch struct {
	fields []*field // sorted by path
	locals []int32  // fields[i].local
}

// field is one path's list of alternatives: any op may match.
type field struct {
	path   string
	ops    []op // positive alternatives (exists:false is recorded in absent)
	absent bool // the list contains {"exists": false}
	raw    string
	local  int32 // index into Pattern.paths
}

// mandatory reports whether the field needs a matching value (it cannot be
// satisfied by the path being absent).
func (f *field) mandatory() bool { return !f.absent }

// String returns the pattern's source text.
func (p *Pattern) String() string { return p.src }

// Paths returns the distinct field paths the pattern constrains, dot-joined.
func (p *Pattern) Paths() []string { return slices.Clone(p.paths) }

// Branches returns how many alternatives the pattern has after $or is
// expanded (1 for a pattern without $or).
func (p *Pattern) Branches() int { return len(p.branches) }

// Default limits, as EventBridge applies them.
const (
	// DefaultMaxLength is the default largest pattern, in characters.
	DefaultMaxLength = 2048
	// DefaultMaxCombinations is the largest number of alternatives a
	// pattern's $or clauses may expand to.
	DefaultMaxCombinations = 1000
)

// Option configures Parse.
type Option interface{ apply(*config) error }

type config struct {
	maxLength    int
	maxCombos    int
	wcComplexity int
	set          map[string]bool
}

type optionFunc struct {
	name string
	f    func(*config) error
}

func (o optionFunc) apply(c *config) error {
	if c.set[o.name] {
		return fmt.Errorf("pattern: option %s given twice", o.name)
	}
	c.set[o.name] = true
	return o.f(c)
}

// WithMaxLength sets the largest pattern accepted, in characters (default
// 2048, EventBridge's default quota). 0 means no limit.
func WithMaxLength(n int) Option {
	return optionFunc{"WithMaxLength", func(c *config) error {
		if n < 0 {
			return fmt.Errorf("pattern: WithMaxLength(%d): must not be negative", n)
		}
		c.maxLength = n
		return nil
	}}
}

// WithMaxCombinations sets how many alternatives $or may expand to
// (default 1000).
func WithMaxCombinations(n int) Option {
	return optionFunc{"WithMaxCombinations", func(c *config) error {
		if n < 1 {
			return fmt.Errorf("pattern: WithMaxCombinations(%d): must be at least 1", n)
		}
		c.maxCombos = n
		return nil
	}}
}

// WithWildcardComplexity sets the wildcard complexity limit (default
// DefaultWildcardComplexity).
func WithWildcardComplexity(n int) Option {
	return optionFunc{"WithWildcardComplexity", func(c *config) error {
		if n < 1 {
			return fmt.Errorf("pattern: WithWildcardComplexity(%d): must be at least 1", n)
		}
		c.wcComplexity = n
		return nil
	}}
}

// Parse parses and validates an event pattern. A pattern that EventBridge
// would refuse returns an *Error with EventBridge's reason. A misused option
// returns a plain error.
func Parse(src string, opts ...Option) (*Pattern, error) {
	cfg := config{
		maxLength:    DefaultMaxLength,
		maxCombos:    DefaultMaxCombinations,
		wcComplexity: DefaultWildcardComplexity,
		set:          map[string]bool{},
	}
	for _, o := range opts {
		if err := o.apply(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.maxLength > 0 {
		if n := utf8.RuneCountInString(src); n > cfg.maxLength {
			return nil, newError(fmt.Sprintf("Event pattern is too long: %d characters, the maximum is %d", n, cfg.maxLength))
		}
	}
	c := &compiler{t: newTokenizer(src), maxCombos: cfg.maxCombos}
	rules, err := c.compile()
	if err != nil {
		return nil, err
	}
	p := build(src, rules)
	if err := p.checkWildcardComplexity(cfg.wcComplexity); err != nil {
		return nil, err
	}
	return p, nil
}

// MustParse is Parse for patterns known to be valid; it panics otherwise.
func MustParse(src string) *Pattern {
	p, err := Parse(src)
	if err != nil {
		panic(err)
	}
	return p
}

// rule is one branch under construction: path -> field, later fields of the
// same path replacing earlier ones (EventBridge keeps the last duplicate key).
type rule map[string]*field

type compiler struct {
	t         *tokenizer
	path      []string
	maxCombos int
}

type limitError struct{ err *Error }

func (c *compiler) compile() (rules []rule, err error) {
	defer func() {
		if r := recover(); r != nil {
			switch e := r.(type) {
			case *syntaxError:
				err = positionedError(c.t.src, e)
			case limitError:
				err = e.err
			default:
				panic(r)
			}
		}
	}()
	if c.t.next() != tokStartObject {
		c.t.barf("Filter is not an object")
	}
	c.parseObject(&rules, false)
	return rules, nil
}

func (c *compiler) extended(name string) string {
	if len(c.path) == 0 {
		return name
	}
	return strings.Join(c.path, ".") + "." + name
}

// reservedInOr are names that may not be field names inside $or.
var reservedInOr = map[string]bool{
	"exactly": true, "equals-ignore-case": true, "prefix": true, "suffix": true,
	"anything-but": true, "exists": true, "wildcard": true, "numeric": true,
	"cidr": true, "=": true, "<": true, "<=": true, ">": true, ">=": true,
	"regex": true, "not-wildcard": true, "not-equals-ignore-case": true,
	"date-after": true, "date-on-or-after": true, "date-before": true,
	"date-on-or-before": true, "in-date-range": true,
	"ip-address-in-range": true, "ip-address-not-in-range": true,
}

func (c *compiler) parseObject(rules *[]rule, inOr bool) {
	t := c.t
	present := false
	for t.next() != tokEndObject {
		present = true
		name := t.text
		if name == "$or" {
			c.parseOr(rules)
			continue
		}
		if inOr && reservedInOr[name] {
			t.barf("%s is Ruler reserved fieldName which cannot be used inside $or.", name)
		}
		switch t.next() {
		case tokStartObject:
			c.path = append(c.path, name)
			c.parseObject(rules, inOr)
			c.path = c.path[:len(c.path)-1]
		case tokStartArray:
			c.writeRules(rules, c.extended(name))
		default:
			t.barfValue("\"%s\" must be an object or an array", name)
		}
	}
	if !present {
		t.barf("Empty objects are not allowed")
	}
}

func copyRules(rules []rule) []rule {
	out := make([]rule, len(rules))
	for i, r := range rules {
		n := make(rule, len(r))
		for k, v := range r {
			n[k] = v
		}
		out[i] = n
	}
	return out
}

func (c *compiler) parseOr(rules *[]rule) {
	t := c.t
	current := copyRules(*rules)
	*rules = nil
	if t.next() != tokStartArray {
		t.barfValue("It must be an Array followed with $or.")
	}
	count := 0
	for tok := t.next(); tok != tokEndArray; tok = t.next() {
		count++
		if tok != tokStartObject {
			t.barfValue("Only JSON object is allowed in array of $or relationship.")
		}
		branch := copyRules(current)
		if len(branch) == 0 {
			branch = append(branch, rule{})
		}
		c.parseObject(&branch, true)
		*rules = append(*rules, branch...)
		if len(*rules) > c.maxCombos {
			panic(limitError{newError(fmt.Sprintf("The $or clauses in this pattern expand to more than %d combinations", c.maxCombos))})
		}
	}
	if count < 2 {
		t.barf("There must have at least 2 Objects in $or relationship.")
	}
}

func (c *compiler) writeRules(rules *[]rule, name string) {
	t := c.t
	start := t.start
	f := &field{path: name}
	for tok := t.next(); tok != tokEndArray; tok = t.next() {
		switch tok {
		case tokStartObject:
			c.matchExpression(f)
		case tokString:
			if r, ok := exactIP(t.text); ok {
				f.ops = append(f.ops, op{kind: opIP, ip: r, s: t.text})
			} else {
				f.ops = append(f.ops, op{kind: opExact, s: t.text})
			}
		case tokNumberInt, tokNumberFloat:
			f.ops = append(f.ops, numberOp(t.text))
		case tokNull:
			f.ops = append(f.ops, op{kind: opLiteral, lit: kindNull})
		case tokTrue:
			f.ops = append(f.ops, op{kind: opLiteral, lit: kindTrue})
		case tokFalse:
			f.ops = append(f.ops, op{kind: opLiteral, lit: kindFalse})
		default:
			t.barf("Match value must be String, number, true, false, or null")
		}
	}
	if len(f.ops) == 0 && !f.absent {
		t.barf("Empty arrays are not allowed")
	}
	f.raw = t.src[start:t.end]
	if len(*rules) == 0 {
		*rules = append(*rules, rule{})
	}
	for _, r := range *rules {
		r[name] = f
	}
}

func parseNumber(text string) float64 {
	f, _ := strconv.ParseFloat(text, 64) // syntax already checked; range errors give ±Inf or 0
	return f
}

func numberOp(text string) op {
	return op{kind: opNumber, f: parseNumber(text), fOK: true, s: text}
}

func (c *compiler) onlyOneKey() {
	if c.t.next() != tokEndObject {
		c.t.barf("Only one key allowed in match expression")
	}
}

func (c *compiler) tooManyElements() {
	c.t.barf("Too many elements in numeric expression")
}

func (c *compiler) matchExpression(f *field) {
	t := c.t
	if t.next() != tokFieldName {
		t.barf("Match expression name not found")
	}
	name := t.text
	switch name {
	case "exactly":
		if t.next() != tokString {
			t.barf("exact match pattern must be a string")
		}
		f.ops = append(f.ops, op{kind: opExact, s: t.text})
		c.onlyOneKey()
	case "prefix", "suffix":
		tok := t.next()
		if tok == tokStartObject {
			f.ops = append(f.ops, c.affixIgnoreCase(name))
			return
		}
		if tok != tokString {
			t.barf("%s match pattern must be a string", name)
		}
		k := opPrefix
		if name == "suffix" {
			k = opSuffix
		}
		f.ops = append(f.ops, op{kind: k, s: t.text})
		c.onlyOneKey()
	case "numeric":
		if t.next() != tokStartArray {
			t.barf("Value of numeric must be an array.")
		}
		f.ops = append(f.ops, c.numeric())
		if t.next() != tokEndObject {
			c.tooManyElements()
		}
	case "anything-but":
		f.ops = append(f.ops, c.anythingBut())
	case "exists":
		switch t.next() {
		case tokTrue:
			f.ops = append(f.ops, op{kind: opExists})
		case tokFalse:
			f.absent = true
		default:
			t.barfValue("exists match pattern must be either true or false.")
		}
		c.onlyOneKey()
	case "cidr":
		if t.next() != tokString {
			t.barf("prefix match pattern must be a string")
		}
		r, msg := parseCIDR(t.text)
		if msg != "" {
			panic(limitError{newError(msg)})
		}
		f.ops = append(f.ops, op{kind: opIP, ip: r, s: t.text})
		c.onlyOneKey()
	case "equals-ignore-case":
		if t.next() != tokString {
			t.barf("equals-ignore-case match pattern must be a string")
		}
		f.ops = append(f.ops, op{kind: opFold, s: foldString(t.text)})
		c.onlyOneKey()
	case "wildcard":
		if t.next() != tokString {
			t.barf("wildcard match pattern must be a string")
		}
		w, msg := parseWildcard(t.text)
		if msg != "" {
			t.barf("%s", msg)
		}
		f.ops = append(f.ops, op{kind: opWildcard, wc: w, s: t.text})
		c.onlyOneKey()
	default:
		t.barf("Unrecognized match type %s", name)
	}
}

// affixIgnoreCase parses {"prefix": {"equals-ignore-case": "x"}} (or suffix)
// after its inner '{'.
func (c *compiler) affixIgnoreCase(name string) op {
	t := c.t
	title := strings.ToUpper(name[:1]) + name[1:]
	if t.next() != tokFieldName {
		t.barf("%s expression name not found", title)
	}
	if t.text != "equals-ignore-case" {
		t.barf("Unsupported %s pattern: %s", name, t.text)
	}
	if t.next() != tokString {
		t.barf("equals-ignore-case match pattern must be a string")
	}
	o := op{kind: opPrefixFold, s: foldString(t.text)}
	if name == "suffix" {
		o.kind = opSuffixFold
	}
	c.onlyOneKey()
	c.onlyOneKey()
	return o
}

func (c *compiler) numericValue(format string, args ...any) float64 {
	if !c.t.kind.isNumeric() {
		c.t.barfValue(format, args...)
	}
	return parseNumber(c.t.text)
}

// numeric parses the array after "numeric": (its '[' already read).
func (c *compiler) numeric() op {
	t := c.t
	if t.next() != tokString {
		t.barf("Invalid member in numeric match: %s", t.text)
	}
	operator := t.text
	t.next()
	inf := math.Inf(1)
	switch operator {
	case "=":
		v := c.numericValue("Value of equals must be numeric")
		if t.next() != tokEndArray {
			c.tooManyElements()
		}
		return op{kind: opNumber, f: v, fOK: true, s: strconv.FormatFloat(v, 'g', -1, 64)}
	case ">=", ">":
		v := c.numericValue("Value of %s must be numeric", operator)
		if t.next() == tokEndArray {
			return op{kind: opRange, lo: v, loOpen: operator == ">", hi: inf}
		}
		return c.completeRange(v, operator == ">")
	case "<=", "<":
		v := c.numericValue("Value of %s must be numeric", operator)
		if t.next() != tokEndArray {
			c.tooManyElements()
		}
		return op{kind: opRange, lo: -inf, hi: v, hiOpen: operator == "<"}
	default:
		t.barf("Unrecognized numeric range operator: %s", operator)
	}
	return op{}
}

func (c *compiler) completeRange(lo float64, loOpen bool) op {
	t := c.t
	if t.kind != tokString {
		t.barf("Bad value in numeric range: %s", t.text)
	}
	operator := t.text
	if operator != "<" && operator != "<=" {
		t.barf("Bad numeric range operator: %s", operator)
	}
	t.next()
	hi := c.numericValue("Value of %s must be numeric", operator)
	if t.next() != tokEndArray {
		t.barf("Too many terms in numeric range expression")
	}
	if !(lo < hi) {
		t.barf("Bottom must be less than top")
	}
	return op{kind: opRange, lo: lo, loOpen: loOpen, hi: hi, hiOpen: operator == "<"}
}

// rebarfing runs fn; an error it raises is raised again with its location
// appended to its reason, as EventBridge's parser does when it re-reports
// errors from inside anything-but lists (the location then appears twice).
func (c *compiler) rebarfing(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*syntaxError)
			if !ok {
				panic(r)
			}
			panic(&syntaxError{msg: se.msg + "\n at " + sourceLocation(c.t.src, se.pos), pos: c.t.end})
		}
	}()
	fn()
}

// anythingBut parses the value after "anything-but".
func (c *compiler) anythingBut() op {
	t := c.t
	kind := notValues
	nested := false
	tok := t.next()
	if tok == tokStartObject {
		nested = true
		if t.next() != tokFieldName {
			t.barf("Anything-But expression name not found")
		}
		switch t.text {
		case "equals-ignore-case":
			kind = notFold
		case "prefix":
			kind = notPrefix
		case "suffix":
			kind = notSuffix
		case "wildcard":
			kind = notWildcard
		default:
			t.barf("Unsupported anything-but pattern: %s", t.text)
		}
		tok = t.next()
	}
	if tok != tokStartArray && tok != tokString && !tok.isNumeric() {
		t.barf("Value of anything-but must be an array or single string/number value.")
	}
	n := &notSet{kind: kind}
	if kind == notValues {
		hasNum, hasStr := false, false
		add := func() {
			switch {
			case t.kind == tokString:
				n.strs = append(n.strs, t.text)
				hasStr = true
			case t.kind.isNumeric():
				n.nums = append(n.nums, parseNumber(t.text))
				hasNum = true
			default:
				t.barf("Inside anything but list, start|null|boolean is not supported.")
			}
		}
		if tok == tokStartArray {
			c.rebarfing(func() {
				for t.next() != tokEndArray {
					add()
				}
			})
			if hasNum == hasStr {
				t.barf("Inside anything but list, either all values are number or string, mixed type is not supported")
			}
		} else {
			add()
		}
		n.numeric = hasNum
	} else {
		add := func() {
			if t.kind != tokString {
				switch kind {
				case notFold:
					t.barf("Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")
				case notWildcard:
					t.barf("wildcard match pattern must be a string")
				default:
					t.barf("prefix/suffix match pattern must be a string")
				}
			}
			s := t.text
			if (kind == notPrefix || kind == notSuffix) && s == "" {
				t.barf("Null prefix/suffix not allowed")
			}
			if kind == notFold {
				s = foldString(s)
			}
			n.strs = append(n.strs, s)
		}
		if tok == tokStartArray {
			c.rebarfing(func() {
				for t.next() != tokEndArray {
					add()
				}
			})
		} else {
			add()
		}
		if kind == notWildcard {
			for _, s := range n.strs {
				w, msg := parseWildcard(s)
				if msg != "" {
					t.barf("%s", msg)
				}
				n.wcs = append(n.wcs, w)
			}
		}
	}
	sort.Strings(n.strs)
	n.strs = slices.Compact(n.strs)
	if t.next() != tokEndObject {
		c.tooManyElements()
	}
	if nested && t.next() != tokEndObject {
		c.tooManyElements()
	}
	return op{kind: opNot, not: n}
}

// build turns the compiled rules into a Pattern.
func build(src string, rules []rule) *Pattern {
	p := &Pattern{src: src}
	local := map[string]int32{}
	seen := map[*field]bool{}
	for _, r := range rules {
		b := &branch{}
		for _, f := range r {
			if !seen[f] {
				seen[f] = true
				id, ok := local[f.path]
				if !ok {
					id = int32(len(p.paths))
					local[f.path] = id
					p.paths = append(p.paths, f.path)
				}
				f.local = id
			}
			b.fields = append(b.fields, f)
		}
		sort.Slice(b.fields, func(i, j int) bool { return b.fields[i].path < b.fields[j].path })
		p.branches = append(p.branches, b)
	}
	for _, b := range p.branches {
		for _, f := range b.fields {
			b.locals = append(b.locals, f.local)
		}
	}
	p.trie = newPathNode()
	for i, path := range p.paths {
		p.trie.insert(path, int32(i))
	}
	return p
}

func (p *Pattern) checkWildcardComplexity(limit int) error {
	byPath := map[string][]*wildcard{}
	seen := map[*field]bool{}
	for _, b := range p.branches {
		for _, f := range b.fields {
			if seen[f] {
				continue
			}
			seen[f] = true
			for i := range f.ops {
				o := &f.ops[i]
				switch {
				case o.kind == opWildcard:
					byPath[f.path] = append(byPath[f.path], o.wc)
				case o.kind == opNot && o.not.kind == notWildcard:
					byPath[f.path] = append(byPath[f.path], o.not.wcs...)
				}
			}
		}
	}
	for _, ws := range byPath {
		if wildcardComplexity(ws, limit) >= limit {
			return newError("Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character")
		}
	}
	return nil
}
