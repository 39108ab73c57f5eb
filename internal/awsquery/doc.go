// Package awsquery speaks the awsQuery protocol (form-encoded POSTs, XML
// responses) from a botocore service model, so that a service written
// against awsproto.Operation handlers and JSON documents (the awsJson
// protocols) also serves the clients that speak awsQuery: SNS, and SQS for
// older SDKs (botocore before 1.31, Debian's python3-boto3 1.26 and awscli
// 2.9, the AWS SDK for Java 1.x).
//
// # Codec
//
// LoadModel reads a query-protocol model: the published service-2.json, or
// the reduced QueryModel the awsapi generator embeds in a generated package
// (awsapi/sqs.QueryModel, awsapi/sns.QueryModel). Then
//
//   - Model.DecodeInput(op, form) turns an operation's form parameters into
//     the JSON document of its input shape, keyed by member names, which
//     decodes into the same Go structs as an awsJson body;
//   - Model.EncodeOutput(op, json, requestID) renders the JSON document of
//     the output shape as AWS's XML response
//     (<OpResponse xmlns=...><OpResult>...</OpResult><ResponseMetadata>...);
//   - Model.EncodeError(err, requestID) renders an *awsproto.Error as
//     <ErrorResponse><Error><Type/><Code/><Message/><Detail/></Error>
//     <RequestId/></ErrorResponse> with its HTTP status, using the error's
//     QueryCode (AWS.SimpleQueueService.NonExistentQueue) when it has one.
//
// The parameter names and the XML follow botocore's QuerySerializer and
// QueryParser (locationName, flattened lists and maps, "member" and
// "entry" wrappers, 1-based indexes, result wrappers); the golden files in
// testdata are checked against botocore itself by TestBotocoreAgrees.
//
// # Service
//
// NewService(model, accepts, ops, internalCode) returns an
// awsproto.QueryService that decodes each request, calls the operation's
// handler with Request.Body set to the JSON document (Request.Form still
// holds the raw parameters), marshals what the handler returns to JSON and
// renders it as XML; handler errors go through awsproto.AsError and
// EncodeError, panics become internal errors. Register it with
// awsproto.Mux.HandleQuery.
//
// # Not covered
//
// The ec2 protocol (queryName, its own envelope) is not supported; models
// with HTTP-bound members are refused. Required members are not checked by
// the codec (handlers and the generated Validate methods do that).
package awsquery
