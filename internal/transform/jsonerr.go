package transform

import (
	"unicode"
	"unicode/utf8"

	"github.com/switchyard/switchyard/internal/pattern"
)

// AWS checks Target.Input with Jackson and reports only where parsing
// stopped: "JSON syntax error in input for target 1: [Source:
// (String)"env:dev"; line: 1, column: 4]". jacksonError finds the offset
// Jackson's streaming parser reports for the first error in src, with the
// conventions internal/pattern reproduces for event patterns (recorded
// against AWS): an unrecognized token is located just after the token, an
// unexpected character at the character, a premature end at the end.

// sourceLocation renders Jackson's location suffix for offset off of src,
// as EventBridge's pattern errors do.
func sourceLocation(src string, off int) string { return pattern.JacksonLocation(src, off) }

// jacksonError returns the offset of the first syntax error in src, or -1
// when src is one valid JSON value (white space around it allowed).
func jacksonError(src string) int {
	p := jparser{s: src}
	p.space()
	if p.i >= len(p.s) {
		return len(p.s) // nothing to read: refused, see the package doc
	}
	if !p.value(0) {
		return p.err
	}
	p.space()
	if p.i < len(p.s) {
		return p.unexpected(p.i)
	}
	return -1
}

type jparser struct {
	s   string
	i   int
	err int
}

func (p *jparser) fail(off int) bool { p.err = off; return false }

func (p *jparser) space() {
	for p.i < len(p.s) && isSpace(p.s[p.i]) {
		p.i++
	}
}

// unexpected locates an unexpected character: a letter starts a token
// Jackson reads to its end before complaining.
func (p *jparser) unexpected(at int) int {
	r, _ := utf8.DecodeRuneInString(p.s[at:])
	if isIdentStart(r) {
		return p.tokenEnd(at)
	}
	return at
}

func (p *jparser) tokenEnd(from int) int {
	end := from
	for end < len(p.s) && end-from < 256 {
		r, n := utf8.DecodeRuneInString(p.s[end:])
		if !isIdentPart(r) {
			break
		}
		end += n
	}
	if end == from {
		_, n := utf8.DecodeRuneInString(p.s[from:])
		end += n
	}
	return end
}

func isIdentStart(r rune) bool {
	return unicode.IsLetter(r) || r == '_' || r == '$' || unicode.Is(unicode.Sc, r)
}

func isIdentPart(r rune) bool {
	return isIdentStart(r) || unicode.IsDigit(r) || unicode.Is(unicode.Pc, r) ||
		unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || unicode.Is(unicode.Nl, r)
}

func (p *jparser) value(depth int) bool {
	if p.i >= len(p.s) {
		return p.fail(len(p.s))
	}
	if depth > maxDepth {
		return p.fail(p.i)
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	}
	return p.fail(p.unexpected(p.i))
}

func (p *jparser) literal(word string) bool {
	start := p.i
	if len(p.s)-start >= len(word) && p.s[start:start+len(word)] == word {
		end := start + len(word)
		if end < len(p.s) {
			if r, _ := utf8.DecodeRuneInString(p.s[end:]); isIdentPart(r) {
				return p.fail(p.tokenEnd(start))
			}
		}
		p.i = end
		return true
	}
	return p.fail(p.tokenEnd(start))
}

func (p *jparser) number() bool {
	s, i := p.s, p.i
	start := i
	digits := func() {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if s[i] == '-' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return p.fail(i)
		}
	}
	if s[i] == '0' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
		return p.fail(i + 1)
	}
	digits()
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return p.fail(i)
		}
		digits()
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return p.fail(i)
		}
		digits()
	}
	if i < len(s) {
		if r, _ := utf8.DecodeRuneInString(s[i:]); isIdentPart(r) {
			return p.fail(p.tokenEnd(start))
		}
	}
	p.i = i
	return true
}

func (p *jparser) str() bool {
	s := p.s
	for i := p.i + 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			p.i = i + 1
			return true
		case c < 0x20:
			return p.fail(i)
		case c == '\\':
			i++
			if i >= len(s) {
				return p.fail(len(s))
			}
			switch s[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				for k := 1; k <= 4; k++ {
					if i+k >= len(s) {
						return p.fail(len(s))
					}
					if hexVal(s[i+k]) < 0 {
						return p.fail(i + k)
					}
				}
				i += 4
			default:
				return p.fail(i)
			}
		}
	}
	return p.fail(len(s))
}

func (p *jparser) object(depth int) bool {
	p.i++
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return true
	}
	for {
		if p.i >= len(p.s) {
			return p.fail(len(p.s))
		}
		if p.s[p.i] != '"' {
			return p.fail(p.i)
		}
		if !p.str() {
			return false
		}
		p.space()
		if p.i >= len(p.s) {
			return p.fail(len(p.s))
		}
		if p.s[p.i] != ':' {
			return p.fail(p.i)
		}
		p.i++
		p.space()
		if !p.value(depth + 1) {
			return false
		}
		p.space()
		if p.i >= len(p.s) {
			return p.fail(len(p.s))
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			p.space()
		case '}':
			p.i++
			return true
		default:
			return p.fail(p.i)
		}
	}
}

func (p *jparser) array(depth int) bool {
	p.i++
	p.space()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return true
	}
	for {
		if p.i < len(p.s) && (p.s[p.i] == ']' || p.s[p.i] == '}') {
			return p.fail(p.i)
		}
		if !p.value(depth + 1) {
			return false
		}
		p.space()
		if p.i >= len(p.s) {
			return p.fail(len(p.s))
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			p.space()
		case ']':
			p.i++
			return true
		default:
			return p.fail(p.i)
		}
	}
}
