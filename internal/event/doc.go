// Package event is Switchyard's model of an event: the envelope as
// EventBridge delivers it (Envelope, in EventBridge's field order), event
// ids, the EVENTS stream's layout (a subject per bus) and what travels
// beside an event in its headers (Meta: the bus it was put on, when it was
// ingested, how many buses it has crossed, the replay that re-sent it).
// PutEvents (package ingest), bus-to-bus targets, scheduled rules and
// replays all build events here; the router reads them here.
package event
