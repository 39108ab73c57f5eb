package ingest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/event"
	"github.com/switchyard/switchyard/internal/store"
	"github.com/switchyard/switchyard/internal/store/storetest"
)

var scope = catalog.Scope{Account: "111111111111", Region: "us-east-1"}

func newIngester(t *testing.T) (*Ingester, *store.Store) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, Setup)
	cat, err := catalog.Open(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cat.EnsureDefaultBus(ctx, scope); err != nil {
		t.Fatal(err)
	}
	return New(st, cat, nil), st
}

func entries(n int) []Entry {
	var out []Entry
	for range n {
		out = append(out, Entry{Source: "s", DetailType: "d", Detail: `{"n":1}`})
	}
	return out
}

func stored(t *testing.T, st *store.Store) uint64 {
	t.Helper()
	s, err := st.StreamState(context.Background(), event.Stream)
	if err != nil {
		t.Fatal(err)
	}
	return s.Msgs
}

// When one event of a request cannot be stored, only its entry fails:
// the others were stored and keep their EventIds (they used to be reported
// failed too, and clients put them twice).
func TestPutFailsOnlyUnstoredEntries(t *testing.T) {
	in, st := newIngester(t)
	var n atomic.Int64
	st.SetFaults(func(op store.Op, subject string) error {
		if op != store.OpPublish {
			return nil
		}
		// The third event's write fails every time it is tried: writes
		// 3, 6 (the retry of the one failure), 7.
		switch n.Add(1) {
		case 3, 6, 7:
			return errors.New("injected: write failed")
		}
		return nil
	})
	res, err := in.Put(context.Background(), scope, entries(5))
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for i, r := range res {
		switch {
		case i == 2 && r.ErrorCode != "InternalFailure":
			t.Errorf("entry 2: %+v, want InternalFailure", r)
		case i != 2 && (r.ErrorCode != "" || r.EventID == ""):
			t.Errorf("entry %d: %+v, want an EventId", i, r)
		}
		if r.ErrorCode != "" {
			failed++
		}
	}
	if got := stored(t, st); got != 4 || failed != 1 {
		t.Fatalf("%d events stored, %d entries failed; want 4 and 1", got, failed)
	}
}

// A write that fails once is tried again within the request.
func TestPutRetriesAFailedWrite(t *testing.T) {
	in, st := newIngester(t)
	var n atomic.Int64
	st.SetFaults(func(op store.Op, subject string) error {
		if op == store.OpPublish && n.Add(1) == 2 {
			return errors.New("injected: write failed")
		}
		return nil
	})
	res, err := in.Put(context.Background(), scope, entries(3))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.ErrorCode != "" {
			t.Errorf("entry %d failed: %+v", i, r)
		}
	}
	if got := stored(t, st); got != 3 {
		t.Fatalf("%d events stored, want 3", got)
	}
}

// A bus ARN of another region or account names another bus, not the
// local one of the same name: the entry fails.
func TestPutToAnotherRegionsBus(t *testing.T) {
	in, st := newIngester(t)
	es := entries(3)
	es[0].EventBusName = "arn:aws:events:eu-west-1:111111111111:event-bus/default"
	es[1].EventBusName = "arn:aws:events:us-east-1:222222222222:event-bus/default"
	es[2].EventBusName = "arn:aws:events:us-east-1:111111111111:event-bus/default"
	res, err := in.Put(context.Background(), scope, es)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].ErrorCode != "ValidationException" || res[0].ErrorMessage != "Cross-region api call is not allowed." {
		t.Errorf("other region: %+v", res[0])
	}
	if res[1].ErrorCode != "AccessDeniedException" {
		t.Errorf("other account: %+v", res[1])
	}
	if res[2].ErrorCode != "" || res[2].EventID == "" {
		t.Errorf("own bus by ARN: %+v", res[2])
	}
	if got := stored(t, st); got != 1 {
		t.Fatalf("%d events stored, want 1", got)
	}
}
