package jsonscan

// A Reader walks one JSON document front to back. Callers say what they
// expect next (an object, a member, a string, ...) and the Reader checks
// the text is that; values a caller does not want are passed over with
// Skip or SkipFast. Every method but SkipFast checks what it reads as
// RFC 8259 asks, and the Reader keeps the nesting within MaxDepth.
//
// A walk over an object looks like:
//
//	if r.Object() {
//		for r.Member() {
//			name, escaped := r.Name()
//			// ... read or skip the value
//		}
//	}
//	if !r.End() { ... r.Err() ... }
//
// The first error stops the walk: the Reader moves to the end of its input
// so that every later call fails, and Err reports the first. A Reader is a
// small value; copying it gives an independent cursor (to look ahead, or
// to read a value twice).
type Reader struct {
	buf   []byte
	pos   int
	depth int
	// first is set on entering a container: no comma comes before its
	// first member or element.
	first bool
	// name is where the last member name read lies, quotes excluded
	// (offsets, not a slice: storing a pointer costs a write barrier).
	nameStart, nameEnd int
	nameEscaped        bool
	code               Code
	off                int
}

// Between calls pos is at the next token: white space is skipped after
// each one, so that looking at what comes next is one comparison.

// Reset makes r read b from the start.
func (r *Reader) Reset(b []byte) { *r = Reader{buf: b, pos: Space(b, 0)} }

// Bytes returns the input.
func (r *Reader) Bytes() []byte { return r.buf }

// Pos returns the offset of the next token (white space skipped), or
// len(Bytes()) at the end.
func (r *Reader) Pos() int { return r.pos }

// TokenEnd returns the offset just past the last token read: Pos before
// the white space that follows it.
func (r *Reader) TokenEnd() int {
	i := r.pos
	for i > 0 && IsSpace(r.buf[i-1]) {
		i--
	}
	return i
}

// Depth returns the number of arrays and objects open.
func (r *Reader) Depth() int { return r.depth }

// Err returns the first error, a *SyntaxError, or nil.
func (r *Reader) Err() error {
	if r.code == OK {
		return nil
	}
	return &SyntaxError{Offset: r.off, Code: r.code}
}

// Failed reports whether an error happened.
func (r *Reader) Failed() bool { return r.code != OK }

// Fail records an error at off (unless one is recorded already) and stops
// the walk. It always returns false.
func (r *Reader) Fail(code Code, off int) bool {
	if r.code == OK {
		r.code, r.off = code, off
	}
	r.pos = len(r.buf)
	return false
}

// Peek returns the kind of the value that comes next (Bad at the end of
// the input or at a byte no value starts with).
func (r *Reader) Peek() Kind {
	if r.pos >= len(r.buf) {
		return Bad
	}
	return kinds[r.buf[r.pos]]
}

// failHere fails with EOF at the end of the input, else with code.
func (r *Reader) failHere(code Code) bool {
	if r.pos >= len(r.buf) {
		return r.Fail(EOF, r.pos)
	}
	return r.Fail(code, r.pos)
}

// Object reads the '{' opening an object; Member then reads its members.
func (r *Reader) Object() bool { return r.open('{') }

// Array reads the '[' opening an array; Element then reads its elements.
func (r *Reader) Array() bool { return r.open('[') }

func (r *Reader) open(c byte) bool {
	i := r.pos
	if i >= len(r.buf) || r.buf[i] != c {
		return r.failHere(Unexpected)
	}
	if r.depth >= MaxDepth {
		return r.Fail(Depth, i)
	}
	r.depth++
	r.pos = Space(r.buf, i+1)
	r.first = true
	return true
}

// Member reads the comma before the next member of the object being read,
// the member's name and the colon after it, and reports true: the value is
// next. At the closing '}' it reads it and reports false, as it does on
// error.
func (r *Reader) Member() bool {
	b, i := r.buf, r.pos
	if i >= len(b) {
		return r.Fail(EOF, i)
	}
	if b[i] == '}' {
		r.depth--
		r.pos = Space(b, i+1)
		r.first = false
		return false
	}
	if !r.first {
		if b[i] != ',' {
			return r.Fail(Comma, i)
		}
		if i = Space(b, i+1); i >= len(b) {
			return r.Fail(EOF, i)
		}
	}
	if b[i] != '"' {
		return r.Fail(Name, i)
	}
	end, escaped, code := ScanString(b, i)
	if code != OK {
		return r.Fail(code, end)
	}
	r.nameStart, r.nameEnd, r.nameEscaped = i+1, end-1, escaped
	if i = Space(b, end); i >= len(b) || b[i] != ':' {
		r.pos = i
		return r.failHere(Colon)
	}
	r.pos = Space(b, i+1)
	r.first = false
	return true
}

// Name returns the name Member read, as it is written between its quotes,
// and whether it holds escapes (AppendUnescaped decodes them). It aliases
// the input.
func (r *Reader) Name() (raw []byte, escaped bool) {
	return r.buf[r.nameStart:r.nameEnd], r.nameEscaped
}

// Element reads the comma before the next element of the array being read
// and reports true: the element is next. At the closing ']' it reads it
// and reports false, as it does on error.
func (r *Reader) Element() bool {
	b, i := r.buf, r.pos
	if i >= len(b) {
		return r.Fail(EOF, i)
	}
	if b[i] == ']' {
		r.depth--
		r.pos = Space(b, i+1)
		r.first = false
		return false
	}
	if !r.first {
		if b[i] != ',' {
			return r.Fail(Comma, i)
		}
		r.pos = Space(b, i+1)
	}
	r.first = false
	return true
}

// String reads a string and returns its content as written between the
// quotes, and whether it holds escapes. It aliases the input.
func (r *Reader) String() (raw []byte, escaped, ok bool) {
	if r.pos >= len(r.buf) || r.buf[r.pos] != '"' {
		return nil, false, r.failHere(Unexpected)
	}
	end, escaped, code := ScanString(r.buf, r.pos)
	if code != OK {
		return nil, false, r.Fail(code, end)
	}
	start := r.pos + 1
	r.pos = Space(r.buf, end)
	return r.buf[start : end-1], escaped, true
}

// Number reads a number and returns its text and whether it has a
// fraction or an exponent. It aliases the input.
func (r *Reader) Number() (text []byte, float, ok bool) {
	// Only r lives across the call: reloading its fields after it is
	// cheaper than keeping the slice and offset on the stack.
	if r.pos >= len(r.buf) {
		return nil, false, r.Fail(EOF, r.pos)
	}
	end, float, code := ScanNumber(r.buf, r.pos)
	if code != OK {
		return nil, false, r.Fail(code, end)
	}
	start := r.pos
	r.pos = Space(r.buf, end)
	return r.buf[start:end], float, true
}

// Literal reads true, false or null and returns which.
func (r *Reader) Literal() (Kind, bool) {
	b, i := r.buf, r.pos
	if i >= len(b) || kinds[b[i]] < True {
		return Bad, r.failHere(Unexpected)
	}
	end, code := ScanLiteral(b, i)
	if code != OK {
		return Bad, r.Fail(code, end)
	}
	r.pos = Space(b, end)
	return kinds[b[i]], true
}

// Advance moves the Reader to end, just past a token the caller read and
// checked itself with ScanString, ScanNumber or ScanLiteral from Pos: a
// hot loop saves a call per token that way (the matcher reads numbers so).
func (r *Reader) Advance(end int) { r.pos = Space(r.buf, end) }

// Skip passes over the next value, checking it, and returns where it
// starts and ends.
func (r *Reader) Skip() (start, end int, ok bool) {
	start = r.pos
	// The enclosing containers count towards the nesting limit.
	end, code := skipDepth(r.buf, start, r.depth)
	if code != OK {
		return start, end, r.Fail(code, end)
	}
	r.pos = Space(r.buf, end)
	return start, end, true
}

// SkipFast passes over the next value as the SkipFast function does,
// checking only that it ends.
func (r *Reader) SkipFast() bool {
	end, ok := SkipFast(r.buf, r.pos)
	if !ok {
		return r.Fail(EOF, end)
	}
	r.pos = Space(r.buf, end)
	return true
}

// End reports whether the input ends where the Reader stands (white space
// aside); otherwise it fails with Trailing.
func (r *Reader) End() bool {
	if r.pos < len(r.buf) {
		return r.Fail(Trailing, r.pos)
	}
	return r.code == OK
}
