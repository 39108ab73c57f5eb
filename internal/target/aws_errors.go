package target

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// More dead-letter ERROR_CODE values, from the list the EventBridge user
// guide gives for DLQ messages ("Using dead-letter queues to process
// undelivered events": CONNECTION_FAILURE, ERROR_FROM_TARGET,
// INTERNAL_ERROR, INVALID_JSON, INVALID_PARAMETER, NO_PERMISSIONS,
// NO_RESOURCE, RESOURCE_ALREADY_EXISTS, RESOURCE_LIMIT_EXCEEDED,
// RESOURCE_MODIFICATION_COLLISION, SDK_CLIENT_ERROR, THROTTLING, TIMEOUT,
// ...). A missing resource is reported with CodeNotFound, as every other
// kind of target here does.
const (
	codeTimeout           = "TIMEOUT"
	codeErrorFromTarget   = "ERROR_FROM_TARGET"
	codeAlreadyExists     = "RESOURCE_ALREADY_EXISTS"
	codeLimitExceeded     = "RESOURCE_LIMIT_EXCEEDED"
	codeModifyCollision   = "RESOURCE_MODIFICATION_COLLISION"
	codeInvalidJSON       = "INVALID_JSON"
	codeConnectionFailure = "CONNECTION_FAILURE"
)

// awsErrorCodes classifies AWS error codes (the __type or X-Amzn-ErrorType
// of the response) that are not told apart by their HTTP status alone.
var awsErrorCodes = map[string]struct {
	code      string
	retryable bool
}{
	// The resource is missing: no retry helps until someone creates it.
	"ResourceNotFoundException": {CodeNotFound, false},
	"ResourceNotFound":          {CodeNotFound, false},
	"NotFoundException":         {CodeNotFound, false},
	"StateMachineDoesNotExist":  {CodeNotFound, false},
	"StateMachineDeleting":      {CodeNotFound, false},
	"ClusterNotFoundException":  {CodeNotFound, false},
	"InvalidDocument":           {CodeNotFound, false}, // SSM: no such document
	// Credentials or permissions.
	"AccessDeniedException":       {CodeNoPermissions, false},
	"AccessDenied":                {CodeNoPermissions, false},
	"UnauthorizedOperation":       {CodeNoPermissions, false},
	"UnrecognizedClientException": {CodeNoPermissions, false},
	"InvalidClientTokenId":        {CodeNoPermissions, false},
	"InvalidSignatureException":   {CodeNoPermissions, false},
	"SignatureDoesNotMatch":       {CodeNoPermissions, false},
	"IncompleteSignature":         {CodeNoPermissions, false},
	"MissingAuthenticationToken":  {CodeNoPermissions, false},
	"ExpiredTokenException":       {CodeNoPermissions, false},
	"ExpiredToken":                {CodeNoPermissions, false},
	"InvalidRole":                 {CodeNoPermissions, false},
	"KMSAccessDeniedException":    {CodeNoPermissions, false},
	"KMSDisabledException":        {CodeNoPermissions, false},
	"KMSInvalidStateException":    {CodeNoPermissions, false},
	"KMSNotFoundException":        {CodeNoPermissions, false},
	"InvalidKMSResourceException": {CodeNoPermissions, false},
	// Throttling and capacity: retried.
	"ThrottlingException":                    {CodeThrottled, true},
	"Throttling":                             {CodeThrottled, true},
	"ThrottledException":                     {CodeThrottled, true},
	"TooManyRequestsException":               {CodeThrottled, true},
	"RequestLimitExceeded":                   {CodeThrottled, true},
	"ProvisionedThroughputExceededException": {CodeThrottled, true},
	"KMSThrottlingException":                 {CodeThrottled, true},
	"LimitExceededException":                 {CodeThrottled, true},
	"ServiceUnavailable":                     {CodeThrottled, true},
	"ServiceUnavailableException":            {CodeThrottled, true},
	"SlowDown":                               {CodeThrottled, true},
	"ExecutionLimitExceeded":                 {codeLimitExceeded, true},
	"ResourceLimitExceeded":                  {codeLimitExceeded, true},
	"ActiveStatementsExceededException":      {codeLimitExceeded, true},
	"ActiveSessionsExceededException":        {codeLimitExceeded, true},
	"ResourceInUseException":                 {codeModifyCollision, true},
	"ConflictException":                      {codeModifyCollision, true},
	"OperationAbortedException":              {codeModifyCollision, true},
	"InvalidSequenceTokenException":          {codeModifyCollision, true},
	"DatabaseConnectionException":            {codeConnectionFailure, true},
	// The call itself is wrong: retrying would send the same thing again.
	"ExecutionAlreadyExists":       {codeAlreadyExists, false},
	"DataAlreadyAcceptedException": {codeAlreadyExists, false},
	"ValidationException":          {CodeInvalidParam, false},
	"ValidationError":              {CodeInvalidParam, false},
	"InvalidParameterException":    {CodeInvalidParam, false},
	"InvalidParameterValue":        {CodeInvalidParam, false},
	"InvalidArgumentException":     {CodeInvalidParam, false},
	"InvalidRequestException":      {CodeInvalidParam, false},
	"InvalidParameters":            {CodeInvalidParam, false},
	"InvalidArn":                   {CodeInvalidParam, false},
	"InvalidName":                  {CodeInvalidParam, false},
	"InvalidTarget":                {CodeInvalidParam, false},
	"InvalidInstanceId":            {CodeInvalidParam, false},
	"InvalidDocumentVersion":       {CodeInvalidParam, false},
	"InvalidOutputFolder":          {CodeInvalidParam, false},
	"DuplicateInstanceId":          {CodeInvalidParam, false},
	"UnsupportedPlatformType":      {CodeInvalidParam, false},
	"PlatformUnknownException":     {CodeInvalidParam, false},
	"SerializationException":       {CodeInvalidParam, false},
	"ClientException":              {CodeInvalidParam, false},
	"InvalidExecutionInput":        {codeInvalidJSON, false},
	"ExecuteStatementException":    {codeErrorFromTarget, false},
}

// awsError classifies a failed AWS call the way EventBridge does: the
// target missing, no permission, or an invalid request go to the
// dead-letter queue at once; throttling, server errors, timeouts and
// network failures are retried. op names the call, for the message.
func awsError(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	var te *Error
	if errors.As(err, &te) {
		return te
	}
	// A success response the SDK cannot read (some emulators write
	// timestamps as text) means the service accepted the call: retrying
	// would repeat it, so it counts as delivered.
	var de *smithy.DeserializationError
	if status := awsHTTPStatus(err); errors.As(err, &de) && status >= 200 && status < 300 {
		return nil
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		msg := op + ": " + api.ErrorCode()
		if m := api.ErrorMessage(); m != "" {
			msg += ": " + m
		}
		if c, ok := awsErrorCodes[api.ErrorCode()]; ok {
			return &Error{Code: c.code, Message: msg, Retryable: c.retryable}
		}
		return awsStatusError(awsHTTPStatus(err), api.ErrorFault() == smithy.FaultServer, msg)
	}
	if status := awsHTTPStatus(err); status != 0 {
		return awsStatusError(status, false, op+": "+err.Error())
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil || isNetTimeout(err):
		return &Error{Code: codeTimeout, Message: op + ": the call timed out: " + err.Error(), Retryable: true}
	case isNetConnection(err):
		return &Error{Code: codeConnectionFailure, Message: op + ": " + err.Error(), Retryable: true}
	}
	return &Error{Code: CodeSDKClient, Message: op + ": " + err.Error(), Retryable: true}
}

// awsStatusError classifies an error response by its HTTP status.
func awsStatusError(status int, serverFault bool, msg string) error {
	switch {
	case status == http.StatusTooManyRequests:
		return &Error{Code: CodeThrottled, Message: msg, Retryable: true}
	case status >= 500 || serverFault:
		return &Error{Code: CodeInternal, Message: msg, Retryable: true}
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return &Error{Code: CodeNoPermissions, Message: msg}
	case status == http.StatusNotFound:
		return &Error{Code: CodeNotFound, Message: msg}
	case status == http.StatusRequestTimeout:
		return &Error{Code: codeTimeout, Message: msg, Retryable: true}
	case status >= 400:
		return &Error{Code: CodeInvalidParam, Message: msg}
	}
	return &Error{Code: CodeSDKClient, Message: msg, Retryable: true}
}

func awsHTTPStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isNetConnection(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &op) || errors.As(err, &dns) || strings.Contains(err.Error(), "connection refused")
}
