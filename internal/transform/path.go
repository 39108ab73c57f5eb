package transform

import (
	"strconv"
	"strings"
)

// A path is a compiled JSONPath of the subset EventBridge documents for
// InputPath and InputPathsMap ("dot notation, dashes, underscores,
// alphanumeric characters, array indices, wildcards (*), forward
// slashes"), plus bracket-quoted member names, which the PutTargets
// reference allows for InputPath ("You may use JSON dot notation or
// bracket notation"):
//
//	$                  the whole event
//	$.detail.a-b/c     members, by dot notation
//	$['detail']["a b"] members, bracket-quoted (\' or \" escapes the quote)
//	$.list[0]          array element; [-1] counts from the end
//	$.detail.*  $.list[*]  every member or element (the result is an array)
//
// Deep scan (..), filters ([?()]), slices ([1:2]), unions ([0,1]) and
// functions are refused when the target is put, as unsupported.
type path struct {
	steps []step
	// many is true when the path has a wildcard: like Jayway JsonPath, it
	// then selects a list (an array, possibly empty) rather than one value.
	many bool
}

type stepKind uint8

const (
	stepName stepKind = iota
	stepIndex
	stepWild
)

type step struct {
	kind  stepKind
	name  string
	index int
}

// key renders a step canonically, so equal paths share one slot.
func (s step) key() string {
	switch s.kind {
	case stepName:
		return "['" + strings.ReplaceAll(s.name, "'", `\'`) + "']"
	case stepIndex:
		return "[" + strconv.Itoa(s.index) + "]"
	}
	return "[*]"
}

func (p *path) key() string {
	var b strings.Builder
	b.WriteByte('$')
	for _, s := range p.steps {
		b.WriteString(s.key())
	}
	return b.String()
}

// parsePath compiles a JSONPath. The error text says what is wrong.
func parsePath(src string) (*path, string) {
	if src == "" {
		return nil, "the path is empty"
	}
	if src[0] != '$' {
		return nil, "a path must start with $"
	}
	p := &path{}
	i := 1
	for i < len(src) {
		switch src[i] {
		case '.':
			i++
			if i >= len(src) {
				return nil, "a path must not end with '.'"
			}
			switch src[i] {
			case '.':
				return nil, "deep scan (..) is not supported"
			case '*':
				p.steps = append(p.steps, step{kind: stepWild})
				p.many = true
				i++
				continue
			case '[':
				return nil, "'.' must be followed by a member name"
			}
			j := i
			for j < len(src) && src[j] != '.' && src[j] != '[' {
				if c := src[j]; c == ']' || c == '(' || c == ')' || c == '\'' || c == '"' || c == ' ' || c < 0x20 {
					return nil, "unexpected character " + strconv.QuoteRune(rune(c)) + " in a member name"
				}
				j++
			}
			p.steps = append(p.steps, step{kind: stepName, name: src[i:j]})
			i = j
		case '[':
			s, n, msg := parseBracket(src[i:])
			if msg != "" {
				return nil, msg
			}
			if s.kind == stepWild {
				p.many = true
			}
			p.steps = append(p.steps, s)
			i += n
		default:
			return nil, "unexpected character " + strconv.QuoteRune(rune(src[i])) + " after " + src[:i]
		}
	}
	return p, ""
}

// parseBracket parses one [...] step at the start of s and returns it with
// the number of bytes it used.
func parseBracket(s string) (step, int, string) {
	if len(s) < 2 {
		return step{}, 0, "unclosed '['"
	}
	switch c := s[1]; {
	case c == '*':
		if len(s) < 3 || s[2] != ']' {
			return step{}, 0, "expected ']' after '[*'"
		}
		return step{kind: stepWild}, 3, ""
	case c == '\'' || c == '"':
		var name strings.Builder
		for i := 2; i < len(s); i++ {
			switch s[i] {
			case '\\':
				if i+1 < len(s) {
					i++
					name.WriteByte(s[i])
				}
			case c:
				if i+1 >= len(s) || s[i+1] != ']' {
					return step{}, 0, "expected ']' after a quoted member name"
				}
				return step{kind: stepName, name: name.String()}, i + 2, ""
			default:
				name.WriteByte(s[i])
			}
		}
		return step{}, 0, "unclosed quoted member name"
	case c == '-' || (c >= '0' && c <= '9'):
		j := 2
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j >= len(s) || s[j] != ']' {
			if j < len(s) && (s[j] == ':' || s[j] == ',') {
				return step{}, 0, "array slices and unions are not supported"
			}
			return step{}, 0, "expected ']' after an array index"
		}
		n, err := strconv.Atoi(s[1:j])
		if err != nil || s[1:j] == "-" {
			return step{}, 0, "invalid array index " + s[1:j]
		}
		return step{kind: stepIndex, index: n}, j + 1, ""
	case c == '?' || c == '(':
		return step{}, 0, "filters and script expressions are not supported"
	case c == ':':
		return step{}, 0, "array slices are not supported"
	}
	return step{}, 0, "unexpected character " + strconv.QuoteRune(rune(s[1])) + " after '['"
}
