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
//
// # Locks
//
// In the order they may be taken, one inside the other:
//
//  1. Catalog.mu guards the buses, the orphans (rules whose bus is not
//     known yet) and each bus's rules, record and revision.
//  2. The lock of a bus's pattern.Matcher: apply adds and removes rules
//     with Catalog.mu held (for writing); MatchAppend and Explain take the
//     bus under Catalog.mu, release it, and then match under the
//     matcher's lock alone.
//
// Not nested with any other:
//
//   - Catalog.listenMu guards the listener list; it is held only to add a
//     listener or to copy the list, never with Catalog.mu.
//   - A target's compiled transformation (Target.Transformer, a
//     sync.Once) compiles in the caller's goroutine, with no catalog lock
//     held.
//   - The store.Mirror's lock: the mirror calls apply without it, and the
//     catalog waits on the mirror (Write, Wait, CatchUp) with no lock of
//     its own held.
//
// Callbacks, and what is held when they run:
//
//   - apply runs on the mirror's goroutine, one entry at a time. It
//     updates the state under Catalog.mu, releases it, and only then
//     calls the listeners (Listen), in that goroutine with no lock held.
//     A listener may read the catalog; it must not wait for a catalog
//     write to be applied (the write's wait would be waiting for the very
//     goroutine that runs the listener) and should return quickly, as the
//     next entries wait for it. The scheduler's listener is one.
//   - The functions given to UpdateBus, UpdateRule and DeleteRule (check)
//     run with no lock held and may run again after a lost compare-and-set
//     race. UpdateBus and UpdateRule pass a copy (with its own Tags,
//     Policy statements and Targets slices); DeleteRule's check gets the
//     catalog's own rule, which it must not modify.
//   - AllRules calls fn after releasing Catalog.mu.
package catalog
