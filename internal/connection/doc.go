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
// A Catalog has two locks, never held together:
//
//   - Catalog.mu guards the records (conns, dests), the secret box and the
//     authorizer. Nothing else is locked while it is held, and no callback
//     runs under it.
//   - Catalog.listenMu guards the listener list; it is held only to add a
//     listener or to copy the list.
//
// Callbacks:
//
//   - apply (the store's mirror goroutine, one at a time) updates the
//     records under mu, releases it, and then calls the listeners with no
//     lock held, in that goroutine: a listener may read the Catalog but
//     must not wait for a write to be applied (the write's Wait would wait
//     for this very goroutine).
//   - The write functions given to UpdateConnection and
//     UpdateAPIDestination run with no lock held, on a copy of the record;
//     they may be called again after losing a compare-and-set race.
//   - The authorizer runs in a goroutine of its own, with no lock held.
//
// The SecretBox has no lock; it is immutable once made.
package connection
