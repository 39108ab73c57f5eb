package transform

import (
	"errors"

	"github.com/switchyard/switchyard/internal/pattern/jsonscan"
)

// JSON text in and out: events are read with jsonscan; this file writes
// the values a target receives.

// errSyntax is returned (wrapped) when an event is not valid JSON.
var errSyntax = errors.New("invalid JSON")

// syntaxError is a jsonscan error that also matches errSyntax.
type syntaxError struct{ err error }

func (e *syntaxError) Error() string { return e.err.Error() }

func (e *syntaxError) Unwrap() []error { return []error{errSyntax, e.err} }

func syntaxErr(err error) error { return &syntaxError{err} }

// appendUnquoted appends the decoded content of the valid string literal
// lit (quotes included).
func appendUnquoted(dst, lit []byte) []byte {
	return jsonscan.AppendUnescaped(dst, lit[1:len(lit)-1])
}

// appendCompact appends the valid JSON value raw without insignificant
// white space (EventBridge passes minified JSON to targets).
func appendCompact(dst, raw []byte) []byte {
	start := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '"' {
			end, _, _ := jsonscan.ScanString(raw, i)
			i = end - 1
			continue
		}
		if jsonscan.IsSpace(c) {
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
		case !inString && jsonscan.IsSpace(c):
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
func validJSON(b []byte) bool { return jsonscan.Valid(b) }
