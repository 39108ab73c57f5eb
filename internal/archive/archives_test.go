package archive

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/ingest"
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
	in := &events.CreateArchiveRequest{ArchiveName: &name, EventSourceArn: ptr(catalog.BusArn(scope(), "shop")), RetentionDays: &days}
	if pattern != "" {
		in.EventPattern = &pattern
	}
	if _, err := f.a.createArchive(context.Background(), f.req, in); err != nil {
		t.Fatal(err)
	}
	ar, _, _ := f.a.Archive(scope(), name)
	return ar
}

func event(source string, at time.Time) []byte {
	env := ingest.Envelope{Version: "0", ID: ingest.NewEventID(), DetailType: "t", Source: source, Account: "123456789012",
		Time: ingest.FormatTime(at), Region: "us-east-1", Resources: []string{}, Detail: []byte(`{"n":1}`)}
	return env.Marshal()
}

func TestCopies(t *testing.T) {
	f := open(t, Options{})
	orders := f.create(t, "orders", `{"source":["orders"]}`, 0)
	all := f.create(t, "all", "", 0)
	s := scope()
	now := time.Now()
	subjects := func(msgs []*store.Msg) []string {
		var out []string
		for _, m := range msgs {
			out = append(out, m.Subject)
		}
		return out
	}
	got := subjects(f.a.Copies(s, "shop", event("orders", now), false))
	if fmt.Sprint(got) != fmt.Sprint([]string{subjectInOrder(all.ID), subjectInOrder(orders.ID)}) {
		t.Errorf("copies of an order: %v", got)
	}
	got = subjects(f.a.Copies(s, "shop", event("payments", now.Add(-time.Hour)), false))
	if fmt.Sprint(got) != fmt.Sprint([]string{subjectOutOfOrder(all.ID)}) {
		t.Errorf("copies of an old payment: %v", got)
	}
	if c := f.a.Copies(s, "shop", event("orders", now), true); c != nil {
		t.Errorf("a replayed event was archived: %v", subjects(c))
	}
	if c := f.a.Copies(s, "default", event("orders", now), false); c != nil {
		t.Errorf("another bus's event was archived: %v", subjects(c))
	}
	msgs := f.a.Copies(s, "shop", event("orders", now), false)
	if err := f.st.Publish(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	// The same event again (a re-routed event) is not stored twice.
	if err := f.st.Publish(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	if n, size := f.a.Counts(context.Background(), orders); n != 1 || size < 200 {
		t.Errorf("counts %d %d", n, size)
	}
}

func TestRestrictReplay(t *testing.T) {
	f := open(t, Options{})
	rules := []*catalog.Rule{{Name: "a"}, {Name: "b"}, {Name: "c"}}
	h := store.Header{ingest.HeaderReplay: {"r"}, HeaderReplayRules: {"c,a"}}
	got := f.a.RestrictReplay(h, append([]*catalog.Rule(nil), rules...))
	if len(got) != 2 || got[0].Name != "a" || got[1].Name != "c" {
		t.Errorf("restricted: %v", got)
	}
	if got := f.a.RestrictReplay(store.Header{ingest.HeaderReplay: {"r"}}, rules); len(got) != 3 {
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
		if err := f.st.Publish(ctx, f.a.Copies(scope(), "shop", event("x", time.Now()), false)...); err != nil {
			t.Fatal(err)
		}
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
	if _, err := f.a.updateArchive(ctx, f.req, &events.UpdateArchiveRequest{ArchiveName: ptr("short"), RetentionDays: &days}); err != nil {
		t.Fatal(err)
	}
	if ar, _, _ := f.a.Archive(scope(), "short"); ar.State != StateEnabled || *ar.RetentionDays != 30 {
		t.Errorf("after update: %+v", ar)
	}
}

// BenchmarkCopies is the archiving cost the router pays per event: a bus
// with no archive, with one archive without a pattern, and with 10
// archives with patterns of which one matches.
func BenchmarkCopies(b *testing.B) {
	f := open(b, Options{})
	s := scope()
	ev := event("orders", time.Now())
	b.Run("no-archive", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = f.a.Copies(s, "default", ev, false)
		}
	})
	f.create(b, "all", "", 0)
	b.Run("one-archive", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = f.a.Copies(s, "shop", ev, false)
		}
	})
	for i := 0; i < 9; i++ {
		f.create(b, fmt.Sprintf("p%d", i), fmt.Sprintf(`{"source":["other-%d"]}`, i), 0)
	}
	f.create(b, "orders", `{"source":["orders"],"detail":{"n":[{"numeric":[">",0]}]}}`, 0)
	b.Run("eleven-archives", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = f.a.Copies(s, "shop", ev, false)
		}
	})
}
