package event

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// Envelope is an event as EventBridge delivers it.
type Envelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	ReplayName string          `json:"replay-name,omitempty"` // set on events a replay re-sends
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// TimeFormat is the envelope's time format (UTC, whole seconds).
const TimeFormat = "2006-01-02T15:04:05Z"

// Marshal renders the envelope in EventBridge's field order.
func (e *Envelope) Marshal() []byte {
	var b bytes.Buffer
	b.Grow(128 + len(e.Detail) + len(e.Source) + len(e.DetailType))
	b.WriteString(`{"version":`)
	writeString(&b, e.Version)
	b.WriteString(`,"id":`)
	writeString(&b, e.ID)
	b.WriteString(`,"detail-type":`)
	writeString(&b, e.DetailType)
	b.WriteString(`,"source":`)
	writeString(&b, e.Source)
	b.WriteString(`,"account":`)
	writeString(&b, e.Account)
	b.WriteString(`,"time":`)
	writeString(&b, e.Time)
	b.WriteString(`,"region":`)
	writeString(&b, e.Region)
	if e.ReplayName != "" {
		b.WriteString(`,"replay-name":`)
		writeString(&b, e.ReplayName)
	}
	b.WriteString(`,"resources":[`)
	for i, r := range e.Resources {
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(&b, r)
	}
	b.WriteString(`],"detail":`)
	if len(e.Detail) == 0 {
		b.WriteString("{}")
	} else {
		b.Write(e.Detail)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// writeString writes s as a JSON string, escaping only what JSON requires
// (EventBridge does not escape HTML characters).
func writeString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b.WriteString(s[start:i])
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
		start = i + 1
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

// FormatTime renders a time for the envelope.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }
