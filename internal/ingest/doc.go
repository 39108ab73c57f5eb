// Package ingest accepts PutEvents entries: it validates each entry as
// EventBridge does (per-entry error codes such as InvalidArgument and
// MalformedDetail), builds the event envelope (version, id, detail-type,
// source, account, time, region, resources, detail) and appends it to the
// bus's subject in the EVENTS stream, de-duplicated by event id. PutEvents
// answers only after every accepted entry is stored.
package ingest
