package transform

import (
	"encoding/binary"
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds the small JSON scanner Apply runs over raw event bytes:
// it finds where a value ends without building anything, so extracting a
// few paths from an event costs one pass over the bytes and no decoding.

// errSyntax is returned (wrapped) when an event is not valid JSON.
var errSyntax = errors.New("invalid JSON")

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 10000

// syntaxError records where scanning failed, in bytes from the start.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string {
	return "invalid JSON at offset " + strconv.Itoa(e.off) + ": " + e.msg
}

func (e *syntaxError) Unwrap() error { return errSyntax }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// valueEnd returns the offset just past the JSON value that starts at b[i]
// (i must point at the value's first byte, not at white space).
func valueEnd(b []byte, i int) (int, error) { return valueEndDepth(b, i, 0) }

func valueEndDepth(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return i, &syntaxError{i, "unexpected end of input"}
	}
	switch c := b[i]; {
	case c == '"':
		end, _, err := stringEnd(b, i)
		return end, err
	case c == '{' || c == '[':
		if depth >= maxDepth {
			return i, &syntaxError{i, "nesting too deep"}
		}
		return containerEnd(b, i, depth)
	case c == 't':
		return literalEnd(b, i, "true")
	case c == 'f':
		return literalEnd(b, i, "false")
	case c == 'n':
		return literalEnd(b, i, "null")
	case c == '-' || (c >= '0' && c <= '9'):
		return numberEnd(b, i)
	}
	return i, &syntaxError{i, "unexpected character " + strconv.QuoteRuneToASCII(rune(b[i]))}
}

func containerEnd(b []byte, i, depth int) (int, error) {
	obj := b[i] == '{'
	closer := byte(']')
	if obj {
		closer = '}'
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == closer {
		return i + 1, nil
	}
	for {
		var err error
		if obj {
			if i >= len(b) || b[i] != '"' {
				return i, &syntaxError{i, "expected a member name"}
			}
			if i, _, err = stringEnd(b, i); err != nil {
				return i, err
			}
			i = skipSpace(b, i)
			if i >= len(b) || b[i] != ':' {
				return i, &syntaxError{i, "expected ':'"}
			}
			i = skipSpace(b, i+1)
		}
		if i, err = valueEndDepth(b, i, depth+1); err != nil {
			return i, err
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return i, &syntaxError{i, "unexpected end of input"}
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case closer:
			return i + 1, nil
		default:
			return i, &syntaxError{i, "expected ',' or a closing bracket"}
		}
	}
}

func literalEnd(b []byte, i int, word string) (int, error) {
	if len(b)-i < len(word) || string(b[i:i+len(word)]) != word {
		return i, &syntaxError{i, "invalid literal"}
	}
	return i + len(word), nil
}

func numberEnd(b []byte, i int) (int, error) {
	start := i
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b) || b[i] < '0' || b[i] > '9':
		return i, &syntaxError{start, "invalid number"}
	case b[i] == '0':
		i++
	default:
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return i, &syntaxError{start, "invalid number"}
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return i, &syntaxError{start, "invalid number"}
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return i, nil
}

// strPlain marks the bytes a string literal holds with no special
// meaning: not a quote, a backslash or a control character.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plain8 reports whether the 8 bytes packed in x are all plain string
// content: no byte below 0x20, no quote, no backslash (SWAR: a byte is
// flagged when subtracting from it borrows; exact for the word as a whole).
func plain8(x uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q := x ^ (lo * '"')
	bs := x ^ (lo * '\\')
	return ((x-lo*0x20)&^x|(q-lo)&^q|(bs-lo)&^bs)&hi == 0
}

// stringEnd returns the offset just past the string literal at b[i] (a
// '"') and whether it contains escapes.
func stringEnd(b []byte, i int) (end int, escaped bool, err error) {
	start := i
	i++
	for {
		for i+8 <= len(b) && plain8(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
		}
		for i < len(b) && strPlain[b[i]] {
			i++
		}
		if i >= len(b) {
			return i, escaped, &syntaxError{start, "unterminated string"}
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, escaped, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(b) {
				return i, escaped, &syntaxError{start, "unterminated string"}
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(b)-i < 6 || !isHex4(b[i+2:i+6]) {
					return i, escaped, &syntaxError{i, "invalid \\u escape"}
				}
				i += 6
			default:
				return i, escaped, &syntaxError{i, "invalid escape"}
			}
		default:
			return i, escaped, &syntaxError{i, "control character in string"}
		}
	}
}

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if hexVal(c) < 0 {
			return false
		}
	}
	return true
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// appendUnquoted appends the decoded content of the valid string literal
// lit (quotes included).
func appendUnquoted(dst, lit []byte) []byte {
	s := lit[1 : len(lit)-1]
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			j := i + 1
			for j < len(s) && s[j] != '\\' {
				j++
			}
			dst = append(dst, s[i:j]...)
			i = j
			continue
		}
		e := s[i+1]
		i += 2
		switch e {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := rune(hex4(s[i:]))
			i += 4
			if utf16.IsSurrogate(r) && i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
				if r2 := utf16.DecodeRune(r, rune(hex4(s[i+2:]))); r2 != utf8.RuneError {
					r = r2
					i += 6
				}
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\', '/'
			dst = append(dst, e)
		}
	}
	return dst
}

func hex4(b []byte) int {
	return hexVal(b[0])<<12 | hexVal(b[1])<<8 | hexVal(b[2])<<4 | hexVal(b[3])
}

// appendCompact appends the valid JSON value raw without insignificant
// white space (EventBridge passes minified JSON to targets).
func appendCompact(dst, raw []byte) []byte {
	start := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '"' {
			end, _, _ := stringEnd(raw, i)
			i = end - 1
			continue
		}
		if isSpace(c) {
			dst = append(dst, raw[start:i]...)
			start = i + 1
		}
	}
	return append(dst, raw[start:]...)
}

// appendUnquotedJSON appends the valid JSON value raw minified and with
// every quote mark removed, escaped quotes included: what EventBridge
// inserts for an object or array referenced inside a string ("EventBridge
// removes any internal quotes to ensure a valid string", user guide,
// "Common issues"). Other escapes are kept, so the result is still valid
// inside a JSON string literal.
func appendUnquotedJSON(dst, raw []byte) []byte {
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case inString && c == '\\':
			if raw[i+1] != '"' {
				dst = append(dst, c, raw[i+1])
			}
			i++
		case c == '"':
			inString = !inString
		case !inString && isSpace(c):
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendJSONString appends s as a JSON string literal, escaping as
// Jackson does: quote, backslash and control characters only.
func appendJSONString[S string | []byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	dst = appendEscaped(dst, s)
	return append(dst, '"')
}

// appendEscaped appends s escaped for use inside a JSON string literal.
func appendEscaped[S string | []byte](dst []byte, s S) []byte {
	const hex = "0123456789ABCDEF"
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		start = i + 1
	}
	return append(dst, s[start:]...)
}

// validJSON reports whether b holds exactly one JSON value, with optional
// white space around it.
func validJSON(b []byte) bool {
	i := skipSpace(b, 0)
	end, err := valueEnd(b, i)
	return err == nil && skipSpace(b, end) == len(b)
}
