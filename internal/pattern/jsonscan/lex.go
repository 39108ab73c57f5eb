package jsonscan

import (
	"encoding/binary"
	"math/bits"
	"strconv"
)

// Kind is the kind of JSON value that starts with a given byte.
type Kind uint8

const (
	Bad Kind = iota // no value starts with this byte
	Object
	Array
	String
	Number
	True
	False
	Null
)

var kindNames = [...]string{"bad", "object", "array", "string", "number", "true", "false", "null"}

func (k Kind) String() string { return kindNames[k] }

var kinds = func() (t [256]Kind) {
	t['{'], t['['], t['"'], t['-'] = Object, Array, String, Number
	for c := '0'; c <= '9'; c++ {
		t[c] = Number
	}
	t['t'], t['f'], t['n'] = True, False, Null
	return t
}()

// KindOf returns the kind of value whose first byte is c, or Bad.
func KindOf(c byte) Kind { return kinds[c] }

// MaxDepth is the deepest nesting of arrays and objects accepted, so that
// hostile input cannot exhaust the stack of a recursive caller.
const MaxDepth = 10000

// IsSpace reports whether c is JSON white space.
func IsSpace(c byte) bool { return isSpace[c] }

// Space returns the offset of the first byte at or after i that is not
// JSON white space, or len(b). It is small enough to inline: most calls
// find no white space and cost a load and a test.
func Space(b []byte, i int) int {
	for i < len(b) && isSpace[b[i]] {
		i++
	}
	return i
}

var isSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// ScanString reads the string literal whose opening quote is b[i]. It
// returns the offset just past the closing quote and whether the literal
// holds escapes (content b[i+1:end-1] can then be used as it is). On error
// end is the offset of the problem: a raw control character (Control), an
// unknown escape letter (Escape), a \u escape without four hex digits
// (Hex, at the first byte that is not one), or len(b) (EOF).
func ScanString(b []byte, i int) (end int, escaped bool, code Code) {
	i++
	for {
		for i+8 <= len(b) {
			if m := special8(binary.LittleEndian.Uint64(b[i:])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				goto special
			}
			i += 8
		}
		for i < len(b) && plain[b[i]] {
			i++
		}
		if i >= len(b) {
			return i, escaped, EOF
		}
	special:
		switch b[i] {
		case '"':
			return i + 1, escaped, OK
		case '\\':
			escaped = true
			if i+1 >= len(b) {
				return len(b), escaped, EOF
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for k := i + 2; k < i+6; k++ {
					if k >= len(b) || hexval[b[k]] < 0 {
						return k, escaped, Hex
					}
				}
				i += 6
			default:
				return i + 1, escaped, Escape
			}
		default:
			return i, escaped, Control
		}
	}
}

// plain marks the bytes a string holds as themselves: not a quote, a
// backslash or a control character.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

var hexval = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = int8(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = int8(c - 'a' + 10)
		t[c-'a'+'A'] = int8(c - 'a' + 10)
	}
	return t
}()

// ScanNumber reads the number that starts at b[i] and returns the offset
// just past it and whether it has a fraction or an exponent. On error end
// is where a digit was expected (len(b) if the input ends): after a minus
// sign (Minus), a decimal point (Fraction) or an exponent mark and its
// sign (Exponent); or the digit after a leading zero (LeadingZero); or i
// if b[i] starts no number (Unexpected). What follows the number is not
// looked at.
func ScanNumber(b []byte, i int) (end int, float bool, code Code) {
	c := b[i]
	if c == '-' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return i, false, Minus
		}
		c = b[i]
	} else if !isDigit(c) {
		return i, false, Unexpected
	}
	if i++; c == '0' {
		if i < len(b) && isDigit(b[i]) {
			return i, false, LeadingZero
		}
	} else {
		i = digits(b, i)
	}
	if i >= len(b) {
		return i, false, OK
	}
	if c = b[i]; c == '.' {
		float = true
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return i, true, Fraction
		}
		if i = digits(b, i+1); i >= len(b) {
			return i, true, OK
		}
		c = b[i]
	}
	if c|0x20 == 'e' {
		float = true
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return i, true, Exponent
		}
		i = digits(b, i+1)
	}
	return i, float, OK
}

func isDigit(c byte) bool { return c-'0' < 10 }

// digits returns the offset of the first byte at or after i that is not a
// digit. Numbers in events often carry fifteen digits or more (coordinates),
// so eight are looked at at a time.
func digits(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		if m := nonDigit8(binary.LittleEndian.Uint64(b[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	return i
}

// ScanLiteral reads true, false or null at b[i] and returns the offset
// just past it, or i and Literal if the word there is not one of them.
// What follows the word is not looked at.
func ScanLiteral(b []byte, i int) (end int, code Code) {
	var w string
	switch b[i] {
	case 't':
		w = "true"
	case 'f':
		w = "false"
	case 'n':
		w = "null"
	}
	if w == "" || len(b)-i < len(w) || string(b[i:i+len(w)]) != w {
		return i, Literal
	}
	return i + len(w), OK
}

// Code says what is wrong with JSON text; OK is nothing.
type Code uint8

const (
	OK          Code = iota
	EOF              // the input ends inside a value, or where one was expected
	Unexpected       // a byte that cannot start a value
	Control          // a raw control character in a string
	Escape           // a backslash followed by a letter that is not an escape
	Hex              // a \u escape without four hex digits
	Minus            // a minus sign without a digit after it
	LeadingZero      // a digit after a leading zero
	Fraction         // a decimal point without a digit after it
	Exponent         // an exponent without a digit
	Literal          // a word that is not true, false or null
	Name             // an object member that does not start with a quote
	Colon            // a member name without a colon after it
	Comma            // a value followed by neither a comma nor the closing bracket
	Depth            // nesting deeper than MaxDepth
	Trailing         // more than white space after the value
)

var codeText = [...]string{
	OK:          "no error",
	EOF:         "unexpected end of input",
	Unexpected:  "unexpected character",
	Control:     "control character in string",
	Escape:      "invalid escape in string",
	Hex:         "invalid \\u escape in string",
	Minus:       "invalid number: no digit after minus sign",
	LeadingZero: "invalid number: leading zero",
	Fraction:    "invalid number: no digit after decimal point",
	Exponent:    "invalid number: no digit in exponent",
	Literal:     "invalid literal",
	Name:        "expected a member name",
	Colon:       "expected ':' after member name",
	Comma:       "expected ',' or a closing bracket",
	Depth:       "nesting too deep",
	Trailing:    "data after the value",
}

func (c Code) String() string {
	if int(c) < len(codeText) {
		return codeText[c]
	}
	return "Code(" + strconv.Itoa(int(c)) + ")"
}

// SyntaxError is a Code at a byte offset.
type SyntaxError struct {
	Offset int
	Code   Code
}

func (e *SyntaxError) Error() string {
	return "invalid JSON at offset " + strconv.Itoa(e.Offset) + ": " + e.Code.String()
}
