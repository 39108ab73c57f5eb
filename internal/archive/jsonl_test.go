package archive

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestLineRoundTrip(t *testing.T) {
	env := sampleEnvelope()
	rec := Record{Archived: time.Date(2024, 5, 1, 10, 20, 30, 123456789, time.UTC), Event: env.Marshal()}
	line := MarshalLine(rec)
	if !bytes.HasSuffix(line, []byte("\n")) || bytes.Count(line, []byte("\n")) != 1 {
		t.Fatalf("line %q", line)
	}
	back, err := ParseLine(bytes.TrimSpace(line))
	if err != nil {
		t.Fatal(err)
	}
	if !back.Archived.Equal(rec.Archived) || string(back.Event) != string(rec.Event) {
		t.Fatalf("round trip:\n%+v\n%+v", back, rec)
	}
	// Any field order and spacing comes back in ingest's rendering.
	loose := `{ "event": {"detail": { "a" : 1 }, "time": "2024-05-01T10:20:30Z", "id": "x", "source": "s"} }`
	back, err = ParseLine([]byte(loose))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(back.Event), `{"version":"","id":"x","detail-type":"","source":"s",`) || !back.Archived.IsZero() ||
		!strings.HasSuffix(string(back.Event), `"detail":{"a":1}}`) {
		t.Fatalf("normalized: %s", back.Event)
	}
	if tm, ok := eventTime(back.Event); !ok || tm.Year() != 2024 {
		t.Fatal("time of a normalized event")
	}
}

func TestParseLineErrors(t *testing.T) {
	for _, line := range []string{
		``, `[]`, `{}`, `{"event":[]}`, `{"event":{}}`, `{"event":{"id":"x"}}`,
		`{"event":{"id":"x","time":"now"}}`, `{"archived":"x","event":{"id":"x","time":"2024-05-01T10:20:30Z"}}`,
		`{"event":{"id":"x","time":"2024-05-01T10:20:30Z","detail":[1]}}`,
		`{"event":{"id":"x","time":"2024-05-01T10:20:30Z"}} {}`,
	} {
		if _, err := ParseLine([]byte(line)); err == nil {
			t.Errorf("ParseLine(%s) accepted", line)
		}
	}
}

// FuzzParseLine: any line parses or is refused without panicking, and an
// accepted line's event is a JSON object whose time the hot path reads,
// and renders back to a line that parses to the same record.
func FuzzParseLine(f *testing.F) {
	env := sampleEnvelope()
	f.Add(string(MarshalLine(Record{Archived: time.Unix(1700000000, 5), Event: env.Marshal()})))
	f.Add(`{"event":{"id":"x","time":"2024-05-01T10:20:30Z","detail":{"a":[1,2,{"b":null}]},"resources":["r"]}}`)
	f.Add(`{"archived":"2024-05-01T10:20:30+02:00","event":{"id":"\u00e9","time":"2024-05-01T10:20:30.1Z"}}`)
	f.Add(`{"event":{"id":"x","time":"2024-05-01T10:20:30Z"},"event":{"id":"y","time":"2024-05-01T10:20:30Z"}}`)
	f.Fuzz(func(t *testing.T, line string) {
		rec, err := ParseLine([]byte(line))
		if err != nil {
			return
		}
		if !json.Valid(rec.Event) || rec.Event[0] != '{' {
			t.Fatalf("event %s", rec.Event)
		}
		if _, ok := eventTime(rec.Event); !ok {
			t.Fatalf("time of %s", rec.Event)
		}
		if eventID(rec.Event) == "" {
			t.Fatalf("id of %s", rec.Event)
		}
		again, err := ParseLine(bytes.TrimSpace(MarshalLine(rec)))
		if err != nil || string(again.Event) != string(rec.Event) || !again.Archived.Equal(rec.Archived) {
			t.Fatalf("re-parse of %q: %v %s", line, err, again.Event)
		}
	})
}
