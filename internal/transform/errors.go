package transform

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
)

// ValidationError is a target input configuration EventBridge refuses at
// PutTargets time. It is AWS's ValidationException: Code returns its name
// (so awsproto.AsError keeps it) and Error returns the message alone.
type ValidationError struct {
	// TargetID is the Id of the target refused.
	TargetID string
	// Message is the exception message, as AWS words it.
	Message string
}

func (e *ValidationError) Error() string { return e.Message }

// Code returns the AWS error code, ValidationException.
func (e *ValidationError) Code() string { return "ValidationException" }

// ErrNothingSelected is returned by Apply when the target's InputPath
// selects nothing in the event: there is no input to send, and the target
// is not invoked (see the package documentation).
var ErrNothingSelected = errors.New("transform: InputPath selected nothing in the event; the target is not invoked")

func invalid(targetID, msg string) *ValidationError {
	return &ValidationError{TargetID: targetID, Message: msg}
}

// Messages recorded against AWS (LocalStack's AWS-validated snapshots,
// test_events_inputs.snapshot.json).
func errOnlyOne(id string) *ValidationError {
	return invalid(id, "Only one of Input, InputPath, or InputTransformer must be provided for target "+id+".")
}

func errPlaceholder(id, name string) *ValidationError {
	return invalid(id, "InputTemplate for target "+id+" contains invalid placeholder "+name+".")
}

// errInputJSON words a malformed Input as AWS does, e.g. "JSON syntax
// error in input for target 1: [Source: (String)"env:dev"; line: 1,
// column: 4]" (recorded by a user against AWS, aws/aws-cli#6711).
func errInputJSON(id, input string, off int) *ValidationError {
	return invalid(id, "JSON syntax error in input for target "+id+": "+sourceLocation(input, off))
}

// Not recorded: AWS's wording for a malformed path is unknown, these are
// Switchyard's.
func errInputPath(id, p, why string) *ValidationError {
	return invalid(id, "Invalid InputPath for target "+id+": "+p+" ("+why+").")
}

func errPathsMapPath(id, key, p, why string) *ValidationError {
	return invalid(id, "Invalid InputPathsMap for target "+id+": the path "+p+" of "+key+" is not supported ("+why+").")
}

// Model constraints. On the wire, awsapi's generated validation refuses
// these first with AWS's exact text ("1 validation error detected: Value
// ... at 'targets.1.member.inputTransformer...' failed to satisfy
// constraint: ..."); Compile repeats the checks for callers that do not
// come through the API (configuration files), with the same wording and a
// path relative to the target.
func errConstraint(id, value, at, constraint string) *ValidationError {
	return invalid(id, "1 validation error detected: Value '"+value+"' at '"+at+"' failed to satisfy constraint: "+constraint)
}

func errNull(id, at string) *ValidationError {
	return invalid(id, "1 validation error detected: Value null at '"+at+"' failed to satisfy constraint: Member must not be null")
}

const (
	keyConstraint = `Map keys must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [A-Za-z0-9\_\-]+]`
	valConstraint = "Map values must satisfy constraint: [Member must have length less than or equal to 256]"
)

func maxLenConstraint(n int) string {
	return "Member must have length less than or equal to " + strconv.Itoa(n)
}

// renderMap renders a map as Java's toString does ({k=v, k2=v2}), in key
// order (AWS uses HashMap order; awsapi reproduces it on the wire).
func renderMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + "=" + m[k])
	}
	b.WriteByte('}')
	return b.String()
}

// javaLen is a string's length as Java counts it (UTF-16 units), which is
// how AWS's length constraints count.
func javaLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

func validKey(k string) bool {
	if k == "" || javaLen(k) > 256 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
