package ingest

import (
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/switchyard/switchyard/internal/event"
)

func TestValidate(t *testing.T) {
	cases := []struct {
		e    Entry
		code string
	}{
		{Entry{Source: "s", DetailType: "d", Detail: `{"a":1}`}, ""},
		{Entry{DetailType: "d", Detail: `{}`}, "InvalidArgument"},
		{Entry{Source: "s", Detail: `{}`}, "InvalidArgument"},
		{Entry{Source: "s", DetailType: "d"}, "InvalidArgument"},
		{Entry{Source: "s", DetailType: "d", Detail: `[1]`}, "MalformedDetail"},
		{Entry{Source: "s", DetailType: "d", Detail: `"x"`}, "MalformedDetail"},
		{Entry{Source: "aws.ec2", DetailType: "d", Detail: `{}`}, "NotAuthorizedForSourceException"},
	}
	for _, c := range cases {
		if code, _ := validate(&c.e); code != c.code {
			t.Errorf("%+v: code %q, want %q", c.e, code, c.code)
		}
	}
}

func TestMalformedDetail(t *testing.T) {
	for _, d := range []string{`{"a":}`, "{}\f", `{"a":1} x`} {
		if _, ok := compact(d); ok {
			t.Errorf("%q accepted", d)
		}
	}
}

func TestEntrySize(t *testing.T) {
	now := time.Now()
	e := Entry{Source: "ab", DetailType: "cd", Detail: `{"é":1}`, Resources: []string{"r1", "r22"}, Time: &now}
	if got := EntrySize(&e); got != 2+2+len(`{"é":1}`)+2+3+14 {
		t.Fatalf("EntrySize = %d", got)
	}
}

// FuzzEntry: any entry either fails validation or yields an envelope that
// is valid JSON carrying the entry's fields.
func FuzzEntry(f *testing.F) {
	f.Add("src", "type", `{"a":1}`, "arn:r")
	f.Add("", "", "", "")
	f.Add("s", "d", `{"a":"\u0000"}`, "\x00")
	f.Add("s", "d\"\\", `{ "deep": [[[{}]]] }`, "r")
	f.Add("aws.x", "d", `{}`, "")
	f.Fuzz(func(t *testing.T, source, detailType, detail, resource string) {
		e := Entry{Source: source, DetailType: detailType, Detail: detail, Resources: []string{resource}}
		if code, _ := validate(&e); code != "" {
			return
		}
		d, ok := compact(detail)
		if !ok {
			return
		}
		env := event.Envelope{Version: "0", ID: event.NewID(), DetailType: detailType, Source: source, Account: "1",
			Time: event.FormatTime(time.Unix(0, 0)), Region: "r", Resources: e.Resources, Detail: d}
		data := env.Marshal()
		var back struct {
			Source     string          `json:"source"`
			DetailType string          `json:"detail-type"`
			Resources  []string        `json:"resources"`
			Detail     json.RawMessage `json:"detail"`
		}
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("envelope is not JSON: %v\n%s", err, data)
		}
		if !json.Valid([]byte(detail)) {
			t.Fatal("invalid detail accepted")
		}
		if !utf8.Valid(data) {
			t.Fatalf("envelope is not UTF-8: %q", data)
		}
		if utf8.ValidString(source) && back.Source != source {
			t.Fatalf("source %q became %q", source, back.Source)
		}
	})
}
