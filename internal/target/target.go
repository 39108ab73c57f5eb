// Package target invokes EventBridge targets. Each kind of target (an event
// bus, a built-in queue, ...) implements Target; Registry picks the kind
// from the target's ARN. Invocation failures are *Error values that say
// whether a retry can help, as EventBridge classifies them: a target that
// does not exist fails at once and goes to the dead-letter queue.
package target

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/switchyard/switchyard/internal/arn"
)

// Invocation is one delivery of one event to one target.
type Invocation struct {
	Account, Region string
	EventID         string
	RuleArn         string
	TargetID        string
	TargetArn       string
	// Config is the target as the API describes it (Target structure).
	Config json.RawMessage
	// Event is the matched event; Payload is what the target receives
	// after input transformation.
	Event   []byte
	Payload []byte
	// Hops counts the event buses the event has already crossed.
	Hops int
}

// Target is one kind of target.
type Target interface {
	Invoke(ctx context.Context, inv *Invocation) error
}

// Timeouter is implemented by targets that bound an invocation
// themselves (a Lambda function's configured timeout, an API
// destination's 5 s): delivery gives the invocation that long instead of
// its default.
type Timeouter interface {
	Timeout() time.Duration
}

// Error is a failed invocation. Code is the ERROR_CODE EventBridge reports
// on dead-letter messages.
type Error struct {
	Code      string
	Message   string
	Retryable bool
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Error codes: the ERROR_CODE values EventBridge writes on dead-letter
// messages, plus LOOP_DETECTED for events stopped after crossing
// MaxHops buses (a Switchyard safeguard that has no AWS counterpart).
const (
	CodeNotFound      = "NO_RESOURCE"
	CodeInternal      = "INTERNAL_ERROR"
	CodeThrottled     = "THROTTLING"
	CodeInvalidParam  = "INVALID_PARAMETER"
	CodeSDKClient     = "SDK_CLIENT_ERROR"
	CodeLoop          = "LOOP_DETECTED"
	CodeNoPermissions = "NO_PERMISSIONS"
	// CodeFunctionError is a function or endpoint that ran and failed.
	CodeFunctionError = "ERROR_FROM_TARGET"
)

// Retryable reports whether err may succeed if tried again. Errors that
// are not *Error are treated as transient.
func Retryable(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Retryable
	}
	return true
}

// Classify returns the dead-letter ERROR_CODE and ERROR_MESSAGE for err.
func Classify(err error) (code, msg string) {
	var e *Error
	if errors.As(err, &e) {
		return e.Code, e.Message
	}
	return CodeInternal, err.Error()
}

// ARN is a parsed Amazon Resource Name (package arn's).
type ARN = arn.ARN

// Kind builds the Target for an ARN of its service, or returns nil if the
// ARN names nothing it can reach.
type Kind func(arn ARN) Target

// Registry maps ARN services to target kinds.
type Registry struct {
	kinds map[string]Kind
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{kinds: map[string]Kind{}} }

// Register adds the kind for an ARN service ("sqs", "events", ...).
func (r *Registry) Register(service string, k Kind) { r.kinds[service] = k }

// Resolve returns the target for an ARN. ARNs of services Switchyard cannot
// reach resolve to a target that fails without retries.
func (r *Registry) Resolve(v string) Target {
	a, err := arn.Parse(v)
	if err != nil {
		return unreachable{reason: err.Error()}
	}
	if k := r.kinds[a.Service]; k != nil {
		if t := k(a); t != nil {
			return t
		}
	}
	return unreachable{reason: fmt.Sprintf("Switchyard has no way to reach %s (service %q is not available as a target here).", v, a.Service)}
}

type unreachable struct{ reason string }

func (u unreachable) Invoke(context.Context, *Invocation) error {
	return &Error{Code: CodeNotFound, Message: u.reason}
}

var _ Target = unreachable{}
