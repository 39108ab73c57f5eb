package archive

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/switchyard/switchyard/internal/event"
)

func sampleEnvelope() event.Envelope {
	return event.Envelope{
		Version: "0", ID: "6a7e8feb-b491-4cf7-a9f1-bf3703467718", DetailType: `say "time"`, Source: `s,"time":"x`,
		Account: "123456789012", Time: "2024-05-01T10:20:30Z", Region: "us-east-1", Resources: []string{},
		Detail: json.RawMessage(`{"time":"1999-01-01T00:00:00Z","n":1}`),
	}
}

func TestEventTimeAndID(t *testing.T) {
	env := sampleEnvelope()
	ev := env.Marshal()
	tm, ok := eventTime(ev)
	if !ok || !tm.Equal(time.Date(2024, 5, 1, 10, 20, 30, 0, time.UTC)) {
		t.Fatalf("eventTime = %v %v", tm, ok)
	}
	if id := eventID(ev); id != env.ID {
		t.Fatalf("eventID = %q", id)
	}
	// Another field order falls back to decoding.
	other := []byte(`{"detail":{"time":"1999-01-01T00:00:00Z"},"time":"2024-05-01T10:20:30.5Z","id":"x"}`)
	tm, ok = eventTime(other)
	if !ok || tm.Nanosecond() != 5e8 || tm.Year() != 2024 {
		t.Fatalf("eventTime(other) = %v %v", tm, ok)
	}
	if eventID(other) != "x" {
		t.Fatal(eventID(other))
	}
	for _, bad := range []string{`{}`, `[]`, `{"time":"yesterday"}`, `{"version":"0","time":"2024-13-01T00:00:00Z"}`} {
		if _, ok := eventTime([]byte(bad)); ok {
			t.Errorf("eventTime(%s) ok", bad)
		}
	}
}

func TestReplayedEnvelope(t *testing.T) {
	env := sampleEnvelope()
	id := replayID("fix-1", env.ID)
	if id == env.ID || id != replayID("fix-1", env.ID) || id == replayID("fix-2", env.ID) || len(id) != 36 {
		t.Fatalf("replayID %q", id)
	}
	got, err := replayed(env.Marshal(), "fix-1", id)
	if err != nil {
		t.Fatal(err)
	}
	want := env
	want.ID, want.ReplayName = id, "fix-1"
	if string(got) != string(want.Marshal()) {
		t.Fatalf("replayed:\n got %s\nwant %s", got, want.Marshal())
	}
	// An envelope of another shape is decoded and rendered.
	got, err = replayed([]byte(`{"id":"a\"b","time":"2024-05-01T10:20:30Z","detail":{}}`), "r", "new")
	if err != nil {
		t.Fatal(err)
	}
	var back event.Envelope
	if err := json.Unmarshal(got, &back); err != nil || back.ID != "new" || back.ReplayName != "r" {
		t.Fatalf("replayed(other) = %s (%v)", got, err)
	}
	if _, err := replayed([]byte(`not json`), "r", "x"); err == nil {
		t.Fatal("replayed accepted non-JSON")
	}
}

func TestArnHelpers(t *testing.T) {
	if n := ruleName("arn:aws:events:us-east-1:123456789012:rule/bus/r1"); n != "r1" {
		t.Error(n)
	}
	if n := ruleName("arn:aws:events:us-east-1:123456789012:rule/r1"); n != "r1" {
		t.Error(n)
	}
	s := scope()
	if n, ok := archiveOfArn(s, ArchiveArn(s, "a1")); !ok || n != "a1" {
		t.Error(n, ok)
	}
	if n, ok := archiveOfArn(s, "arn:aws:events:eu-west-1:123456789012:archive/a1"); ok || n != "a1" {
		t.Error(n, ok)
	}
}
