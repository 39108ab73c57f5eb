package transform

import (
	"unicode"
	"unicode/utf8"

	"github.com/switchyard/switchyard/internal/pattern"
	"github.com/switchyard/switchyard/internal/pattern/jsonscan"
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
// when src is one valid JSON value (white space around it allowed). The
// tokens are read by jsonscan, whose error offsets are Jackson's except
// where Jackson reads an unrecognized token to its end first.
func jacksonError(src string) int {
	p := jparser{s: []byte(src)}
	p.i = jsonscan.Space(p.s, 0)
	if p.i >= len(p.s) {
		return len(p.s) // nothing to read: refused, see the package doc
	}
	if !p.value(0) {
		return p.err
	}
	if p.i = jsonscan.Space(p.s, p.i); p.i < len(p.s) {
		return p.unexpected(p.i)
	}
	return -1
}

type jparser struct {
	s   []byte
	i   int
	err int
}

func (p *jparser) fail(off int) bool { p.err = off; return false }

func (p *jparser) space() { p.i = jsonscan.Space(p.s, p.i) }

// unexpected locates an unexpected character: a letter starts a token
// Jackson reads to its end before complaining.
func (p *jparser) unexpected(at int) int {
	r, _ := utf8.DecodeRune(p.s[at:])
	if isIdentStart(r) {
		return p.tokenEnd(at)
	}
	return at
}

func (p *jparser) tokenEnd(from int) int {
	end := from
	for end < len(p.s) && end-from < 256 {
		r, n := utf8.DecodeRune(p.s[end:])
		if !isIdentPart(r) {
			break
		}
		end += n
	}
	if end == from {
		_, n := utf8.DecodeRune(p.s[from:])
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
	if depth > jsonscan.MaxDepth {
		return p.fail(p.i)
	}
	var end int
	var code jsonscan.Code
	switch jsonscan.KindOf(p.s[p.i]) {
	case jsonscan.Object:
		return p.object(depth)
	case jsonscan.Array:
		return p.array(depth)
	case jsonscan.String:
		end, _, code = jsonscan.ScanString(p.s, p.i)
		if code != jsonscan.OK {
			return p.fail(end)
		}
		p.i = end
		return true
	case jsonscan.Number:
		end, _, code = jsonscan.ScanNumber(p.s, p.i)
	case jsonscan.True, jsonscan.False, jsonscan.Null:
		if end, code = jsonscan.ScanLiteral(p.s, p.i); code != jsonscan.OK {
			return p.fail(p.tokenEnd(p.i))
		}
	default:
		return p.fail(p.unexpected(p.i))
	}
	if code != jsonscan.OK {
		return p.fail(end)
	}
	// A number or literal running into letters is one unrecognized token.
	if end < len(p.s) {
		if r, _ := utf8.DecodeRune(p.s[end:]); isIdentPart(r) {
			return p.fail(p.tokenEnd(p.i))
		}
	}
	p.i = end
	return true
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
		end, _, code := jsonscan.ScanString(p.s, p.i)
		if code != jsonscan.OK {
			return p.fail(end)
		}
		p.i = end
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
