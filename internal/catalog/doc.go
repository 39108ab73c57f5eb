// Package catalog holds Switchyard's control-plane state: event buses,
// rules and their targets, keyed by account and region. State lives in a
// JetStream key-value bucket; every node watches the bucket and keeps an
// in-memory copy, including one compiled pattern matcher per bus, so a rule
// written on one node is live on all of them. A write returns only after
// the local copy has applied it (read-your-writes).
//
// The API handlers for the control-plane operations (CreateEventBus,
// PutRule, PutTargets, ...) live here too, in the api_*.go files.
// Connections and API destinations are package connection's: they share
// the bucket, under keys of their own kinds, and each package mirrors only
// its own.
package catalog
