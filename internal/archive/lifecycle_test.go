package archive

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/store"
)

// node opens another Archives (with its own catalog) on the fixture's
// store, as a second node of a cluster sees the same bucket.
func (f *fixture) node(t testing.TB, o Options) *Archives {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cat, err := catalog.Open(ctx, f.st, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctx, f.st, cat, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *fixture) streamExists(t testing.TB, ar *Archive) bool {
	t.Helper()
	_, err := f.st.StreamState(context.Background(), ar.Stream())
	if errors.Is(err, store.ErrNotFound) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

func (a *Archives) hasDrop(ar *Archive) bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.drops[nameID{ar.Scope, ar.ID}] != nil
}

// A deletion leaves no stream behind, whether it completes, stops after
// deleting the archive record, stops before it, or overtakes the creation
// of the archive.
func TestDeleteArchiveLeavesNoStream(t *testing.T) {
	f := open(t, Options{})
	ctx := context.Background()
	later := func() time.Time { return time.Now().Add(dropGrace + time.Second) }

	// A complete deletion: the stream goes at once, the drop record at
	// the first sweep after the grace period.
	ar := f.create(t, "done", "", 0)
	if _, err := f.a.deleteArchive(ctx, f.req, &events.DeleteArchiveRequest{ArchiveName: awsapi.Ptr("done")}); err != nil {
		t.Fatal(err)
	}
	if f.streamExists(t, ar) {
		t.Error("stream left after DeleteArchive")
	}
	f.a.sweep(ctx, time.Now())
	if !f.a.hasDrop(ar) {
		t.Error("drop record removed before the grace period")
	}
	f.a.sweep(ctx, later())
	if f.a.hasDrop(ar) {
		t.Error("drop record left after the sweep")
	}

	// A node that stopped between deleting the record and the stream.
	ar = f.create(t, "crashed", "", 0)
	f.archiveEvent(t, "shop", testEvent("x", time.Now()), false, false)
	_, rev, _ := f.a.Archive(scope(), "crashed")
	if err := f.a.putDrop(ctx, ar); err != nil {
		t.Fatal(err)
	}
	if err := f.a.remove(ctx, archiveKey(scope(), "crashed"), rev); err != nil {
		t.Fatal(err)
	}
	f.a.sweep(ctx, time.Now())
	if !f.streamExists(t, ar) {
		t.Fatal("stream removed before the grace period")
	}
	f.a.sweep(ctx, later())
	if f.streamExists(t, ar) || f.a.hasDrop(ar) {
		t.Errorf("after the sweep: stream %v, drop record %v", f.streamExists(t, ar), f.a.hasDrop(ar))
	}

	// A node that stopped before deleting the record (or lost a race):
	// the archive still exists and keeps its stream.
	ar = f.create(t, "kept", "", 0)
	if err := f.a.putDrop(ctx, ar); err != nil {
		t.Fatal(err)
	}
	f.a.sweep(ctx, later())
	if !f.streamExists(t, ar) || f.a.hasDrop(ar) {
		t.Errorf("live archive: stream %v, drop record %v", f.streamExists(t, ar), f.a.hasDrop(ar))
	}
	if !f.archiveEvent(t, "shop", testEvent("x", time.Now()), false, false) {
		t.Error("live archive no longer archives")
	}

	// A deletion that overtakes a creation: the creation sets up the
	// stream after the deletion removed it, finds its record gone and
	// drops the stream again.
	racing := &Archive{Scope: scope(), Name: "racing", ID: newID(), Bus: "shop", State: StateCreating, Created: time.Now().UTC()}
	data, _ := json.Marshal(racing)
	rev, err := f.a.update(ctx, archiveKey(scope(), "racing"), data, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.deleteArchive(ctx, f.req, &events.DeleteArchiveRequest{ArchiveName: awsapi.Ptr("racing")}); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.a.finishArchive(ctx, racing, rev, StateCreateFailed)
	var ae *awsproto.Error
	if !errors.As(err, &ae) || ae.Code != "ConcurrentModificationException" {
		t.Errorf("finishing a deleted archive: %v", err)
	}
	if f.streamExists(t, racing) || !f.a.hasDrop(racing) {
		t.Errorf("overtaken creation: stream %v, drop record %v", f.streamExists(t, racing), f.a.hasDrop(racing))
	}
}

// A node that starts sweeps what a node that stopped mid-deletion left.
func TestStartSweepsDeletedArchiveStreams(t *testing.T) {
	f := open(t, Options{})
	ctx := context.Background()
	ar := f.create(t, "orphan", "", 0)
	_, rev, _ := f.a.Archive(scope(), "orphan")
	data, _ := json.Marshal(&drop{Archive: ar.Name, Since: time.Now().Add(-2 * dropGrace)})
	if _, err := f.a.kv.Put(ctx, dropKey(ar.Scope, ar.ID), data); err != nil {
		t.Fatal(err)
	}
	if err := f.a.remove(ctx, archiveKey(scope(), "orphan"), rev); err != nil {
		t.Fatal(err)
	}
	b := f.node(t, Options{})
	b.Start(ctx)
	defer b.Stop()
	deadline := time.Now().Add(10 * time.Second)
	for f.streamExists(t, ar) || b.hasDrop(ar) {
		if time.Now().After(deadline) {
			t.Fatalf("after start: stream %v, drop record %v", f.streamExists(t, ar), b.hasDrop(ar))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (a *Archives) startTestReplay(name string) error {
	now := time.Now()
	_, err := a.StartReplay(context.Background(), scope(), StartInput{
		Name: name, Archive: ArchiveArn(scope(), "all"), Destination: catalog.BusArn(scope(), "shop"),
		Start: now.Add(-time.Hour), End: now,
	})
	return err
}

func isTooMany(err error) bool {
	var ae *awsproto.Error
	return errors.As(err, &ae) && ae.Code == "LimitExceededException" &&
		ae.Message == "The requested resource exceeds the maximum number allowed."
}

// Two nodes starting replays at once admit no more than the limit between
// them. No runner is started, so every replay stays STARTING (active).
func TestReplayLimitAcrossNodes(t *testing.T) {
	const limit = 3
	f := open(t, Options{MaxActiveReplays: limit})
	f.create(t, "all", "", 0)
	b := f.node(t, Options{MaxActiveReplays: limit})
	if err := b.mirror.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	nodes := []*Archives{f.a, b}
	const tries = 12
	errs := make([]error, tries)
	var wg sync.WaitGroup
	for i := range tries {
		wg.Go(func() { errs[i] = nodes[i%2].startTestReplay(fmt.Sprintf("r%d", i)) })
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !isTooMany(err):
			t.Errorf("replay %d: %v", i, err)
		}
	}
	if ok != limit {
		t.Errorf("%d replays started, want %d", ok, limit)
	}
	active := 0
	for _, r := range f.a.Replays(scope()) {
		if r.Active() {
			active++
		}
	}
	if active != limit {
		t.Errorf("%d active replays recorded, want %d", active, limit)
	}

	// A finished replay frees its place.
	if _, err := f.a.CancelReplay(context.Background(), scope(), f.a.Replays(scope())[0].Name); err != nil {
		t.Fatal(err)
	}
	if err := b.mirror.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := b.startTestReplay("after-cancel"); err != nil {
		t.Errorf("after a cancel: %v", err)
	}
	if err := f.a.startTestReplay("one-too-many"); !isTooMany(err) {
		t.Errorf("over the limit: %v", err)
	}
}

// An admitted replay whose record is not visible counts toward the limit
// for a grace period (its node is creating it), then no longer (its node
// stopped before creating it).
func TestReplayAdmissionGrace(t *testing.T) {
	f := open(t, Options{MaxActiveReplays: 1})
	f.create(t, "all", "", 0)
	ctx := context.Background()
	put := func(at time.Time) {
		t.Helper()
		data, _ := json.Marshal(&admitted{Pending: map[string]time.Time{"elsewhere": at}})
		n, err := f.a.kv.Put(ctx, admittedKey(scope()), data)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.a.mirror.Wait(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	put(time.Now())
	if err := f.a.startTestReplay("r1"); !isTooMany(err) {
		t.Errorf("with a replay being created elsewhere: %v", err)
	}
	put(time.Now().Add(-2 * admitGrace))
	if err := f.a.startTestReplay("r1"); err != nil {
		t.Errorf("with an admission abandoned elsewhere: %v", err)
	}
}

func importLines(t testing.TB, evs ...[]byte) *bufio.Scanner {
	t.Helper()
	var b strings.Builder
	for _, ev := range evs {
		b.Write(MarshalLine(Record{Archived: time.Now(), Event: ev}))
	}
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	sc.Buffer(make([]byte, 64<<10), MaxLine)
	return sc
}

// Import keeps, as archiving does, only the events that match the
// archive's pattern.
func TestImportMatchesPattern(t *testing.T) {
	f := open(t, Options{})
	ctx := context.Background()
	orders := f.create(t, "orders", `{"source":["orders"]}`, 0)
	all := f.create(t, "all", "", 0)
	old := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	lines := [][]byte{testEvent("orders", old), testEvent("payments", old), testEvent("orders", old.Add(time.Second)), testEvent("other", old)}

	res, err := f.a.Import(ctx, scope(), "orders", importLines(t, lines...))
	if err != nil || res != (ImportResult{Imported: 2, Skipped: 2}) {
		t.Errorf("import into orders: %+v, %v", res, err)
	}
	_, got := f.stored(t, orders)
	if len(got) != 2 || eventID(got[0]) != eventID(lines[0]) || eventID(got[1]) != eventID(lines[2]) {
		t.Errorf("orders holds %d events: %q", len(got), got)
	}
	res, err = f.a.Import(ctx, scope(), "all", importLines(t, lines...))
	if err != nil || res != (ImportResult{Imported: 4}) {
		t.Errorf("import into all: %+v, %v", res, err)
	}
	if _, got := f.stored(t, all); len(got) != 4 {
		t.Errorf("all holds %d events", len(got))
	}

	// Over HTTP, the answer counts both.
	mux := http.NewServeMux()
	f.a.Routes(mux, func(*http.Request, string, string) catalog.Scope { return scope() })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	var body strings.Builder
	for _, ev := range lines {
		body.Write(MarshalLine(Record{Archived: time.Now(), Event: ev}))
	}
	resp, err := http.Post(srv.URL+"/_switchyard/archives/orders/import", "application/x-ndjson", strings.NewReader(body.String()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || resp.StatusCode != 200 {
		t.Fatalf("import over HTTP: %d %v", resp.StatusCode, err)
	}
	if answer["imported"] != 2.0 || answer["skipped"] != 2.0 {
		t.Errorf("import over HTTP: %v", answer)
	}
}

// An import body over the limit is refused with 413, after the events
// before the limit were imported (an import used to accept any size).
func TestImportBodyLimit(t *testing.T) {
	f := open(t, Options{MaxImportBytes: 4 << 10})
	f.create(t, "all", "", 0)
	mux := http.NewServeMux()
	f.a.Routes(mux, func(*http.Request, string, string) catalog.Scope { return scope() })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	var body strings.Builder
	for i := 0; body.Len() < 64<<10; i++ {
		body.Write(MarshalLine(Record{Archived: time.Now(), Event: testEvent("orders", time.Date(2024, 3, 1, 12, 0, i, 0, time.UTC))}))
	}
	resp, err := http.Post(srv.URL+"/_switchyard/archives/all/import", "application/x-ndjson", strings.NewReader(body.String()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer struct{ Error map[string]string }
	_ = json.NewDecoder(resp.Body).Decode(&answer)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(answer.Error["message"], "import the rest in another request") {
		t.Fatalf("import over the limit: %d %v", resp.StatusCode, answer)
	}
}

// When events of an import cannot be stored, the answer counts only those
// that were.
func TestImportCountsOnlyStored(t *testing.T) {
	f := open(t, Options{})
	ctx := context.Background()
	all := f.create(t, "all", "", 0)
	old := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	lines := [][]byte{testEvent("a", old), testEvent("b", old.Add(time.Second)), testEvent("c", old.Add(2*time.Second))}
	var n atomic.Int64
	f.a.st.SetFaults(func(op store.Op, subject string) error {
		if op == store.OpPublish && strings.Contains(subject, ".") && n.Add(1)%3 == 2 {
			return errors.New("injected: write failed")
		}
		return nil
	})
	res, err := f.a.Import(ctx, scope(), "all", importLines(t, lines...))
	f.a.st.SetFaults(nil)
	_, got := f.stored(t, all)
	if res.Imported != len(got) {
		t.Fatalf("import answered %d imported (%v), the archive holds %d", res.Imported, err, len(got))
	}
	if err == nil && len(got) != 3 {
		t.Fatalf("no error, but %d of 3 events stored", len(got))
	}
}
