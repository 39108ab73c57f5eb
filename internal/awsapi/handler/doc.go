// Package handler is the plumbing the EventBridge API handlers share
// (packages catalog, connection, archive and ingest): Handle adapts a typed
// handler to an awsproto.Operation, decoding the request, validating it
// against the service model and refusing resource ARNs outside the
// caller's scope (ScopeOf, CheckArnScope, CheckScope); Page paginates a
// list with NextToken and Limit.
//
// It is apart from package awsapi because awsapi is the runtime of the
// generated code and imports nothing of Switchyard's.
package handler
