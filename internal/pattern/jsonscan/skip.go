package jsonscan

import (
	"bytes"
)

// Valid reports whether b is one JSON value, with white space around it
// allowed: what json.Valid reports.
func Valid(b []byte) bool {
	end, code := Skip(b, Space(b, 0))
	return code == OK && Space(b, end) == len(b)
}

// Skip reads the value that starts at b[i] (not at white space before it)
// and returns the offset just past it. On error end is the offset of the
// problem (see Code). It checks everything RFC 8259 asks, without
// recursion.
func Skip(b []byte, i int) (end int, code Code) { return skipDepth(b, i, 0) }

// skipDepth is Skip for a value nested in outer containers. It keeps which
// of up to 64 open containers are objects in a word, and skips containers
// nested deeper than that by calling itself (so at most MaxDepth/64 deep):
// no stack to clear on each call, no allocation.
func skipDepth(b []byte, i, outer int) (end int, code Code) {
	var objects uint64 // bit d is set when the container at depth d is an object
	depth := 0
	for {
		// A value starts at b[i].
		if i >= len(b) {
			return i, EOF
		}
		switch kinds[b[i]] {
		case String:
			if i, _, code = ScanString(b, i); code != OK {
				return i, code
			}
		case Number:
			if i, _, code = ScanNumber(b, i); code != OK {
				return i, code
			}
		case True, False, Null:
			if i, code = ScanLiteral(b, i); code != OK {
				return i, code
			}
		case Object, Array:
			if outer+depth >= MaxDepth {
				return i, Depth
			}
			if depth == 64 {
				if i, code = skipDepth(b, i, outer+depth); code != OK {
					return i, code
				}
				break
			}
			obj := b[i] == '{'
			if obj {
				objects |= 1 << depth
			} else {
				objects &^= 1 << depth
			}
			depth++
			i = Space(b, i+1)
			if i < len(b) && (b[i] == '}' && obj || b[i] == ']' && !obj) {
				depth--
				i++
				break
			}
			if obj {
				if i, code = memberName(b, i); code != OK {
					return i, code
				}
			}
			continue
		default:
			return i, Unexpected
		}
		// After a value: close containers until one goes on.
		for {
			if depth == 0 {
				return i, OK
			}
			i = Space(b, i)
			if i >= len(b) {
				return i, EOF
			}
			obj := objects&(1<<(depth-1)) != 0
			c := b[i]
			if c == ',' {
				i = Space(b, i+1)
				if obj {
					if i, code = memberName(b, i); code != OK {
						return i, code
					}
				}
				break
			}
			if obj && c == '}' || !obj && c == ']' {
				depth--
				i++
				continue
			}
			return i, Comma
		}
	}
}

// memberName reads a member name at b[i] and the colon after it, and
// returns the offset of the value (white space skipped).
func memberName(b []byte, i int) (int, Code) {
	if i >= len(b) {
		return i, EOF
	}
	if b[i] != '"' {
		return i, Name
	}
	i, _, code := ScanString(b, i)
	if code != OK {
		return i, code
	}
	return colon(b, i)
}

// colon reads the white space, colon and white space after a member name
// ending at i and returns the offset of the value.
func colon(b []byte, i int) (int, Code) {
	i = Space(b, i)
	if i >= len(b) {
		return i, EOF
	}
	if b[i] != ':' {
		return i, Colon
	}
	return Space(b, i+1), OK
}

// SkipFast returns the offset just past the value that starts at b[i],
// checking only what it must to find it: strings are followed to their
// closing quote (escapes are not checked), arrays and objects to their
// closing bracket counting only brackets and strings, numbers are taken as
// the run of number characters, and literals must be spelt right. ok is
// false if the value does not end (or is nested deeper than MaxDepth
// inside itself).
func SkipFast(b []byte, i int) (end int, ok bool) {
	if i >= len(b) {
		return i, false
	}
	switch kinds[b[i]] {
	case String:
		return stringEndFast(b, i)
	case Object, Array:
		return containerEndFast(b, i)
	case Number:
		for i < len(b) && numberByte[b[i]] {
			i++
		}
		return i, true
	case True, False, Null:
		end, code := ScanLiteral(b, i)
		return end, code == OK
	}
	return i, false
}

var numberByte = func() (t [256]bool) {
	for _, c := range []byte("0123456789+-.eE") {
		t[c] = true
	}
	return t
}()

// stringEndFast returns the offset just past the string whose opening
// quote is b[i]: the first quote not escaped by an odd run of backslashes.
func stringEndFast(b []byte, i int) (int, bool) {
	i++
	for {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return len(b), false
		}
		end := i + q
		bs := 0
		for k := end - 1; k >= i && b[k] == '\\'; k-- {
			bs++
		}
		if bs%2 == 0 {
			return end + 1, true
		}
		i = end + 1
	}
}

// containerEndFast returns the offset just past the array or object that
// starts at b[i].
func containerEndFast(b []byte, i int) (int, bool) {
	depth := 0
	for {
		i = structural(b, i)
		if i >= len(b) {
			return i, false
		}
		switch b[i] {
		case '"':
			var ok bool
			if i, ok = stringEndFast(b, i); !ok {
				return i, false
			}
			continue
		case '{', '[':
			depth++
			if depth > MaxDepth {
				return i, false
			}
		default:
			depth--
			if depth == 0 {
				return i + 1, true
			}
		}
		i++
	}
}
