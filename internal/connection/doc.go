// Package connection holds EventBridge connections and API destinations:
// their records, the API operations on them (CreateConnection ...
// ListApiDestinations), and the sealing of connection secrets (passwords,
// API key values, OAuth client secrets, secret parameters) with AES-256-GCM
// before they are stored (secrets.go).
//
// Records live in the catalog's key-value bucket (Bucket), under keys of
// their own kinds (connection.<account>.<region>.<name>,
// apidest.<account>.<region>.<name>); every node mirrors those keys into a
// Catalog, so a connection written on one node is usable on all of them. A
// write returns only after the local copy has applied it
// (read-your-writes). Package target reads the records to invoke API
// destinations, decrypts the secrets with the SecretBox installed here,
// authorizes OAuth connections (SetConnectionAuthorizer) and forgets what
// it keeps for a deleted resource (Listen).
//
// # Locks
//
// No two of these are ever held together:
//
//   - Catalog.mu guards the records (connections, API destinations), the
//     secret box and the authorizer. No callback runs under it.
//   - Catalog.listenMu guards the listener list; it is held only to add a
//     listener or to copy the list.
//   - The store.Mirror's lock: the mirror calls apply without it, and the
//     catalog waits on the mirror (Write, Wait, CatchUp) with no lock of
//     its own held.
//
// Callbacks, and what is held when they run:
//
//   - apply runs on the mirror's goroutine, one entry at a time. It
//     updates the records under Catalog.mu, releases it, and only then
//     calls the listeners (Listen), in that goroutine with no lock held.
//     A listener may read the Catalog; it must not wait for a write to be
//     applied (the write's wait would be waiting for the very goroutine
//     that runs the listener). target.APIDestinations.forget is one: it
//     takes its own locks, which are never held while calling in here.
//   - The functions given to UpdateConnection and UpdateAPIDestination
//     run with no lock held, on a copy of the record, and may run again
//     after a lost compare-and-set race.
//   - The authorizer (SetConnectionAuthorizer) runs in a goroutine of its
//     own, with no lock held; it may write (UpdateConnection).
//
// A SecretBox has no lock: it does not change once made.
package connection
