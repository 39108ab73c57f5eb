package target

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzPartitionKey feeds arbitrary paths and events to the Kinesis
// partition key extraction: it must never panic, and it returns either an
// INVALID_PARAMETER error or a key Kinesis accepts (1 to 256 characters of
// valid UTF-8), the event id when the path is empty or selects nothing.
func FuzzPartitionKey(f *testing.F) {
	ev := string(testEventJSON())
	for _, seed := range [][2]string{
		{"", ev}, {"$.detail.user", ev}, {"$.detail.n", ev}, {"$.detail.obj", ev}, {"$.detail.obj.a[-1]", ev},
		{"$.detail.obj.a[*]", ev}, {"$.detail.*", ev}, {"$['detail']['city']", ev}, {"$.detail.nope", ev},
		{"$", `{"a":1}`}, {"$.a", `{"a":"\u00e9\ud800"}`}, {"$.a", `not json`}, {"$.a", `{"a":` + strings.Repeat("[", 100) + `]}`},
		{"$..a", `{}`}, {"$.a[?(@.b)]", `{}`}, {"detail", ev}, {"$.a.", `{}`}, {"$.a", `{"a":""}`}, {"$.a", `{"a":null}`},
	} {
		f.Add(seed[0], seed[1])
	}
	var paths jsonPaths
	f.Fuzz(func(t *testing.T, path, event string) {
		key, err := kinesisPartitionKey(&paths, path, []byte(event), testEventID)
		if err != nil {
			var te *Error
			if !errors.As(err, &te) || te.Code != CodeInvalidParam || te.Retryable {
				t.Fatalf("error %v is not a non-retryable INVALID_PARAMETER", err)
			}
			return
		}
		if key == "" || !utf8.ValidString(key) || utf8.RuneCountInString(key) > maxPartitionKey {
			t.Fatalf("key %q is not a valid partition key", key)
		}
		if path == "" && key != testEventID {
			t.Fatalf("no path: key %q, want the event id", key)
		}
		// Cross-check simple member paths against encoding/json: a
		// non-empty string member is the key itself.
		if name, ok := strings.CutPrefix(path, "$."); ok && simpleName(name) {
			var obj map[string]any
			if json.Unmarshal([]byte(event), &obj) == nil {
				if s, ok := obj[name].(string); ok && s != "" && utf8.ValidString(s) && key != s {
					t.Fatalf("path %q in %s: key %q, want %q", path, event, key, s)
				}
			}
		}
	})
}

func simpleName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// FuzzDynamicParameter checks that resolving dynamic parameter values never
// panics, leaves values that are not paths alone, and always gives text.
func FuzzDynamicParameter(f *testing.F) {
	ev := string(testEventJSON())
	for _, seed := range []string{"$.detail.user", "$", "plain", "$5", "$.", "$[", "$['a", "$.detail.obj.a[99]", "$.detail.*.x", ""} {
		f.Add(seed, ev)
	}
	var paths jsonPaths
	f.Fuzz(func(t *testing.T, value, event string) {
		got := paths.dynamic([]byte(event), value)
		if !strings.HasPrefix(value, "$") && got != value {
			t.Fatalf("dynamic(%q) = %q: a value that is not a path must stay as it is", value, got)
		}
		if paths.compile(value) == nil && got != value {
			t.Fatalf("dynamic(%q) = %q: an invalid path must stay as it is", value, got)
		}
	})
}
