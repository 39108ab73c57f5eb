package pattern

import "errors"

// ErrorCode is the AWS error code for a pattern that is not valid.
const ErrorCode = "InvalidEventPatternException"

// Error reports a pattern that is not valid. Its message is AWS's:
//
//	Event pattern is not valid. Reason: <reason>
//	 at [Source: (String)"<pattern>"; line: 1, column: 5]
//
// The second line is present when the reason has a position in the pattern.
type Error struct {
	// Reason is AWS's reason text, e.g. "Empty arrays are not allowed".
	Reason string
	// Location is the Jackson-style location suffix, or "" when the reason
	// is not tied to a position (limits, complexity).
	Location string
	// Line and Column locate the problem (1-based; 0 when not positioned).
	Line, Column int
}

func (e *Error) Error() string {
	msg := "Event pattern is not valid. Reason: " + e.Reason
	if e.Location != "" {
		msg += "\n at " + e.Location
	}
	return msg
}

// Code returns the AWS error code, InvalidEventPatternException.
func (e *Error) Code() string { return ErrorCode }

// ErrInvalidEvent is returned by TestEventPattern (and the matchers) when the
// event is not a JSON object, or (TestEventPattern only) lacks one of the
// envelope fields AWS requires. AWS reports it as a ValidationException.
//
//lint:ignore ST1005 the text is AWS's, verbatim.
var ErrInvalidEvent = errors.New("Parameter Event is not valid.")

// ValidationCode is the AWS error code that accompanies ErrInvalidEvent.
const ValidationCode = "ValidationException"

func newError(reason string) *Error { return &Error{Reason: reason} }

func positionedError(src string, se *syntaxError) *Error {
	loc := sourceLocation(src, se.pos)
	line, col := lineCol(src, se.pos)
	return &Error{Reason: se.msg, Location: loc, Line: line, Column: col}
}

func lineCol(src string, pos int) (int, int) {
	line, col := 1, 1
	if pos > len(src) {
		pos = len(src)
	}
	for i := 0; i < pos; i++ {
		switch src[i] {
		case '\n':
			line, col = line+1, 1
		default:
			if src[i]&0xC0 != 0x80 {
				col++
			}
		}
	}
	return line, col
}
