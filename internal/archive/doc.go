// Package archive implements EventBridge archives and replays.
//
// Archives. An archive belongs to one event bus, has an optional event
// pattern and a retention, and keeps its events in a stream of its own,
// ARCHIVE_<id>, whose MaxAge is the retention (0 days keeps events
// forever). The records (archives and replays) live in the key-value
// bucket switchyard-archives, watched by every node like the catalog. The
// router hands each event to ArchiveEvent, which finds the archives of its
// bus that match it: all archive patterns of a bus are compiled into one
// pattern.Matcher, archives without a pattern take every event, and
// replayed events are never archived. A writer stores the copies of the
// events that arrive while its previous write is in flight as one message
// per archive subject (group commit, see writer.go), and the router
// acknowledges an event only once its copies are stored, so an archived
// event is never lost. An event the router handles a second time (after a
// crash or an expired acknowledgement wait) is stored alone on ".r", which
// replays and exports read last and de-duplicate by event id.
//
// Replays. EventBridge selects the events of a replay by the time in the
// event (the envelope's "time": PutEvents' Time, or when the event was
// received), not by when it was archived. An archive stream has two
// main subjects: ".e" for events whose time is within a minute of when they
// were archived (nearly all of them, in time order), read from the start
// of the window with an ordered consumer until past its end, and ".o" for
// the others (events put with an old or future Time, imported events),
// read whole. Each event in [EventStartTime, EventEndTime) is re-injected
// into the EVENTS stream with "replay-name" added to the envelope, a new
// event id derived from the replay name and the original id (so a resumed
// replay is de-duplicated rather than doubled), and the headers Sy-Replay
// and, when the replay names FilterArns, Sy-Replay-Rules, which the router
// uses to deliver only to those rules.
//
// One node runs a replay: it claims the replay record with compare-and-set
// and holds a lease that it renews with each progress write (the stream
// phase and sequence reached, EventLastReplayedTime). Another node, or the
// same one after a restart, resumes an unowned or expired replay from the
// recorded position: at-least-once, never from the start.
package archive
