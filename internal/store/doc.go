// Package store is Switchyard's storage layer and the only package that
// talks to NATS. It runs an embedded NATS server with JetStream (file
// storage under the data directory; clients reach it on a random loopback
// port guarded by a random token, which measured three times faster than
// an in-process pipe) or connects to an
// external NATS cluster, and offers the rest of the code a few small pieces:
// streams to append to and consume from (with per-message delayed
// redelivery), and key-value buckets with compare-and-set and watches (of
// a whole bucket, or of the kinds of key one package keeps in it).
//
// Durability. With Durability "process" (the default) JetStream writes
// every message to its files before acknowledging it and flushes them to
// disk every two minutes: an acknowledged message survives a crash of the
// Switchyard process (kill -9), but not a power loss or kernel crash.
// With "strict" every write is flushed to disk before it is acknowledged:
// power-safe, and much slower (JetStream fsyncs each write).
package store
