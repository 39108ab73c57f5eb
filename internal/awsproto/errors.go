package awsproto

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an error the caller sees in AWS's shape.
type Error struct {
	// Code is the AWS error code (the exception name), e.g.
	// ResourceNotFoundException.
	Code    string
	Message string
	// Status is the HTTP status (400 when zero).
	Status int
	// QueryCode, for services that also speak awsQuery (SQS), is the
	// legacy error code such as AWS.SimpleQueueService.NonExistentQueue;
	// awsJson responses carry it in the x-amzn-query-error header.
	QueryCode string
	// Receiver marks a server-side fault (Type Receiver in awsQuery).
	Receiver bool
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// HTTPStatus returns the status code to send.
func (e *Error) HTTPStatus() int {
	if e.Status == 0 {
		return http.StatusBadRequest
	}
	return e.Status
}

// Errorf returns an *Error with status 400.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// errBadRegion answers a signature scoped to something that is not a
// region name.
var errBadRegion = &Error{Code: "InvalidSignatureException", Message: "Credential should be scoped to a valid region.", Status: http.StatusForbidden}

// Coder is implemented by errors that carry their own AWS code (for
// example validation errors generated from the service models).
type Coder interface {
	error
	Code() string
}

// AsError turns any error into an *Error: AWS errors pass through, coded
// errors keep their code, anything else is an internal error.
func AsError(err error, internalCode string) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var c Coder
	if errors.As(err, &c) {
		return &Error{Code: c.Code(), Message: c.Error()}
	}
	// The details go to the log, not to the caller.
	return &Error{Code: internalCode, Message: "An internal error occurred; retry the request.", Status: http.StatusInternalServerError, Receiver: true}
}
