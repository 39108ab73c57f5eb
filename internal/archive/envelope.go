package archive

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"time"

	"github.com/switchyard/switchyard/internal/event"
	"github.com/switchyard/switchyard/internal/uuid"
)

// The hot path reads an event's time and id without decoding it: ingest
// writes envelopes with a fixed field order (version, id, detail-type,
// source, account, time, ...), and since a quote inside a JSON string is
// always escaped, the first `,"time":"` is the envelope's own field.
// Envelopes of another shape fall back to a full decode.

var (
	timeField = []byte(`,"time":"`)
	idField   = []byte(`"id":"`)
)

// eventTime returns the time in an event envelope.
func eventTime(ev []byte) (time.Time, bool) {
	if i := bytes.Index(ev, timeField); i >= 0 {
		v := ev[i+len(timeField):]
		if len(v) > len(event.TimeFormat) && v[len(event.TimeFormat)] == '"' {
			if t, ok := parseTime(v[:len(event.TimeFormat)]); ok {
				return t, true
			}
		}
	}
	var env struct {
		Time string `json:"time"`
	}
	if json.Unmarshal(ev, &env) != nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, env.Time)
	return t, err == nil
}

// parseTime parses "2006-01-02T15:04:05Z" quickly.
func parseTime(b []byte) (time.Time, bool) {
	if len(b) != 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' || b[19] != 'Z' {
		return time.Time{}, false
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for _, c := range b[i : i+n] {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 2)
	d, ok3 := num(8, 2)
	h, ok4 := num(11, 2)
	mi, ok5 := num(14, 2)
	s, ok6 := num(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, s, 0, time.UTC), true
}

// eventID returns the id in an event envelope.
func eventID(event []byte) string {
	if i := bytes.Index(event, idField); i >= 0 && i < 32 {
		v := event[i+len(idField):]
		if j := bytes.IndexByte(v, '"'); j > 0 && bytes.IndexByte(v[:j], '\\') < 0 {
			return string(v[:j])
		}
	}
	var env struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(event, &env)
	return env.ID
}

// replayID is the id a replayed event gets: derived from the replay and
// the original id, so that re-sending it (a resumed replay) is
// de-duplicated, and different from the original, so that its deliveries
// are not taken for the original's.
func replayID(replay, original string) string {
	h := sha256.New()
	h.Write([]byte(replay))
	h.Write([]byte{0})
	h.Write([]byte(original))
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return uuid.Format([16]byte(sum[:16]), 5)
}

var (
	envelopeStart = []byte(`{"version":"0","id":"`)
	regionField   = []byte(`,"region":"`)
)

// replayed returns the event as a replay sends it: with the new id and
// "replay-name" set after "region" (event.Envelope's rendering).
// Envelopes written by ingest are edited in place of a decode and
// re-encode: they start {"version":"0","id":"...", and every field before
// "region" is a string, in which a quote is always escaped, so the first
// `,"region":"` is the envelope's own.
func replayed(ev []byte, replay, newID string) ([]byte, error) {
	if bytes.HasPrefix(ev, envelopeStart) && !bytes.Contains(ev, []byte(`"replay-name":`)) {
		v := ev[len(envelopeStart):]
		idEnd := bytes.IndexByte(v, '"')
		r := bytes.Index(v, regionField)
		if idEnd > 0 && r > idEnd && bytes.IndexByte(v[:idEnd], '\\') < 0 {
			region := v[r+len(regionField):]
			if j := bytes.IndexByte(region, '"'); j >= 0 && bytes.IndexByte(region[:j], '\\') < 0 {
				cut := r + len(regionField) + j + 1 // after the region's closing quote
				name, _ := json.Marshal(replay)     // replay names are [.-_A-Za-z0-9]+
				out := make([]byte, 0, len(ev)+len(newID)+len(name)+16)
				out = append(out, envelopeStart...)
				out = append(out, newID...)
				out = append(out, v[idEnd:cut]...)
				out = append(out, `,"replay-name":`...)
				out = append(out, name...)
				return append(out, v[cut:]...), nil
			}
		}
	}
	var env event.Envelope
	if err := json.Unmarshal(ev, &env); err != nil {
		return nil, err
	}
	env.ID, env.ReplayName = newID, replay
	if env.Resources == nil {
		env.Resources = []string{}
	}
	return env.Marshal(), nil
}
