// Package archive implements EventBridge archives and replays.
//
// Archives. An archive belongs to one event bus, has an optional event
// pattern and a retention, and keeps its events in a stream of its own,
// ARCHIVE_<id>, whose MaxAge is the retention (0 days keeps events
// forever). The records (archives and replays) live in the key-value
// bucket switchyard-archives, which every node mirrors in memory
// (store.Mirror) like the catalog, reading its own writes. The
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
// Creating an archive writes its record (CREATING), then its stream, then
// the record again (ENABLED); a node that stops half way leaves a record
// that the next node to start finishes (Reconcile). Deleting one writes a
// drop record naming the archive id, then deletes the archive record,
// then the stream. Every node sweeps the drop records older than a minute:
// it deletes the stream unless an archive record still owns it (the
// deletion lost a race or stopped before deleting the record), then the
// drop record. A node that stops between deleting an archive record and
// its stream so leaves no stream behind, nor does a creation or update
// that a deletion overtook (it drops the stream it set up when it finds
// the record gone, and the sweep deletes it again if needed). The sweep
// knows a stream only through its drop record: a stream orphaned by a
// version that wrote none stays until it is deleted by hand.
//
// Import stores the events of JSON lines (an export) in an archive's
// out-of-order subject, keeping their own times. An archive with an event
// pattern takes only the events that match it, as when events are
// archived; the others are counted as skipped.
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
//
// At most MaxActiveReplays (10, as AWS) replays of an account and region
// are STARTING or RUNNING; StartReplay fails the next one with AWS's
// LimitExceededException. The limit holds across nodes: StartReplay first
// rewrites the scope's admitted record with compare-and-set, adding the
// new replay, and only then creates the replay record. The count is the
// active replays the node sees plus those admitted whose records it does
// not see yet; a node that loses the compare-and-set catches up and
// counts again, so two nodes starting the last allowed replay at once
// cannot both succeed. A replay admitted but never created (its node
// stopped in between) stops counting after a minute. The limit errs only
// toward refusing: a replay that has just finished on another node may
// still count until this node sees it.
package archive
