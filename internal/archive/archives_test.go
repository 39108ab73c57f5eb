package archive

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/event"
	"github.com/switchyard/switchyard/internal/store"
)

func scope() catalog.Scope { return catalog.Scope{Account: "123456789012", Region: "us-east-1"} }

type fixture struct {
	st  *store.Store
	cat *catalog.Catalog
	a   *Archives
	req *awsproto.Request
}

func open(t testing.TB, o Options) *fixture {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, store.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); st.Close() })
	cat, err := catalog.Open(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctx, st, cat, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	s := scope()
	if err := cat.CreateBus(ctx, &catalog.Bus{Scope: s, Name: "shop"}); err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, cat: cat, a: a, req: &awsproto.Request{Caller: awsproto.Caller{Account: s.Account, Region: s.Region}}}
}

func (f *fixture) create(t testing.TB, name, pattern string, days int32) *Archive {
	t.Helper()
	in := &events.CreateArchiveRequest{ArchiveName: &name, EventSourceArn: awsapi.Ptr(catalog.BusArn(scope(), "shop")), RetentionDays: &days}
	if pattern != "" {
		in.EventPattern = &pattern
	}
	if _, err := f.a.createArchive(context.Background(), f.req, in); err != nil {
		t.Fatal(err)
	}
	ar, _, _ := f.a.Archive(scope(), name)
	return ar
}

func testEvent(source string, at time.Time) []byte {
	env := event.Envelope{Version: "0", ID: event.NewID(), DetailType: "t", Source: source, Account: "123456789012",
		Time: event.FormatTime(at), Region: "us-east-1", Resources: []string{}, Detail: []byte(`{"n":1}`)}
	return env.Marshal()
}

// archiveEvent archives an event as the router does and waits until it
// is stored; it reports whether an archive took it.
func (f *fixture) archiveEvent(t testing.TB, bus string, ev []byte, replayed, redelivered bool) bool {
	t.Helper()
	done := make(chan error, 1)
	if !f.a.ArchiveEvent(scope(), bus, ev, replayed, func() bool { return redelivered }, func(err error) { done <- err }) {
		return false
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return true
}

// stored returns the subjects of an archive's messages and its events.
func (f *fixture) stored(t testing.TB, ar *Archive) (subjects []string, events [][]byte) {
	t.Helper()
	err := f.st.Read(context.Background(), ar.Stream(), store.ReadOptions{}, func(m *store.Msg) bool {
		subjects = append(subjects, m.Subject)
		eachEvent(m, func(ev []byte) bool {
			events = append(events, ev)
			return true
		})
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return subjects, events
}

func TestArchiveEvent(t *testing.T) {
	f := open(t, Options{})
	orders := f.create(t, "orders", `{"source":["orders"]}`, 0)
	all := f.create(t, "all", "", 0)
	now := time.Now()
	if !f.archiveEvent(t, "shop", testEvent("orders", now), false, false) {
		t.Fatal("an order was not archived")
	}
	if !f.archiveEvent(t, "shop", testEvent("payments", now.Add(-time.Hour)), false, false) {
		t.Fatal("an old payment was not archived")
	}
	if f.archiveEvent(t, "shop", testEvent("orders", now), true, false) {
		t.Error("a replayed event was archived")
	}
	if f.archiveEvent(t, "default", testEvent("orders", now), false, false) {
		t.Error("another bus's event was archived")
	}
	if got, _ := f.stored(t, orders); fmt.Sprint(got) != fmt.Sprint([]string{subjectInOrder(orders.ID) + ".1"}) {
		t.Errorf("orders: %v", got)
	}
	if got, _ := f.stored(t, all); fmt.Sprint(got) != fmt.Sprint([]string{subjectInOrder(all.ID) + ".1", subjectOutOfOrder(all.ID) + ".1"}) {
		t.Errorf("all: %v", got)
	}
	// An event the router handles again goes, alone, to .r; exports and
	// replays take it once.
	ev := testEvent("orders", now)
	f.archiveEvent(t, "shop", ev, false, false)
	f.archiveEvent(t, "shop", ev, false, true)
	f.archiveEvent(t, "shop", ev, false, true)
	if got, _ := f.stored(t, orders); len(got) != 4 || got[2] != subjectRedelivered(orders.ID) || got[3] != got[2] {
		t.Errorf("orders after redeliveries: %v", got)
	}
	if n, size := f.a.Counts(context.Background(), orders); n != 4 || size < 4*200 {
		t.Errorf("counts %d %d", n, size)
	}
	var lines int
	if _, err := f.a.Export(context.Background(), scope(), "orders", time.Time{}, time.Time{}, func([]byte) error { lines++; return nil }); err != nil || lines != 2 {
		t.Errorf("export: %d lines, %v", lines, err)
	}
}

// Events archived while a write is in flight are stored together, one
// message per archive subject, in the order they came.
func TestArchiveBatches(t *testing.T) {
	f := open(t, Options{})
	all := f.create(t, "all", "", 0)
	const n = 600
	var sent [][]byte
	dones := make(chan error, n)
	for i := 0; i < n; i++ {
		ev := testEvent("x", time.Now())
		if i == 7 {
			// An event with a newline (not one ingest writes) is stored alone.
			ev = []byte(strings.Replace(string(ev), `"detail":{`, "\"detail\":{\n", 1))
		}
		sent = append(sent, ev)
		if !f.a.ArchiveEvent(scope(), "shop", ev, false, nil, func(err error) { dones <- err }) {
			t.Fatal("not archived")
		}
	}
	for i := 0; i < n; i++ {
		if err := <-dones; err != nil {
			t.Fatal(err)
		}
	}
	subjects, events := f.stored(t, all)
	if len(subjects) >= n/2 {
		t.Errorf("%d events stored in %d messages", n, len(subjects))
	}
	if len(events) != n {
		t.Fatalf("%d events stored, want %d", len(events), n)
	}
	got := map[string]bool{}
	for _, ev := range events {
		got[string(ev)] = true
	}
	for _, ev := range sent {
		if !got[string(ev)] {
			t.Fatalf("missing %s", ev)
		}
	}
	for _, s := range subjects {
		if c := batchCount(s); c > maxBatchEvents {
			t.Errorf("batch of %d", c)
		}
	}
	if c, _ := f.a.Counts(context.Background(), all); c != n {
		t.Errorf("EventCount %d", c)
	}
}

func TestBatchMessages(t *testing.T) {
	var jobs []copyJob
	for i := 0; i < maxBatchEvents+3; i++ {
		jobs = append(jobs, copyJob{subjects: []string{"archive.a.e", "archive.b.e"}, event: []byte(fmt.Sprintf(`{"n":%d}`, i))})
	}
	jobs = append(jobs, copyJob{subjects: []string{"archive.a.r"}, event: []byte(`{"n":"r"}`), alone: true})
	var got []string
	for _, m := range batchMessages(jobs) {
		got = append(got, fmt.Sprintf("%s:%d", m.Subject, strings.Count(string(m.Data), "\n")+1))
	}
	want := fmt.Sprintf("[archive.a.e.%[1]d:%[1]d archive.b.e.%[1]d:%[1]d archive.a.r:1 archive.a.e.3:3 archive.b.e.3:3]", maxBatchEvents)
	if fmt.Sprint(got) != want {
		t.Errorf("batches %v, want %s", got, want)
	}
	var evs []string
	eachEvent(&store.Msg{Subject: "archive.a.e.3", Data: []byte("{1}\n{2}\n{3}")}, func(ev []byte) bool { evs = append(evs, string(ev)); return true })
	eachEvent(&store.Msg{Subject: "archive.a.o", Data: []byte("{4}")}, func(ev []byte) bool { evs = append(evs, string(ev)); return true })
	if fmt.Sprint(evs) != "[{1} {2} {3} {4}]" {
		t.Errorf("events %v", evs)
	}
}

func TestRestrictReplay(t *testing.T) {
	f := open(t, Options{})
	rules := []*catalog.Rule{{Name: "a"}, {Name: "b"}, {Name: "c"}}
	h := store.Header{event.HeaderReplay: {"r"}, HeaderReplayRules: {"c,a"}}
	got := f.a.RestrictReplay(h, append([]*catalog.Rule(nil), rules...))
	if len(got) != 2 || got[0].Name != "a" || got[1].Name != "c" {
		t.Errorf("restricted: %v", got)
	}
	if got := f.a.RestrictReplay(store.Header{event.HeaderReplay: {"r"}}, rules); len(got) != 3 {
		t.Errorf("a replay without FilterArns: %v", got)
	}
	if got := f.a.RestrictReplay(store.Header{HeaderReplayRules: {"a"}}, rules); len(got) != 3 {
		t.Errorf("a live event: %v", got)
	}
}

// Retention is the stream's MaxAge: with a one-second "day", events of an
// archive with RetentionDays 1 are gone after a second, and an archive
// with RetentionDays 0 keeps them.
func TestRetention(t *testing.T) {
	f := open(t, Options{Day: time.Second})
	short := f.create(t, "short", "", 1)
	forever := f.create(t, "forever", "", 0)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		f.archiveEvent(t, "shop", testEvent("x", time.Now()), false, false)
	}
	if n, _ := f.a.Counts(ctx, short); n != 5 {
		t.Fatalf("short holds %d", n)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, size := f.a.Counts(ctx, short)
		if n == 0 && size == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("retention: %d events left", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n, _ := f.a.Counts(ctx, forever); n != 5 {
		t.Errorf("forever holds %d", n)
	}
	// Lengthening the retention keeps what is there.
	days := int32(30)
	if _, err := f.a.updateArchive(ctx, f.req, &events.UpdateArchiveRequest{ArchiveName: awsapi.Ptr("short"), RetentionDays: &days}); err != nil {
		t.Fatal(err)
	}
	if ar, _, _ := f.a.Archive(scope(), "short"); ar.State != StateEnabled || *ar.RetentionDays != 30 {
		t.Errorf("after update: %+v", ar)
	}
}

// BenchmarkArchiveEvent is the archiving cost the router pays per event
// before it moves on (the copies are then written in batches): a bus with
// no archive, with one archive without a pattern, and with 10 archives
// with patterns of which one matches.
func BenchmarkArchiveEvent(b *testing.B) {
	f := open(b, Options{})
	s := scope()
	ev := testEvent("orders", time.Now())
	var pending sync.WaitGroup
	done := func(error) { pending.Done() }
	run := func(b *testing.B, bus string) {
		b.ReportAllocs()
		for b.Loop() {
			pending.Add(1)
			if !f.a.ArchiveEvent(s, bus, ev, false, nil, done) {
				pending.Done()
			}
		}
		pending.Wait()
	}
	b.Run("no-archive", func(b *testing.B) { run(b, "default") })
	f.create(b, "all", "", 0)
	b.Run("one-archive", func(b *testing.B) { run(b, "shop") })
	for i := 0; i < 9; i++ {
		f.create(b, fmt.Sprintf("p%d", i), fmt.Sprintf(`{"source":["other-%d"]}`, i), 0)
	}
	f.create(b, "orders", `{"source":["orders"],"detail":{"n":[{"numeric":[">",0]}]}}`, 0)
	b.Run("eleven-archives", func(b *testing.B) { run(b, "shop") })
}
