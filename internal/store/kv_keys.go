package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// Several packages may keep their records in one bucket, each under its
// own kinds of key (the catalog's buses and rules, and the connections and
// API destinations of package connection, share switchyard-catalog): each
// mirrors only its own keys, so none sees, parses or waits for another's
// records.
//
// A key filter is a key whose tokens (separated by ".") may be "*", any
// one token, or, last, ">", one or more tokens: "bus.>" is every key of
// kind bus.

// WatchKeys is Watch for the keys that match one of filters (every key
// when there are none).
func (k *KV) WatchKeys(ctx context.Context, filters []string, fn func(Entry)) (ready <-chan struct{}, err error) {
	return k.watch(ctx, filters, fn)
}

// MirrorKeys is Mirror for the keys that match one of filters (every key
// when there are none). Its revisions are those of the bucket: Wait takes
// the revision of a write to a mirrored key, and CatchUp waits for the
// latest write to a mirrored key, not for writes to the others.
func (k *KV) MirrorKeys(ctx context.Context, filters []string, apply func(Entry)) (*Mirror, error) {
	return k.mirror(ctx, filters, apply)
}

// lastRevisionOf returns the latest revision of the keys that match one of
// filters (0 if there is none), or the bucket's latest revision when there
// are no filters. It asks the stream's leader, as LastRevision does, so a
// write acknowledged before the call is never missed (a direct get may be
// answered by a replica that has not stored it yet).
func (k *KV) lastRevisionOf(ctx context.Context, filters []string) (uint64, error) {
	if len(filters) == 0 {
		return k.LastRevision(ctx)
	}
	js, err := k.s.nc.JetStream()
	if err != nil {
		return 0, err
	}
	if _, ok := ctx.Deadline(); !ok {
		// As the jetstream client bounds its API requests.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, apiTimeout)
		defer cancel()
	}
	stream, prefix := "KV_"+k.kv.Bucket(), "$KV."+k.kv.Bucket()+"."
	var last uint64
	for _, f := range filters {
		m, err := js.GetLastMsg(stream, prefix+f, nats.Context(ctx))
		if errors.Is(err, nats.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("bucket %s: last revision of %s: %w", k.kv.Bucket(), f, err)
		}
		last = max(last, m.Sequence)
	}
	return last, nil
}

// apiTimeout bounds a JetStream API request made with a context that has
// no deadline of its own.
const apiTimeout = 5 * time.Second

// RecordKey returns the key of a record of an account and region,
// kind.account.region.name[.name...], with each name base64url-encoded
// (no padding), so that any name makes a valid key token and the parts
// stay separable. Filter a kind with kind+".>".
func RecordKey(kind, account, region string, names ...string) string {
	var b strings.Builder
	b.WriteString(kind + "." + account + "." + region)
	for _, n := range names {
		b.WriteByte('.')
		b.WriteString(base64.RawURLEncoding.EncodeToString([]byte(n)))
	}
	return b.String()
}

// SplitRecordKey splits a key made by RecordKey, decoding the names.
func SplitRecordKey(key string) (kind, account, region string, names []string, err error) {
	parts := strings.Split(key, ".")
	if len(parts) < 4 {
		return "", "", "", nil, fmt.Errorf("store: bad record key %q", key)
	}
	for _, p := range parts[3:] {
		n, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil {
			return "", "", "", nil, fmt.Errorf("store: bad record key %q: %w", key, err)
		}
		names = append(names, string(n))
	}
	return parts[0], parts[1], parts[2], names, nil
}
