package awsapi

import "github.com/switchyard/switchyard/internal/awsproto"

// Service describes one service model's metadata.
type Service struct {
	ServiceID      string // "EventBridge", "SQS"
	FullName       string // "Amazon EventBridge"
	APIVersion     string // "2015-10-07"
	Protocol       string // model protocol: "json" for awsJson1.0/1.1
	JSONVersion    string // "1.0" or "1.1" for awsJson protocols
	TargetPrefix   string // X-Amz-Target prefix: "AWSEvents", "AmazonSQS"
	EndpointPrefix string // "events", "sqs"
	SigningName    string // SigV4 signing name
	// QueryCompatible is true for awsJson services that are compatible
	// with an older awsQuery protocol (SQS): their errors then also carry
	// the awsQuery error code (ErrorShape.Code) in the x-amzn-query-error
	// response header.
	QueryCompatible bool
}

// ContentType returns the request/response content type of an awsJson
// service: "application/x-amz-json-1.1" or "application/x-amz-json-1.0".
func (s Service) ContentType() string {
	return "application/x-amz-json-" + s.JSONVersion
}

// Target returns the X-Amz-Target header value of operation op, e.g.
// "AWSEvents.PutEvents".
func (s Service) Target(op string) string {
	return s.TargetPrefix + "." + op
}

// Operation describes one operation of a service model.
type Operation struct {
	Name       string
	Input      string   // input shape name, "" if the operation takes none
	Output     string   // output shape name, "" if the operation returns none
	Errors     []string // error shape names documented for the operation, in model order
	Deprecated bool
	// NewInput returns a new, empty input structure (a pointer to the
	// generated type) to decode the request into; nil when Input is "".
	NewInput func() Input
	// NewOutput returns a new, empty output structure (a pointer to the
	// generated type); nil when Output is "".
	NewOutput func() any
}

// ErrorShape describes one error (exception) shape of a service model.
type ErrorShape struct {
	Name string // shape name, also the error type name ("ResourceNotFoundException")
	// Code is the error code from the model's error trait (for
	// awsQuery-compatible services the awsQuery error code, e.g.
	// "AWS.SimpleQueueService.NonExistentQueue"); Name when the model has
	// none.
	Code string
	// HTTPStatus is the status code from the model's error trait; without
	// one, 500 for server faults and 400 otherwise.
	HTTPStatus int
	// Fault is true when the error is the server's fault (model "fault"
	// trait, or senderFault false in the error trait): SDKs then retry.
	Fault bool
	// New is the shape's generated constructor (ErrX in the service
	// package): the *awsproto.Error with the shape name as Code, the
	// awsQuery code as QueryCode when the service speaks awsQuery, the
	// status and fault above, and the message fmt.Sprintf(format, args...)
	// makes.
	New func(format string, args ...any) *awsproto.Error
}

// Ptr returns a pointer to v, for optional members: Ptr("name"),
// Ptr(int32(10)), Ptr(events.ConnectionAuthorizationTypeBasic).
func Ptr[T any](v T) *T { return &v }

// Value returns *p, or the zero value of T when p is nil.
func Value[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// Optional returns a pointer to s, or nil when s is empty, for optional
// string members that are left out rather than sent empty.
func Optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
