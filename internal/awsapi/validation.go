package awsapi

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// ValidationError is the error returned by the generated Validate methods.
// Its message is worded exactly as AWS words its ValidationException
// messages, e.g.
//
//	1 validation error detected: Value 'x y' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+
type ValidationError struct {
	// Problems holds one entry per failed constraint, each already
	// formatted as "Value '<value>' at '<path>' failed to satisfy
	// constraint: <constraint>".
	Problems []string
}

// Error returns "1 validation error detected: <p>" or
// "N validation errors detected: <p1>; <p2>; ...".
func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return "1 validation error detected: " + e.Problems[0]
	}
	return strconv.Itoa(len(e.Problems)) + " validation errors detected: " + strings.Join(e.Problems, "; ")
}

// Code returns ValidationException, the code AWS answers a failed model
// validation with (awsQuery services send it as ValidationError), so that
// awsproto.AsError turns a *ValidationError into that error.
func (e *ValidationError) Code() string { return "ValidationException" }

// Input is implemented by every generated operation input structure.
type Input interface {
	// Validate checks the model constraints (required members, length,
	// range, pattern and enum constraints) of the value and of everything
	// nested in it. It returns nil or a *ValidationError.
	Validate() error
}

// Problems collects validation problems in the order they are found. The
// generated validation code uses it; a zero Problems is ready to use.
type Problems struct {
	list []string
}

// Err returns nil when no problem was recorded, else a *ValidationError
// holding the problems.
func (p *Problems) Err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &ValidationError{Problems: append([]string(nil), p.list...)}
}

// Len returns the number of problems recorded so far.
func (p *Problems) Len() int { return len(p.list) }

// Add records that value (already rendered) at path fails constraint.
func (p *Problems) Add(path, value, constraint string) {
	p.list = append(p.list, "Value '"+value+"' at '"+path+"' failed to satisfy constraint: "+constraint)
}

// AddSensitive records a failed constraint of a member whose shape is marked
// sensitive: AWS leaves the value out ("Value at 'x' failed ...").
func (p *Problems) AddSensitive(path, constraint string) {
	p.list = append(p.list, "Value at '"+path+"' failed to satisfy constraint: "+constraint)
}

// Null records a missing required member.
func (p *Problems) Null(path string) {
	p.list = append(p.list, "Value null at '"+path+"' failed to satisfy constraint: "+ConstraintNotNull)
}

// AddValue records a failed constraint, rendering the value lazily (render is
// only called when the shape is not sensitive).
func (p *Problems) AddValue(path string, sensitive bool, render func() string, constraint string) {
	if sensitive {
		p.AddSensitive(path, constraint)
		return
	}
	p.Add(path, render(), constraint)
}

// Member returns the path of member (already lower-camel) of the structure
// at path: "name" at the top level, "a.b" below.
func Member(path, member string) string {
	if path == "" {
		return member
	}
	return path + "." + member
}

// Element returns the path of the i-th (0-based) element of the list at
// path, as AWS writes it: "<list>.<i+1>.member".
func Element(path string, i int) string {
	return path + "." + strconv.Itoa(i+1) + ".member"
}

// MapValue returns the path of the value stored under key in the map at
// path: "<map>.<key>.member".
func MapValue(path, key string) string {
	return path + "." + key + ".member"
}

// Constraint texts, worded as AWS words them.
const (
	ConstraintNotNull = "Member must not be null"
	// Prefixes used when an element of a list, or a key or value of a
	// map, fails a constraint of its own shape; AWS then reports the
	// whole collection, followed by every constraint of the element shape
	// in brackets.
	PrefixElementConstraint  = "Member must satisfy constraint: "
	PrefixMapKeyConstraint   = "Map keys must satisfy constraint: "
	PrefixMapValueConstraint = "Map value must satisfy constraint: "
)

// MaxLengthConstraint returns "Member must have length less than or equal to n".
func MaxLengthConstraint(n int64) string {
	return "Member must have length less than or equal to " + strconv.FormatInt(n, 10)
}

// MinLengthConstraint returns "Member must have length greater than or equal to n".
func MinLengthConstraint(n int64) string {
	return "Member must have length greater than or equal to " + strconv.FormatInt(n, 10)
}

// PatternConstraint returns "Member must satisfy regular expression pattern: <pattern>".
func PatternConstraint(pattern string) string {
	return "Member must satisfy regular expression pattern: " + pattern
}

// EnumConstraint returns "Member must satisfy enum value set: [A, B, C]".
func EnumConstraint(values []string) string {
	return "Member must satisfy enum value set: [" + strings.Join(values, ", ") + "]"
}

// MaxValueConstraint returns "Member must have value less than or equal to <n>".
func MaxValueConstraint(n string) string {
	return "Member must have value less than or equal to " + n
}

// MinValueConstraint returns "Member must have value greater than or equal to <n>".
func MinValueConstraint(n string) string {
	return "Member must have value greater than or equal to " + n
}

// Pattern is a model regular expression. Source is the Java regular
// expression as written in the model (and as quoted in error messages); the
// Go translation is compiled on first use and must match the whole value,
// like Java's Matcher.matches().
type Pattern struct {
	Source string
	expr   string
	once   sync.Once
	re     *regexp.Regexp
}

// NewPattern returns a Pattern for the model regex source whose RE2
// translation is goExpr (an expression matching the whole value, normally
// "^(?:...)$"). goExpr is compiled lazily; it panics then if it is invalid,
// which the generator rules out.
func NewPattern(source, goExpr string) *Pattern {
	return &Pattern{Source: source, expr: goExpr}
}

// MatchString reports whether s satisfies the pattern.
func (p *Pattern) MatchString(s string) bool {
	p.once.Do(func() { p.re = regexp.MustCompile(p.expr) })
	return p.re.MatchString(s)
}

// StringRule holds the constraints of one string shape. The zero value has
// no constraints.
type StringRule struct {
	Sensitive    bool
	Pattern      *Pattern
	HasMinLength bool
	MinLength    int64
	HasMaxLength bool
	MaxLength    int64
	Enum         []string // allowed values in model order; nil if not an enum

	descOnce sync.Once
	desc     string
}

// StringLength is the length AWS constraints apply to a string: the number
// of Unicode code points (Smithy's definition of string length).
func StringLength(s string) int64 { return int64(utf8.RuneCountInString(s)) }

// Valid reports whether v satisfies every constraint of the rule.
func (r *StringRule) Valid(v string) bool {
	if r.Pattern != nil && !r.Pattern.MatchString(v) {
		return false
	}
	if r.HasMinLength || r.HasMaxLength {
		n := StringLength(v)
		if r.HasMinLength && n < r.MinLength || r.HasMaxLength && n > r.MaxLength {
			return false
		}
	}
	return r.Enum == nil || inEnum(r.Enum, v)
}

// Check records a problem at path for each constraint v fails, in the order
// AWS reports them: pattern, length, enum.
func (r *StringRule) Check(p *Problems, path, v string) {
	add := func(c string) {
		if r.Sensitive {
			p.AddSensitive(path, c)
		} else {
			p.Add(path, v, c)
		}
	}
	if r.Pattern != nil && !r.Pattern.MatchString(v) {
		add(PatternConstraint(r.Pattern.Source))
	}
	if r.HasMinLength || r.HasMaxLength {
		n := StringLength(v)
		if r.HasMinLength && n < r.MinLength {
			add(MinLengthConstraint(r.MinLength))
		}
		if r.HasMaxLength && n > r.MaxLength {
			add(MaxLengthConstraint(r.MaxLength))
		}
	}
	if r.Enum != nil && !inEnum(r.Enum, v) {
		add(EnumConstraint(r.Enum))
	}
}

// Describe lists every constraint of the rule in brackets, in the order AWS
// lists them when an element of a collection fails:
// "[Member must have length less than or equal to 256, Member must have
// length greater than or equal to 1, Member must satisfy regular expression
// pattern: ...]".
func (r *StringRule) Describe() string {
	r.descOnce.Do(func() {
		var cs []string
		if r.HasMaxLength {
			cs = append(cs, MaxLengthConstraint(r.MaxLength))
		}
		if r.HasMinLength {
			cs = append(cs, MinLengthConstraint(r.MinLength))
		}
		if r.Pattern != nil {
			cs = append(cs, PatternConstraint(r.Pattern.Source))
		}
		if r.Enum != nil {
			cs = append(cs, EnumConstraint(r.Enum))
		}
		r.desc = "[" + strings.Join(cs, ", ") + "]"
	})
	return r.desc
}

func inEnum(values []string, v string) bool {
	for _, e := range values {
		if e == v {
			return true
		}
	}
	return false
}

// IntRule holds the range constraints of one integer or long shape.
type IntRule struct {
	Sensitive bool
	HasMin    bool
	Min       int64
	HasMax    bool
	Max       int64
}

// Valid reports whether v is within range.
func (r *IntRule) Valid(v int64) bool {
	return !(r.HasMin && v < r.Min || r.HasMax && v > r.Max)
}

// Check records a problem at path if v is out of range.
func (r *IntRule) Check(p *Problems, path string, v int64) {
	s := strconv.FormatInt(v, 10)
	add := func(c string) {
		if r.Sensitive {
			p.AddSensitive(path, c)
		} else {
			p.Add(path, s, c)
		}
	}
	if r.HasMin && v < r.Min {
		add(MinValueConstraint(strconv.FormatInt(r.Min, 10)))
	}
	if r.HasMax && v > r.Max {
		add(MaxValueConstraint(strconv.FormatInt(r.Max, 10)))
	}
}

// Describe lists the rule's constraints in brackets (see StringRule.Describe).
func (r *IntRule) Describe() string {
	var cs []string
	if r.HasMax {
		cs = append(cs, MaxValueConstraint(strconv.FormatInt(r.Max, 10)))
	}
	if r.HasMin {
		cs = append(cs, MinValueConstraint(strconv.FormatInt(r.Min, 10)))
	}
	return "[" + strings.Join(cs, ", ") + "]"
}

// FloatRule holds the range constraints of one float or double shape. Bits
// is 32 for float shapes and 64 for double shapes (it selects how values are
// printed).
type FloatRule struct {
	Sensitive bool
	Bits      int
	HasMin    bool
	Min       float64
	HasMax    bool
	Max       float64
}

func (r *FloatRule) format(v float64) string {
	if r.Bits == 32 {
		return FormatJavaFloat(float32(v))
	}
	return FormatJavaDouble(v)
}

// Valid reports whether v is within range.
func (r *FloatRule) Valid(v float64) bool {
	return !(r.HasMin && v < r.Min || r.HasMax && v > r.Max)
}

// Check records a problem at path if v is out of range.
func (r *FloatRule) Check(p *Problems, path string, v float64) {
	add := func(c string) {
		if r.Sensitive {
			p.AddSensitive(path, c)
		} else {
			p.Add(path, r.format(v), c)
		}
	}
	if r.HasMin && v < r.Min {
		add(MinValueConstraint(r.format(r.Min)))
	}
	if r.HasMax && v > r.Max {
		add(MaxValueConstraint(r.format(r.Max)))
	}
}

// Describe lists the rule's constraints in brackets (see StringRule.Describe).
func (r *FloatRule) Describe() string {
	var cs []string
	if r.HasMax {
		cs = append(cs, MaxValueConstraint(r.format(r.Max)))
	}
	if r.HasMin {
		cs = append(cs, MinValueConstraint(r.format(r.Min)))
	}
	return "[" + strings.Join(cs, ", ") + "]"
}

// LengthRule holds the length constraints of a list, map or blob shape
// (number of elements, entries or bytes).
type LengthRule struct {
	Sensitive    bool
	HasMinLength bool
	MinLength    int64
	HasMaxLength bool
	MaxLength    int64
}

// Valid reports whether a collection of n elements satisfies the rule.
func (r *LengthRule) Valid(n int) bool {
	return !(r.HasMinLength && int64(n) < r.MinLength || r.HasMaxLength && int64(n) > r.MaxLength)
}

// Check records a problem at path if n is out of bounds; render renders the
// whole value (only called when needed and the shape is not sensitive).
func (r *LengthRule) Check(p *Problems, path string, n int, render func() string) {
	if r.HasMinLength && int64(n) < r.MinLength {
		p.AddValue(path, r.Sensitive, render, MinLengthConstraint(r.MinLength))
	}
	if r.HasMaxLength && int64(n) > r.MaxLength {
		p.AddValue(path, r.Sensitive, render, MaxLengthConstraint(r.MaxLength))
	}
}

// Describe lists the rule's constraints in brackets (see StringRule.Describe).
func (r *LengthRule) Describe() string {
	var cs []string
	if r.HasMaxLength {
		cs = append(cs, MaxLengthConstraint(r.MaxLength))
	}
	if r.HasMinLength {
		cs = append(cs, MinLengthConstraint(r.MinLength))
	}
	return "[" + strings.Join(cs, ", ") + "]"
}
