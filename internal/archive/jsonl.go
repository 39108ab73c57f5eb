package archive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/switchyard/switchyard/internal/event"
)

// Record is one line of an archive export: the event as it was archived
// and when it was archived. Its time (the envelope's "time") is what
// replays select on.
//
//	{"archived":"2025-01-02T03:04:05.123456789Z","event":{"version":"0","id":...}}
type Record struct {
	Archived time.Time       `json:"archived"`
	Event    json.RawMessage `json:"event"`
}

// MaxLine is the longest line an import accepts.
const MaxLine = 4 << 20

// MarshalLine renders a record as one line (with its newline).
func MarshalLine(r Record) []byte {
	var b bytes.Buffer
	b.Grow(len(r.Event) + 64)
	b.WriteString(`{"archived":"`)
	b.WriteString(r.Archived.UTC().Format(time.RFC3339Nano))
	b.WriteString(`","event":`)
	b.Write(r.Event)
	b.WriteString("}\n")
	return b.Bytes()
}

// ParseLine reads one export line. The event must be an event envelope
// with an "id" and a "time" in RFC 3339; it is returned as ingest renders
// envelopes (fields in EventBridge's order, compact).
func ParseLine(line []byte) (Record, error) {
	var raw struct {
		Archived *string         `json:"archived"`
		Event    json.RawMessage `json:"event"`
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&raw); err != nil {
		return Record{}, fmt.Errorf("not a JSON object: %w", err)
	}
	if dec.More() {
		return Record{}, errors.New("more than one JSON value")
	}
	if _, err := dec.Token(); err == nil {
		return Record{}, errors.New("more than one JSON value")
	}
	var r Record
	if raw.Archived != nil {
		t, err := time.Parse(time.RFC3339Nano, *raw.Archived)
		if err != nil {
			return Record{}, fmt.Errorf(`"archived" is not an RFC 3339 time: %q`, *raw.Archived)
		}
		r.Archived = t.UTC()
	}
	ev := bytes.TrimLeft(raw.Event, " \t\r\n")
	if len(ev) == 0 || ev[0] != '{' {
		return Record{}, errors.New(`"event" must be a JSON object`)
	}
	var env event.Envelope
	if err := json.Unmarshal(ev, &env); err != nil {
		return Record{}, fmt.Errorf(`"event": %w`, err)
	}
	if env.ID == "" {
		return Record{}, errors.New(`"event" has no "id"`)
	}
	if _, err := time.Parse(time.RFC3339Nano, env.Time); err != nil {
		return Record{}, fmt.Errorf(`"event" "time" is not an RFC 3339 time: %q`, env.Time)
	}
	if len(env.Detail) > 0 && env.Detail[0] != '{' {
		return Record{}, errors.New(`"event" "detail" must be a JSON object`)
	}
	if len(env.Detail) > 0 {
		var b bytes.Buffer
		if err := json.Compact(&b, env.Detail); err != nil {
			return Record{}, fmt.Errorf(`"event" "detail": %w`, err)
		}
		env.Detail = b.Bytes()
	}
	if env.Resources == nil {
		env.Resources = []string{}
	}
	// Rendered as ingest renders envelopes, whatever the field order of
	// the line: the hot path reads the time by position.
	env.ReplayName = ""
	r.Event = env.Marshal()
	return r, nil
}
