package queue

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/switchyard/switchyard/internal/awsproto"
)

// ErrQueueNotFound is returned by the Go API (Send) when the queue does not
// exist.
var ErrQueueNotFound = errors.New("queue: queue does not exist")

// SQS errors as AWS sends them over awsJson1.0: Code is the model's shape
// name (the __type after "com.amazonaws.sqs#"), QueryCode the legacy awsQuery
// code that goes into x-amzn-query-error (and that SDKs in query-compatible
// mode report as the error code), Status the HTTP status of the model's
// awsQueryError trait. Messages are AWS's wording where it is known (see the
// tests for the sources).

func errQueueDoesNotExist() *awsproto.Error {
	return &awsproto.Error{Code: "QueueDoesNotExist", QueryCode: "AWS.SimpleQueueService.NonExistentQueue",
		Message: "The specified queue does not exist."}
}

func errQueueNameExists(attr string) *awsproto.Error {
	return &awsproto.Error{Code: "QueueNameExists", QueryCode: "QueueAlreadyExists",
		Message: "A queue already exists with the same name and a different value for attribute " + attr}
}

func errInvalidParameterValue(format string, args ...any) *awsproto.Error {
	return &awsproto.Error{Code: "InvalidParameterValueException", QueryCode: "InvalidParameterValue",
		Message: fmt.Sprintf(format, args...)}
}

func errMissingParameter(name string) *awsproto.Error {
	return &awsproto.Error{Code: "MissingRequiredParameterException", QueryCode: "MissingParameter",
		Message: "The request must contain the parameter " + name + "."}
}

func errUnknownAttribute(name string) *awsproto.Error {
	return &awsproto.Error{Code: "InvalidAttributeName", QueryCode: "InvalidAttributeName",
		Message: "Unknown Attribute " + name + "."}
}

func errInvalidAttributeName(msg string) *awsproto.Error {
	return &awsproto.Error{Code: "InvalidAttributeName", QueryCode: "InvalidAttributeName", Message: msg}
}

func errInvalidAttributeValue(name, reason string) *awsproto.Error {
	msg := "Invalid value for the parameter " + name + "."
	if reason != "" {
		msg = "Invalid value for the parameter " + name + ". Reason: " + reason
	}
	return &awsproto.Error{Code: "InvalidAttributeValue", QueryCode: "InvalidAttributeValue", Message: msg}
}

func errReceiptHandleIsInvalid(handle string) *awsproto.Error {
	return &awsproto.Error{Code: "ReceiptHandleIsInvalid", QueryCode: "ReceiptHandleIsInvalid",
		Status:  http.StatusNotFound,
		Message: fmt.Sprintf("The input receipt handle %q is not a valid receipt handle.", handle)}
}

func errPurgeQueueInProgress(name string) *awsproto.Error {
	return &awsproto.Error{Code: "PurgeQueueInProgress", QueryCode: "AWS.SimpleQueueService.PurgeQueueInProgress",
		Status:  http.StatusForbidden,
		Message: "Only one PurgeQueue operation on " + name + " is allowed every 60 seconds."}
}

func errInvalidMessageContents(r rune) *awsproto.Error {
	return &awsproto.Error{Code: "InvalidMessageContents", QueryCode: "InvalidMessageContents",
		Message: fmt.Sprintf("Invalid binary character '#x%X' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].", r)}
}

func errUnsupportedOperation(op string) *awsproto.Error {
	return &awsproto.Error{Code: "UnsupportedOperation", QueryCode: "AWS.SimpleQueueService.UnsupportedOperation",
		Message: op + " is not implemented by Switchyard's built-in queue service yet."}
}

func errEmptyBatchRequest(entryShape string) *awsproto.Error {
	return &awsproto.Error{Code: "EmptyBatchRequest", QueryCode: "AWS.SimpleQueueService.EmptyBatchRequest",
		Message: "There should be at least one " + entryShape + " in the request."}
}

func errTooManyEntriesInBatchRequest(n int) *awsproto.Error {
	return &awsproto.Error{Code: "TooManyEntriesInBatchRequest", QueryCode: "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
		Message: fmt.Sprintf("Maximum number of entries per request are %d. You have sent %d.", maxBatchEntries, n)}
}

func errBatchEntryIdsNotDistinct(id string) *awsproto.Error {
	return &awsproto.Error{Code: "BatchEntryIdsNotDistinct", QueryCode: "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
		Message: "Id " + id + " repeated."}
}

func errInvalidBatchEntryID() *awsproto.Error {
	return &awsproto.Error{Code: "InvalidBatchEntryId", QueryCode: "AWS.SimpleQueueService.InvalidBatchEntryId",
		Message: "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long."}
}

func errBatchRequestTooLong(size int) *awsproto.Error {
	return &awsproto.Error{Code: "BatchRequestTooLong", QueryCode: "AWS.SimpleQueueService.BatchRequestTooLong",
		Message: fmt.Sprintf("Batch requests cannot be longer than %d bytes. You have sent %d bytes.", maxBatchSize, size)}
}

func errResourceNotFound(msg string) *awsproto.Error {
	return &awsproto.Error{Code: "ResourceNotFoundException", QueryCode: "ResourceNotFoundException",
		Status: http.StatusNotFound, Message: msg}
}

func errOverLimit(msg string) *awsproto.Error {
	return &awsproto.Error{Code: "OverLimit", QueryCode: "OverLimit", Status: http.StatusForbidden, Message: msg}
}

// errInternal is what a batch entry reports when the store failed it.
func errInternal() *awsproto.Error {
	return &awsproto.Error{Code: "InternalError", QueryCode: "InternalError", Status: http.StatusInternalServerError,
		Receiver: true, Message: "An internal error occurred; retry the request."}
}
