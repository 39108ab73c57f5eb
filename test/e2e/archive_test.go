package e2e

// Archives and replays, driven through the AWS SDK (and Switchyard's own
// /_switchyard/replays endpoint for paced replays).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

func (e *env) archiveArn(name string) string { return e.arnPrefix() + "archive/" + name }

// mustArchive creates an archive on a bus.
func (e *env) mustArchive(name, bus, pattern string, days int32) string {
	e.t.Helper()
	in := &eventbridge.CreateArchiveInput{ArchiveName: aws.String(name), EventSourceArn: aws.String(e.busArn(bus)), RetentionDays: aws.Int32(days)}
	if pattern != "" {
		in.EventPattern = aws.String(pattern)
	}
	out := must(e.eb.CreateArchive(ctx(e.t), in)).of(e.t)
	if out.State != ebtypes.ArchiveStateEnabled {
		e.t.Fatalf("CreateArchive state %s", out.State)
	}
	return aws.ToString(out.ArchiveArn)
}

// waitCount waits until an archive holds n events.
func (e *env) waitCount(name string, n int64) *eventbridge.DescribeArchiveOutput {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		d := must(e.eb.DescribeArchive(ctx(e.t), &eventbridge.DescribeArchiveInput{ArchiveName: aws.String(name)})).of(e.t)
		if d.EventCount == n {
			return d
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("archive %s holds %d events, want %d", name, d.EventCount, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitReplay waits until a replay is in one of the states.
func (e *env) waitReplay(name string, within time.Duration, states ...ebtypes.ReplayState) *eventbridge.DescribeReplayOutput {
	e.t.Helper()
	deadline := time.Now().Add(within)
	for {
		d := must(e.eb.DescribeReplay(ctx(e.t), &eventbridge.DescribeReplayInput{ReplayName: aws.String(name)})).of(e.t)
		for _, s := range states {
			if d.State == s {
				return d
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("replay %s is %s (%s), want %v", name, d.State, aws.ToString(d.StateReason), states)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// put sends events on a bus (detail {"n":i}), optionally with a time.
func (e *env) put(bus, source string, from, to int, at *time.Time) {
	e.t.Helper()
	for i := from; i < to; i += 10 {
		var entries []ebtypes.PutEventsRequestEntry
		for j := i; j < min(i+10, to); j++ {
			entries = append(entries, ebtypes.PutEventsRequestEntry{
				EventBusName: aws.String(bus), Source: aws.String(source), DetailType: aws.String("t"),
				Detail: aws.String(fmt.Sprintf(`{"n":%d}`, j)), Time: at,
			})
		}
		out := must(e.eb.PutEvents(ctx(e.t), &eventbridge.PutEventsInput{Entries: entries})).of(e.t)
		if out.FailedEntryCount != 0 {
			e.t.Fatalf("PutEvents: %+v", out.Entries)
		}
	}
}

type replayedEvent struct {
	ID         string `json:"id"`
	Time       string `json:"time"`
	ReplayName string `json:"replay-name"`
	Detail     struct {
		N int `json:"n"`
	} `json:"detail"`
}

func decodeEvents(t *testing.T, bodies []string) []replayedEvent {
	t.Helper()
	out := make([]replayedEvent, len(bodies))
	for i, b := range bodies {
		if err := json.Unmarshal([]byte(b), &out[i]); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Detail.N < out[j].Detail.N })
	return out
}

func ns(evs []replayedEvent) []int {
	var out []int
	for _, e := range evs {
		out = append(out, e.Detail.N)
	}
	return out
}

// switchyardReplay starts a replay through POST /_switchyard/replays.
func (e *env) switchyardReplay(body map[string]any) {
	e.t.Helper()
	body["account"], body["region"] = accountOf(e), e.cfg.Region
	data, _ := json.Marshal(body)
	resp, err := http.Post(e.srv.URL()+"/_switchyard/replays", "application/json", bytes.NewReader(data))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		e.t.Fatalf("POST /_switchyard/replays: %d %s", resp.StatusCode, b.String())
	}
}

// replayRecord reads GET /_switchyard/replays/{name}.
func (e *env) replayRecord(name string) map[string]any {
	e.t.Helper()
	resp, err := http.Get(e.srv.URL() + "/_switchyard/replays/" + name + "?account=" + accountOf(e) + "&region=" + e.cfg.Region)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var rec map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&rec); err != nil {
		e.t.Fatal(err)
	}
	return rec
}

func TestArchiveLifecycle(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	e.mustBus("shop")
	pat := `{"source":["shop.orders"]}`
	arn := e.mustArchive("orders", "shop", pat, 1)
	if arn != e.archiveArn("orders") {
		t.Errorf("ARN %s", arn)
	}
	d := must(e.eb.DescribeArchive(c, &eventbridge.DescribeArchiveInput{ArchiveName: aws.String("orders")})).of(t)
	if aws.ToString(d.ArchiveArn) != arn || aws.ToString(d.EventSourceArn) != e.busArn("shop") || aws.ToString(d.EventPattern) != pat ||
		aws.ToInt32(d.RetentionDays) != 1 || d.State != ebtypes.ArchiveStateEnabled || d.EventCount != 0 ||
		d.SizeBytes != 0 || d.CreationTime == nil || time.Since(*d.CreationTime) > time.Minute {
		t.Errorf("DescribeArchive: %+v", d)
	}
	e.mustArchive("everything", "default", "", 0)
	l := must(e.eb.ListArchives(c, &eventbridge.ListArchivesInput{NamePrefix: aws.String("ord")})).of(t)
	if len(l.Archives) != 1 || aws.ToString(l.Archives[0].ArchiveName) != "orders" || aws.ToString(l.Archives[0].EventSourceArn) != e.busArn("shop") {
		t.Errorf("ListArchives by prefix: %+v", l.Archives)
	}
	l = must(e.eb.ListArchives(c, &eventbridge.ListArchivesInput{EventSourceArn: aws.String(e.busArn("default"))})).of(t)
	if len(l.Archives) != 1 || aws.ToString(l.Archives[0].ArchiveName) != "everything" {
		t.Errorf("ListArchives by source: %+v", l.Archives)
	}
	l = must(e.eb.ListArchives(c, &eventbridge.ListArchivesInput{Limit: aws.Int32(1)})).of(t)
	l2 := must(e.eb.ListArchives(c, &eventbridge.ListArchivesInput{Limit: aws.Int32(1), NextToken: l.NextToken})).of(t)
	if len(l.Archives) != 1 || len(l2.Archives) != 1 || aws.ToString(l2.Archives[0].ArchiveName) != "orders" || l2.NextToken != nil {
		t.Errorf("ListArchives pages: %+v %+v", l.Archives, l2.Archives)
	}
	u := must(e.eb.UpdateArchive(c, &eventbridge.UpdateArchiveInput{ArchiveName: aws.String("orders"), Description: aws.String("all orders"), RetentionDays: aws.Int32(7)})).of(t)
	if u.State != ebtypes.ArchiveStateEnabled || aws.ToString(u.ArchiveArn) != arn {
		t.Errorf("UpdateArchive: %+v", u)
	}
	d = must(e.eb.DescribeArchive(c, &eventbridge.DescribeArchiveInput{ArchiveName: aws.String("orders")})).of(t)
	if aws.ToInt32(d.RetentionDays) != 7 || aws.ToString(d.Description) != "all orders" || aws.ToString(d.EventPattern) != pat {
		t.Errorf("after UpdateArchive: %+v", d)
	}
	must(e.eb.DeleteArchive(c, &eventbridge.DeleteArchiveInput{ArchiveName: aws.String("orders")})).of(t)
	_, err := e.eb.DescribeArchive(c, &eventbridge.DescribeArchiveInput{ArchiveName: aws.String("orders")})
	wantErr(t, err, "ResourceNotFoundException", "Archive orders does not exist.")
	// A new archive of the same name starts empty.
	e.mustArchive("orders", "shop", "", 0)
}

func TestArchiveErrors(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	e.mustBus("shop")
	e.mustBus("other")
	archiveArn := e.mustArchive("a1", "shop", "", 1)

	_, err := e.eb.CreateArchive(c, &eventbridge.CreateArchiveInput{ArchiveName: aws.String("a2"), EventSourceArn: aws.String(e.busArn("nope"))})
	wantErr(t, err, "ResourceNotFoundException", "Event bus nope does not exist.")
	_, err = e.eb.CreateArchive(c, &eventbridge.CreateArchiveInput{ArchiveName: aws.String("a1"), EventSourceArn: aws.String(e.busArn("shop"))})
	wantErr(t, err, "ResourceAlreadyExistsException", "Archive a1 already exists.")
	_, err = e.eb.CreateArchive(c, &eventbridge.CreateArchiveInput{ArchiveName: aws.String("a3"), EventSourceArn: aws.String(e.busArn("shop")), EventPattern: aws.String(`{"source":"x"}`)})
	wantCode(t, err, "InvalidEventPatternException")
	_, err = e.eb.DescribeArchive(c, &eventbridge.DescribeArchiveInput{ArchiveName: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", "Archive nope does not exist.")
	_, err = e.eb.DeleteArchive(c, &eventbridge.DeleteArchiveInput{ArchiveName: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", "Archive nope does not exist.")
	_, err = e.eb.UpdateArchive(c, &eventbridge.UpdateArchiveInput{ArchiveName: aws.String("nope")})
	wantErr(t, err, "ValidationException", "At least one of EventPattern, RetentionDays or Description must be provided.")
	_, err = e.eb.UpdateArchive(c, &eventbridge.UpdateArchiveInput{ArchiveName: aws.String("nope"), Description: aws.String("d")})
	wantErr(t, err, "ResourceNotFoundException", "Archive nope does not exist.")
	_, err = e.eb.UpdateArchive(c, &eventbridge.UpdateArchiveInput{ArchiveName: aws.String("a1"), EventPattern: aws.String(`[]`)})
	wantCode(t, err, "InvalidEventPatternException")
	_, err = e.eb.ListArchives(c, &eventbridge.ListArchivesInput{EventSourceArn: aws.String(e.busArn("nope"))})
	wantErr(t, err, "ResourceNotFoundException", "Event bus nope does not exist.")

	now := time.Now()
	replay := func(name, source, dest string, start, end time.Time) error {
		_, err := e.eb.StartReplay(c, &eventbridge.StartReplayInput{
			ReplayName: aws.String(name), EventSourceArn: aws.String(source),
			EventStartTime: aws.Time(start), EventEndTime: aws.Time(end),
			Destination: &ebtypes.ReplayDestination{Arn: aws.String(dest)},
		}, noRetry)
		return err
	}
	wantErr(t, replay("r", archiveArn, e.busArn("shop"), now, now), "ValidationException",
		"Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.")
	wantErr(t, replay("r", archiveArn, e.busArn("other"), now, now.Add(-10*time.Second)), "ValidationException",
		"Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.")
	wantErr(t, replay("r", e.archiveArn("nope"), e.busArn("shop"), now.Add(-time.Minute), now), "ValidationException",
		"Parameter EventSourceArn is not valid. Reason: Archive nope does not exist.")
	wantErr(t, replay("r", archiveArn, e.busArn("nope"), now.Add(-time.Minute), now), "ResourceNotFoundException",
		"Event bus nope does not exist.")
	wantErr(t, replay("r", archiveArn, e.busArn("other"), now.Add(-time.Minute), now), "ValidationException",
		"Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.")
	// The seed tutorial's helper passes a rule ARN as the destination.
	wantErr(t, replay("r", archiveArn, e.ruleArn("shop", "some-rule"), now.Add(-time.Minute), now), "ValidationException",
		"Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.")
	if err := replay("r", archiveArn, e.busArn("shop"), now.Add(-time.Minute), now); err != nil {
		t.Fatal(err)
	}
	wantErr(t, replay("r", archiveArn, e.busArn("shop"), now.Add(-time.Minute), now), "ResourceAlreadyExistsException", "Replay r already exists.")
	_, err = e.eb.DescribeReplay(c, &eventbridge.DescribeReplayInput{ReplayName: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", "Replay nope does not exist.")
	_, err = e.eb.CancelReplay(c, &eventbridge.CancelReplayInput{ReplayName: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", "Replay nope does not exist.")
	// An empty window completes at once; a finished replay cannot be
	// cancelled.
	d := e.waitReplay("r", 10*time.Second, ebtypes.ReplayStateCompleted)
	if d.EventLastReplayedTime != nil || d.ReplayEndTime == nil {
		t.Errorf("empty replay: %+v", d)
	}
	_, err = e.eb.CancelReplay(c, &eventbridge.CancelReplayInput{ReplayName: aws.String("r")})
	wantCode(t, err, "IllegalStatusException")
}

func TestArchiveFilteringAndCounts(t *testing.T) {
	t.Parallel()
	e := start(t)
	e.mustBus("shop")
	e.mustArchive("orders", "shop", `{"source":["shop.orders"]}`, 0)
	e.mustArchive("all", "shop", "", 0)
	e.mustArchive("other-bus", "default", "", 0)
	e.put("shop", "shop.orders", 0, 25, nil)
	e.put("shop", "shop.payments", 100, 110, nil)
	orders := e.waitCount("orders", 25)
	all := e.waitCount("all", 35)
	e.waitCount("other-bus", 0)
	// SizeBytes is the storage the archive's events take: more than the
	// events themselves, about the same per event.
	per := orders.SizeBytes / 25
	if per < 150 || per > 600 || all.SizeBytes <= orders.SizeBytes {
		t.Errorf("SizeBytes: orders %d, all %d", orders.SizeBytes, all.SizeBytes)
	}
	l := must(e.eb.ListArchives(ctx(t), &eventbridge.ListArchivesInput{NamePrefix: aws.String("orders")})).of(t)
	if l.Archives[0].EventCount != 25 || l.Archives[0].SizeBytes != orders.SizeBytes {
		t.Errorf("ListArchives counts: %+v", l.Archives[0])
	}
	// The pattern changes what is archived from now on.
	must(e.eb.UpdateArchive(ctx(t), &eventbridge.UpdateArchiveInput{ArchiveName: aws.String("orders"), EventPattern: aws.String(`{"source":["shop.payments"]}`)})).of(t)
	e.put("shop", "shop.payments", 200, 203, nil)
	e.put("shop", "shop.orders", 300, 303, nil)
	e.waitCount("orders", 28)
	e.waitCount("all", 41)
}

// replaySetup makes a bus with two rules (each with a queue) and an
// archive of everything on the bus.
func replaySetup(t *testing.T, e *env) (q1, q2 string) {
	e.mustBus("shop")
	q1, _ = e.queue("included")
	q2, _ = e.queue("left-out")
	pat := `{"source":["shop.orders"]}`
	e.mustRule("shop", "r1", pat)
	e.mustRule("shop", "r2", pat)
	e.mustTargets("shop", "r1", sqsTarget("q", "included"))
	e.mustTargets("shop", "r2", sqsTarget("q", "left-out"))
	e.mustArchive("arch", "shop", "", 0)
	return q1, q2
}

func TestReplayWindowAndFilterArns(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	q1, q2 := replaySetup(t, e)
	now := time.Now().UTC().Truncate(time.Second)
	// In the window [now-10m, now+10m): events put now (archived in time
	// order) and events put with a Time five minutes ago (out of order);
	// outside it: Times 30 minutes before and after.
	e.put("shop", "shop.orders", 0, 20, nil)
	e.put("shop", "shop.orders", 100, 105, aws.Time(now.Add(-5*time.Minute)))
	e.put("shop", "shop.orders", 200, 203, aws.Time(now.Add(-30*time.Minute)))
	e.put("shop", "shop.orders", 300, 303, aws.Time(now.Add(30*time.Minute)))
	e.waitCount("arch", 31)
	originals := decodeEvents(t, e.receive(q1, 31, 20*time.Second))
	if len(originals) != 31 || len(e.receive(q2, 31, 20*time.Second)) != 31 {
		t.Fatalf("live deliveries: %d", len(originals))
	}
	origID := map[int]string{}
	for _, o := range originals {
		origID[o.Detail.N] = o.ID
	}

	start, end := now.Add(-10*time.Minute), now.Add(10*time.Minute)
	out := must(e.eb.StartReplay(c, &eventbridge.StartReplayInput{
		ReplayName: aws.String("fix-1"), Description: aws.String("replay the window"),
		EventSourceArn: aws.String(e.archiveArn("arch")), EventStartTime: aws.Time(start), EventEndTime: aws.Time(end),
		Destination: &ebtypes.ReplayDestination{Arn: aws.String(e.busArn("shop")), FilterArns: []string{e.ruleArn("shop", "r1")}},
	})).of(t)
	if out.State != ebtypes.ReplayStateStarting || aws.ToString(out.ReplayArn) != e.arnPrefix()+"replay/fix-1" || out.ReplayStartTime == nil {
		t.Errorf("StartReplay: %+v", out)
	}
	d := e.waitReplay("fix-1", 20*time.Second, ebtypes.ReplayStateCompleted)
	if !d.EventStartTime.Equal(start) || !d.EventEndTime.Equal(end) || d.ReplayStartTime == nil || d.ReplayEndTime == nil ||
		d.EventLastReplayedTime == nil || d.EventLastReplayedTime.Before(now) || d.EventLastReplayedTime.After(now.Add(time.Minute)) ||
		aws.ToString(d.EventSourceArn) != e.archiveArn("arch") || aws.ToString(d.Description) != "replay the window" ||
		aws.ToString(d.Destination.Arn) != e.busArn("shop") || len(d.Destination.FilterArns) != 1 {
		t.Errorf("DescribeReplay: %+v", d)
	}
	got := decodeEvents(t, e.receive(q1, 25, 20*time.Second))
	want := []int{}
	for i := 0; i < 20; i++ {
		want = append(want, i)
	}
	want = append(want, 100, 101, 102, 103, 104)
	if fmt.Sprint(ns(got)) != fmt.Sprint(want) {
		t.Fatalf("replayed to r1: %v, want %v", ns(got), want)
	}
	for _, ev := range got {
		if ev.ReplayName != "fix-1" || ev.ID == origID[ev.Detail.N] || ev.ID == "" {
			t.Errorf("replayed event %+v (original id %s)", ev, origID[ev.Detail.N])
		}
	}
	if extra := e.receive(q1, 1, 2*time.Second); len(extra) != 0 {
		t.Errorf("more events replayed to r1: %v", extra)
	}
	if left := e.receive(q2, 1, time.Second); len(left) != 0 {
		t.Errorf("replayed to r2, which FilterArns leaves out: %v", left)
	}
	// Replayed events are not archived again.
	time.Sleep(300 * time.Millisecond)
	e.waitCount("arch", 31)
	l := must(e.eb.ListReplays(c, &eventbridge.ListReplaysInput{EventSourceArn: aws.String(e.archiveArn("arch"))})).of(t)
	if len(l.Replays) != 1 || l.Replays[0].State != ebtypes.ReplayStateCompleted || aws.ToString(l.Replays[0].ReplayName) != "fix-1" {
		t.Errorf("ListReplays: %+v", l.Replays)
	}

	// Without FilterArns a replay goes to every rule.
	must(e.eb.StartReplay(c, &eventbridge.StartReplayInput{
		ReplayName: aws.String("fix-2"), EventSourceArn: aws.String(e.archiveArn("arch")),
		EventStartTime: aws.Time(now.Add(-time.Hour)), EventEndTime: aws.Time(now.Add(-10 * time.Minute)),
		Destination: &ebtypes.ReplayDestination{Arn: aws.String(e.busArn("shop"))},
	})).of(t)
	e.waitReplay("fix-2", 20*time.Second, ebtypes.ReplayStateCompleted)
	for _, q := range []string{q1, q2} {
		got := decodeEvents(t, e.receive(q, 3, 20*time.Second))
		if fmt.Sprint(ns(got)) != "[200 201 202]" || got[0].ReplayName != "fix-2" {
			t.Errorf("fix-2 replayed %v", ns(got))
		}
	}
}

// pacedArchive fills an archive with n events put spacing apart.
func pacedArchive(t *testing.T, e *env, n int, spacing time.Duration) {
	for i := 0; i < n; i++ {
		e.put("shop", "shop.orders", i, i+1, nil)
		time.Sleep(spacing)
	}
	e.waitCount("arch", int64(n))
}

func TestReplayCancel(t *testing.T) {
	t.Parallel()
	e := start(t)
	q1, _ := replaySetup(t, e)
	pacedArchive(t, e, 20, 50*time.Millisecond)
	e.receive(q1, 20, 20*time.Second)
	now := time.Now()
	// 20 events a second apart at a tenth of the rate: 10 s.
	e.switchyardReplay(map[string]any{"name": "slow", "archive": "arch", "start": now.Add(-time.Hour), "end": now.Add(time.Hour), "speed": 0.1})
	e.waitReplay("slow", 10*time.Second, ebtypes.ReplayStateRunning)
	time.Sleep(1500 * time.Millisecond)
	out := must(e.eb.CancelReplay(ctx(t), &eventbridge.CancelReplayInput{ReplayName: aws.String("slow")})).of(t)
	if out.State != ebtypes.ReplayStateCancelling || aws.ToString(out.ReplayArn) != e.arnPrefix()+"replay/slow" {
		t.Errorf("CancelReplay: %+v", out)
	}
	d := e.waitReplay("slow", 10*time.Second, ebtypes.ReplayStateCancelled)
	if d.ReplayEndTime == nil {
		t.Errorf("cancelled replay: %+v", d)
	}
	got := e.receive(q1, 20, 3*time.Second)
	if len(got) == 0 || len(got) >= 20 {
		t.Errorf("a replay cancelled half way delivered %d of 20 events", len(got))
	}
}

func TestReplayResumesAfterRestart(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	e := n.env(testAccount, "us-east-1")
	q1, _ := replaySetup(t, e)
	const total = 30
	pacedArchive(t, e, total, 50*time.Millisecond)
	e.receive(q1, total, 20*time.Second)
	now := time.Now()
	// 30 events 50 ms apart at 0.5x: about 3 s.
	e.switchyardReplay(map[string]any{"name": "long", "archive": "arch", "start": now.Add(-time.Hour), "end": now.Add(time.Hour), "speed": 0.5})
	e.waitReplay("long", 10*time.Second, ebtypes.ReplayStateRunning)
	time.Sleep(1200 * time.Millisecond)
	n.restart()
	e = n.env(testAccount, "us-east-1")
	d := e.waitReplay("long", 30*time.Second, ebtypes.ReplayStateCompleted)
	if d.EventLastReplayedTime == nil {
		t.Errorf("after restart: %+v", d)
	}
	got := decodeEvents(t, e.receive(q1, total, 20*time.Second))
	seen := map[int]bool{}
	for _, ev := range got {
		seen[ev.Detail.N] = true
		if ev.ReplayName != "long" {
			t.Errorf("event %+v", ev)
		}
	}
	if len(seen) != total {
		t.Errorf("replayed %d distinct events of %d: %v", len(seen), total, ns(got))
	}
	// The replay resumed where it was: it re-sent at most the events of
	// one unrecorded step, not all of them again.
	rec := e.replayRecord("long")
	if replayed := rec["replayed"].(float64); replayed < total || replayed > total+5 {
		t.Errorf("the replay sent %v events for %d", replayed, total)
	}
}

func TestReplayLimit(t *testing.T) {
	t.Parallel()
	e := start(t)
	replaySetup(t, e)
	pacedArchive(t, e, 2, time.Second)
	now := time.Now()
	// Ten replays that take minutes (events a second apart at 1/100 of
	// the rate).
	for i := 0; i < 10; i++ {
		e.switchyardReplay(map[string]any{"name": fmt.Sprintf("slow-%d", i), "archive": "arch", "start": now.Add(-time.Hour), "end": now.Add(time.Hour), "speed": 0.01})
	}
	_, err := e.eb.StartReplay(ctx(t), &eventbridge.StartReplayInput{
		ReplayName: aws.String("one-too-many"), EventSourceArn: aws.String(e.archiveArn("arch")),
		EventStartTime: aws.Time(now.Add(-time.Hour)), EventEndTime: aws.Time(now),
		Destination: &ebtypes.ReplayDestination{Arn: aws.String(e.busArn("shop"))},
	}, noRetry)
	wantErr(t, err, "LimitExceededException", "The requested resource exceeds the maximum number allowed.")
	// Another account is not affected; a cancelled replay frees its place.
	must(e.eb.CancelReplay(ctx(t), &eventbridge.CancelReplayInput{ReplayName: aws.String("slow-0")})).of(t)
	e.waitReplay("slow-0", 10*time.Second, ebtypes.ReplayStateCancelled)
	must(e.eb.StartReplay(ctx(t), &eventbridge.StartReplayInput{
		ReplayName: aws.String("one-too-many"), EventSourceArn: aws.String(e.archiveArn("arch")),
		EventStartTime: aws.Time(now.Add(-time.Hour)), EventEndTime: aws.Time(now),
		Destination: &ebtypes.ReplayDestination{Arn: aws.String(e.busArn("shop"))},
	}, noRetry)).of(t)
	l := must(e.eb.ListReplays(ctx(t), &eventbridge.ListReplaysInput{NamePrefix: aws.String("slow-"), State: ebtypes.ReplayStateRunning})).of(t)
	if len(l.Replays) != 9 {
		t.Errorf("running replays: %d", len(l.Replays))
	}
	for i := 1; i < 10; i++ {
		must(e.eb.CancelReplay(ctx(t), &eventbridge.CancelReplayInput{ReplayName: aws.String(fmt.Sprintf("slow-%d", i))})).of(t)
	}
}

func TestReplayIntoAnotherBus(t *testing.T) {
	t.Parallel()
	e := start(t)
	replaySetup(t, e)
	e.mustBus("staging")
	qs, _ := e.queue("staging-q")
	e.mustRule("staging", "all", `{"source":["shop.orders"]}`)
	e.mustTargets("staging", "all", sqsTarget("q", "staging-q"))
	e.put("shop", "shop.orders", 0, 5, nil)
	e.waitCount("arch", 5)
	now := time.Now()
	e.switchyardReplay(map[string]any{"name": "to-staging", "archive": e.archiveArn("arch"), "destination": "staging",
		"start": now.Add(-time.Hour), "end": now.Add(time.Hour)})
	e.waitReplay("to-staging", 20*time.Second, ebtypes.ReplayStateCompleted)
	got := decodeEvents(t, e.receive(qs, 5, 20*time.Second))
	if fmt.Sprint(ns(got)) != "[0 1 2 3 4]" || got[0].ReplayName != "to-staging" {
		t.Errorf("replayed into staging: %v", got)
	}
}

func TestArchiveExportImport(t *testing.T) {
	t.Parallel()
	e := start(t)
	replaySetup(t, e)
	old := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	e.put("shop", "shop.orders", 0, 5, nil)
	e.put("shop", "shop.orders", 10, 13, aws.Time(old))
	e.waitCount("arch", 8)
	url := e.srv.URL() + "/_switchyard/archives/arch/export?account=" + testAccount + "&region=us-east-1"
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	var dump bytes.Buffer
	_, _ = dump.ReadFrom(resp.Body)
	resp.Body.Close()
	lines := strings.Split(strings.TrimSpace(dump.String()), "\n")
	if len(lines) != 8 {
		t.Fatalf("export: %d lines\n%s", len(lines), dump.String())
	}
	// A window by event time.
	resp, err = http.Get(url + "&start=2024-03-01T00:00:00Z&end=2024-03-02T00:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	var win bytes.Buffer
	_, _ = win.ReadFrom(resp.Body)
	resp.Body.Close()
	if n := strings.Count(win.String(), "\n"); n != 3 {
		t.Errorf("export of a window: %d lines", n)
	}
	// Into another server (a migration), then replayed there by the
	// events' own times.
	e2 := start(t)
	q, _ := replaySetup(t, e2)
	resp, err = http.Post(e2.srv.URL()+"/_switchyard/archives/arch/import?account="+testAccount+"&region=us-east-1", "application/x-ndjson", &dump)
	if err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if res["imported"] != 8.0 {
		t.Fatalf("import: %v", res)
	}
	e2.waitCount("arch", 8)
	must(e2.eb.StartReplay(ctx(t), &eventbridge.StartReplayInput{
		ReplayName: aws.String("migrated"), EventSourceArn: aws.String(e2.archiveArn("arch")),
		EventStartTime: aws.Time(old.Add(-time.Hour)), EventEndTime: aws.Time(old.Add(time.Hour)),
		Destination: &ebtypes.ReplayDestination{Arn: aws.String(e2.busArn("shop"))},
	})).of(t)
	e2.waitReplay("migrated", 20*time.Second, ebtypes.ReplayStateCompleted)
	got := decodeEvents(t, e2.receive(q, 3, 20*time.Second))
	if fmt.Sprint(ns(got)) != "[10 11 12]" || got[0].Time != "2024-03-01T12:00:00Z" {
		t.Errorf("replayed after import: %+v", got)
	}
	// A bad line is refused with its number.
	resp, err = http.Post(e2.srv.URL()+"/_switchyard/archives/arch/import?account="+testAccount+"&region=us-east-1", "application/x-ndjson",
		strings.NewReader(lines[0]+"\n{\"event\":[]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	var bad bytes.Buffer
	_, _ = bad.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(bad.String(), "line 2") {
		t.Errorf("bad import: %d %s", resp.StatusCode, bad.String())
	}
}
