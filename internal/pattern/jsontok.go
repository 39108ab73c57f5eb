package pattern

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/switchyard/switchyard/internal/pattern/jsonscan"
)

// tokKind is the kind of a JSON token, as a streaming parser reports it.
type tokKind uint8

const (
	tokEOF tokKind = iota
	tokStartObject
	tokEndObject
	tokStartArray
	tokEndArray
	tokFieldName
	tokString
	tokNumberInt
	tokNumberFloat
	tokTrue
	tokFalse
	tokNull
)

func (k tokKind) isNumeric() bool { return k == tokNumberInt || k == tokNumberFloat }

// tokenizer is a pull parser over a pattern's JSON text. EventBridge reports
// pattern errors in the words of the Jackson streaming parser it is built on
// ("Unrecognized token 'x': was expecting ...", "... at [Source: ...; line: 1,
// column: 5]"), and it reports semantic errors in the order the tokens are
// read, so the pattern compiler pulls tokens one at a time exactly as the
// reference implementation does. Malformed JSON is reported with the same
// messages and positions.
type tokenizer struct {
	src string
	pos int // next byte to read

	// Structure: a stack of containers, each 'o' or 'a', with whether a
	// value has been seen (to demand commas) and, for objects, whether the
	// next token is a field name.
	stack []tokFrame

	kind  tokKind
	text  string // field name, unescaped string, number or literal text
	start int    // byte offset where the current token starts
	end   int    // byte offset just after the current token
}

type tokFrame struct {
	array     bool
	count     int  // values (or fields) completed in this container
	wantValue bool // object: a field name was read, its value comes next
	startPos  int  // offset of the opening bracket, for error messages
}

// syntaxError is a JSON or pattern error at a position in the source.
type syntaxError struct {
	msg string
	pos int // byte offset the location refers to
}

func (e *syntaxError) Error() string { return e.msg }

func newTokenizer(src string) *tokenizer { return &tokenizer{src: src} }

// bytes returns src as jsonscan reads it, without a copy (never written).
func (t *tokenizer) bytes() []byte { return unsafe.Slice(unsafe.StringData(t.src), len(t.src)) }

// fail raises a positioned error; the compiler recovers it at the top.
func (t *tokenizer) fail(pos int, format string, args ...any) {
	panic(&syntaxError{msg: fmt.Sprintf(format, args...), pos: pos})
}

// barf reports a semantic error at the current location (just after the
// current token), as the reference compiler does.
func (t *tokenizer) barf(format string, args ...any) {
	t.fail(t.end, format, args...)
}

// barfValue reports a semantic error about the current value token without
// its text having been read: Jackson reads string values lazily, so its
// location for them is just past the opening quote.
func (t *tokenizer) barfValue(format string, args ...any) {
	pos := t.end
	if t.kind == tokString {
		pos = t.start + 1
	}
	t.fail(pos, format, args...)
}

func (t *tokenizer) skipWS() { t.pos = jsonscan.Space(t.bytes(), t.pos) }

// next reads the next token.
func (t *tokenizer) next() tokKind {
	t.skipWS()
	if len(t.stack) > 0 {
		top := &t.stack[len(t.stack)-1]
		if !top.array && !top.wantValue {
			return t.nextInObjectKeyPosition(top)
		}
		if top.array {
			if t.pos >= len(t.src) {
				t.fail(len(t.src), "Unexpected end-of-input: expected close marker for Array (start marker at %s)", t.location(top.startPos))
			}
			c := t.src[t.pos]
			if c == ']' {
				t.stack = t.stack[:len(t.stack)-1]
				return t.set(tokEndArray, "]", t.pos, t.pos+1)
			}
			if c == '}' {
				t.fail(t.pos, "Unexpected close marker '}': expected ']' (for Array starting at %s)", t.location(top.startPos))
			}
			if top.count > 0 {
				if c != ',' {
					t.fail(t.pos, "Unexpected character (%s): was expecting comma to separate Array entries", charDesc(t.src, t.pos))
				}
				t.pos++
				t.skipWS()
				if t.pos < len(t.src) && (t.src[t.pos] == ']' || t.src[t.pos] == '}') {
					t.fail(t.pos, "Unexpected character (%s): expected a valid value %s", charDesc(t.src, t.pos), validValues)
				}
			}
			top.count++
		} else {
			// value after a field name
			top.wantValue = false
			top.count++
		}
	} else if t.pos >= len(t.src) {
		t.kind, t.text, t.start, t.end = tokEOF, "", t.pos, t.pos
		return tokEOF
	}
	return t.value()
}

func (t *tokenizer) nextInObjectKeyPosition(top *tokFrame) tokKind {
	if t.pos >= len(t.src) {
		t.fail(len(t.src), "Unexpected end-of-input: expected close marker for Object (start marker at %s)", t.location(top.startPos))
	}
	c := t.src[t.pos]
	if c == '}' {
		t.stack = t.stack[:len(t.stack)-1]
		return t.set(tokEndObject, "}", t.pos, t.pos+1)
	}
	if c == ']' {
		t.fail(t.pos, "Unexpected close marker ']': expected '}' (for Object starting at %s)", t.location(top.startPos))
	}
	if top.count > 0 {
		if c != ',' {
			t.fail(t.pos, "Unexpected character (%s): was expecting comma to separate Object entries", charDesc(t.src, t.pos))
		}
		t.pos++
		t.skipWS()
		if t.pos >= len(t.src) {
			t.fail(len(t.src), "Unexpected end-of-input: expected close marker for Object (start marker at %s)", t.location(top.startPos))
		}
		c = t.src[t.pos]
	}
	if c != '"' {
		t.fail(t.pos, "Unexpected character (%s): was expecting double-quote to start field name", charDesc(t.src, t.pos))
	}
	start := t.pos
	name := t.readString(true)
	t.skipWS()
	if t.pos >= len(t.src) {
		t.fail(len(t.src), "Unexpected end-of-input: was expecting a colon to separate field name and value")
	}
	if t.src[t.pos] != ':' {
		t.fail(t.pos, "Unexpected character (%s): was expecting a colon to separate field name and value", charDesc(t.src, t.pos))
	}
	t.pos++
	top.wantValue = true
	t.set(tokFieldName, name, start, t.pos)
	// Like Jackson, locate errors reported right after a field name just
	// past the start of its value: after the opening '{', '[' or quote, or
	// after a number or literal.
	t.skipWS()
	t.end = t.valueLookahead()
	return tokFieldName
}

// valueLookahead returns where Jackson's location stands once it has begun
// reading the value at pos, without consuming it.
func (t *tokenizer) valueLookahead() int {
	i := t.pos
	if i >= len(t.src) {
		return i
	}
	switch c := t.src[i]; {
	case c == '{' || c == '[' || c == '"':
		return i + 1
	case c == '-' || (c >= '0' && c <= '9'):
		i++
		for i < len(t.src) && strings.IndexByte("0123456789.eE+-", t.src[i]) >= 0 {
			i++
		}
		return i
	default:
		for i < len(t.src) {
			r, n := utf8.DecodeRuneInString(t.src[i:])
			if !isIdentPart(r) {
				break
			}
			i += n
		}
		return i
	}
}

func (t *tokenizer) set(k tokKind, text string, start, end int) tokKind {
	t.kind, t.text, t.start, t.end = k, text, start, end
	t.pos = end
	return k
}

const validValues = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"

func (t *tokenizer) value() tokKind {
	if t.pos >= len(t.src) {
		// Only reachable inside a container after a field name.
		t.fail(len(t.src), "Unexpected end-of-input: expected a value")
	}
	start := t.pos
	c := t.src[t.pos]
	switch {
	case c == '{':
		t.stack = append(t.stack, tokFrame{startPos: start})
		return t.set(tokStartObject, "{", start, start+1)
	case c == '[':
		t.stack = append(t.stack, tokFrame{array: true, startPos: start})
		return t.set(tokStartArray, "[", start, start+1)
	case c == '"':
		s := t.readString(false)
		return t.set(tokString, s, start, t.pos)
	case c == '-' || (c >= '0' && c <= '9'):
		return t.readNumber()
	case c == 't':
		return t.literal("true", tokTrue)
	case c == 'f':
		return t.literal("false", tokFalse)
	case c == 'n':
		return t.literal("null", tokNull)
	case c == ']' || c == '}':
		if len(t.stack) == 0 {
			t.fail(start, "Unexpected close marker '%c': expected ']' (for root starting at %s)", c, t.location(0))
		}
		t.fail(start, "Unexpected character (%s): expected a valid value %s", charDesc(t.src, start), validValues)
	}
	r, _ := utf8.DecodeRuneInString(t.src[start:])
	if isIdentStart(r) {
		t.invalidToken(start, start)
	}
	t.fail(start, "Unexpected character (%s): expected a valid value %s", charDesc(t.src, start), validValues)
	return tokEOF
}

func (t *tokenizer) literal(word string, k tokKind) tokKind {
	start := t.pos
	end, code := jsonscan.ScanLiteral(t.bytes(), start)
	if code != jsonscan.OK {
		t.invalidToken(start, start)
	}
	if end < len(t.src) {
		r, _ := utf8.DecodeRuneInString(t.src[end:])
		if isIdentPart(r) {
			t.invalidToken(start, end)
		}
	}
	return t.set(k, word, start, end)
}

// invalidToken reports "Unrecognized token" for the identifier-like run of
// characters starting at start, located just after the run.
func (t *tokenizer) invalidToken(start, from int) {
	end := from
	for end < len(t.src) && end-start < 256 {
		r, n := utf8.DecodeRuneInString(t.src[end:])
		if !isIdentPart(r) {
			break
		}
		end += n
	}
	if end == start { // a lone non-identifier character
		_, n := utf8.DecodeRuneInString(t.src[start:])
		end = start + n
	}
	t.fail(end, "Unrecognized token '%s': was expecting %s", t.src[start:end], validValues)
}

func isIdentStart(r rune) bool {
	return unicode.IsLetter(r) || r == '_' || r == '$' || unicode.Is(unicode.Sc, r)
}

func isIdentPart(r rune) bool {
	return isIdentStart(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || unicode.Is(unicode.Pc, r)
}

func (t *tokenizer) readNumber() tokKind {
	s := t.src
	start := t.pos
	end, float, code := jsonscan.ScanNumber(t.bytes(), start)
	if code != jsonscan.OK {
		if end >= len(s) && code != jsonscan.LeadingZero {
			t.fail(end, "Unexpected end-of-input in a Number value")
		}
		switch code {
		case jsonscan.Minus:
			t.fail(end, "Unexpected character (%s) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value", charDesc(s, end))
		case jsonscan.LeadingZero:
			t.fail(end, "Invalid numeric value: Leading zeroes not allowed")
		case jsonscan.Fraction:
			t.fail(end, "Unexpected character (%s) in numeric value: Decimal point not followed by a digit", charDesc(s, end))
		default: // jsonscan.Exponent
			t.fail(end, "Unexpected character (%s) in numeric value: Exponent indicator not followed by a digit", charDesc(s, end))
		}
	}
	if end < len(s) {
		r, _ := utf8.DecodeRuneInString(s[end:])
		if isIdentPart(r) {
			t.invalidToken(start, end)
		}
	}
	k := tokNumberInt
	if float {
		k = tokNumberFloat
	}
	return t.set(k, s[start:end], start, end)
}

// readString reads a JSON string starting at the opening quote and returns
// its unescaped content, leaving pos after the closing quote.
func (t *tokenizer) readString(fieldName bool) string {
	s := t.src
	start := t.pos
	end, escaped, code := jsonscan.ScanString(t.bytes(), start)
	switch code {
	case jsonscan.OK:
	case jsonscan.Control:
		t.fail(end, "Illegal unquoted character (%s): has to be escaped using backslash to be included in %s", charDesc(s, end), stringKind(fieldName))
	case jsonscan.Escape:
		t.fail(end, "Unrecognized character escape %s", charDesc(s, end))
	case jsonscan.Hex:
		if end >= len(s) {
			t.fail(end, "Unexpected end-of-input within/between String entries")
		}
		t.fail(end, "Unexpected character (%s): expected a hex-digit for character escape sequence", charDesc(s, end))
	default: // jsonscan.EOF
		t.fail(len(s), "Unexpected end-of-input: was expecting closing quote for a string value")
	}
	t.pos = end
	if !escaped {
		return s[start+1 : end-1]
	}
	return string(jsonscan.AppendUnescaped(nil, t.bytes()[start+1:end-1]))
}

func stringKind(fieldName bool) string {
	if fieldName {
		return "name"
	}
	return "string value"
}

// charDesc describes the character at byte offset i as Jackson does:
// 'x' (code 120), (CTRL-CHAR, code 10), or 'é' (code 233 / 0xe9).
func charDesc(s string, i int) string {
	r, _ := utf8.DecodeRuneInString(s[i:])
	switch {
	case r < 0x20 || r == 0x7f:
		return fmt.Sprintf("(CTRL-CHAR, code %d)", r)
	case r > 255:
		return fmt.Sprintf("'%c' (code %d / 0x%x)", r, r, r)
	default:
		return fmt.Sprintf("'%c' (code %d)", r, r)
	}
}

// location renders a source location as Jackson does:
// [Source: (String)"..."; line: 1, column: 5]. Columns count UTF-16 units,
// 1-based; long sources are truncated to 500 characters.
func (t *tokenizer) location(pos int) string {
	return sourceLocation(t.src, pos)
}

const maxSourceShown = 500

// JacksonLocation renders the location suffix the Jackson JSON parser
// (and so EventBridge) appends to its error messages for byte offset pos
// of src: [Source: (String)"..."; line: 1, column: 5]. Columns count
// UTF-16 units from 1; sources longer than 500 characters are cut.
func JacksonLocation(src string, pos int) string { return sourceLocation(src, pos) }

func sourceLocation(src string, pos int) string {
	if pos > len(src) {
		pos = len(src)
	}
	line, col := 1, 1
	for i := 0; i < pos; {
		r, n := utf8.DecodeRuneInString(src[i:])
		switch {
		case r == '\n':
			line, col = line+1, 1
		case r == '\r':
			if i+1 < len(src) && src[i+1] == '\n' {
				i++
			}
			line, col = line+1, 1
		case r > 0xFFFF:
			col += 2
		default:
			col++
		}
		i += n
	}
	shown := src
	suffix := ""
	if n := utf8.RuneCountInString(src); n > maxSourceShown {
		cut := 0
		for k := 0; k < maxSourceShown; k++ {
			_, w := utf8.DecodeRuneInString(src[cut:])
			cut += w
		}
		shown = src[:cut]
		suffix = fmt.Sprintf("[truncated %d chars]", n-maxSourceShown)
	}
	return fmt.Sprintf("[Source: (String)\"%s\"%s; line: %d, column: %d]", shown, suffix, line, col)
}
