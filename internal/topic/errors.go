package topic

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/switchyard/switchyard/internal/awsproto"
)

// ErrTopicNotFound is returned by the Go API (Publish) when the topic does
// not exist.
var ErrTopicNotFound = errors.New("topic: topic does not exist")

// SNS errors: Code is the model's exception shape name, QueryCode the
// awsQuery error code SNS sends (and SDKs report), Status the model's HTTP
// status. Messages are SNS's wording where it is known (AWS-validated
// snapshots of LocalStack's test suite, the SNS developer guide).

func errNotFound(msg string) *awsproto.Error {
	return &awsproto.Error{Code: "NotFoundException", QueryCode: "NotFound", Status: http.StatusNotFound, Message: msg}
}

func errTopicDoesNotExist() *awsproto.Error { return errNotFound("Topic does not exist") }

func errSubscriptionDoesNotExist() *awsproto.Error { return errNotFound("Subscription does not exist") }

func errInvalidParameter(format string, args ...any) *awsproto.Error {
	return &awsproto.Error{Code: "InvalidParameterException", QueryCode: "InvalidParameter", Message: fmt.Sprintf(format, args...)}
}

func errInvalidParameterValue(format string, args ...any) *awsproto.Error {
	return &awsproto.Error{Code: "InvalidParameterValueException", QueryCode: "ParameterValueInvalid", Message: fmt.Sprintf(format, args...)}
}

func errAuthorization(msg string) *awsproto.Error {
	return &awsproto.Error{Code: "AuthorizationErrorException", QueryCode: "AuthorizationError", Status: http.StatusForbidden, Message: msg}
}

func errResourceNotFound(msg string) *awsproto.Error {
	return &awsproto.Error{Code: "ResourceNotFoundException", QueryCode: "ResourceNotFound", Status: http.StatusNotFound, Message: msg}
}

func errTagLimitExceeded() *awsproto.Error {
	return &awsproto.Error{Code: "TagLimitExceededException", QueryCode: "TagLimitExceeded", Message: "Could not complete request: tag quota of per resource exceeded"}
}

// errMissing is SNS's answer to a request without a required member:
// path is the member's name as SNS spells it in the message (lower camel
// case).
func errMissing(path string) *awsproto.Error {
	return &awsproto.Error{Code: "ValidationException", QueryCode: "ValidationError",
		Message: "1 validation error detected: Value null at '" + path + "' failed to satisfy constraint: Member must not be null"}
}

func errBatch(code, msg string) *awsproto.Error {
	return &awsproto.Error{Code: code + "Exception", QueryCode: code, Message: msg}
}

func errNotImplemented(op string) *awsproto.Error {
	return &awsproto.Error{Code: "InvalidParameterException", QueryCode: "InvalidParameter",
		Message: "Invalid parameter: " + op + " is not supported by Switchyard's built-in topic service"}
}
