package pattern

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

type conformanceCase struct {
	Name      string `json:"name"`
	Expect    string `json:"expect"`
	Event     string `json:"event"`
	Pattern   string `json:"pattern"`
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_message"`
}

func loadConformance(t testing.TB) []conformanceCase {
	t.Helper()
	data, err := os.ReadFile("testdata/conformance/event-patterns.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []conformanceCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// TestConformance checks every case recorded against AWS.
func TestConformance(t *testing.T) {
	for _, c := range loadConformance(t) {
		t.Run(c.Name, func(t *testing.T) {
			got, err := TestEventPattern(c.Pattern, c.Event)
			switch c.Expect {
			case "match", "nomatch":
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if want := c.Expect == "match"; got != want {
					t.Fatalf("match = %v, want %v\npattern: %s\nevent: %s", got, want, c.Pattern, c.Event)
				}
			case "error":
				if err == nil {
					t.Fatalf("no error, want %s: %s", c.ErrorCode, c.ErrorMsg)
				}
				code := ValidationCode
				var pe *Error
				if errors.As(err, &pe) {
					code = pe.Code()
				}
				if code != c.ErrorCode {
					t.Errorf("code = %s, want %s", code, c.ErrorCode)
				}
				if g, w := firstLine(err.Error()), firstLine(c.ErrorMsg); g != w {
					t.Errorf("message:\n got: %s\nwant: %s", g, w)
				}
				if strings.Contains(c.ErrorMsg, "\n") && err.Error() != c.ErrorMsg {
					t.Logf("full message differs:\n got: %q\nwant: %q", err.Error(), c.ErrorMsg)
				}
			}
		})
	}
}

// TestConformanceMatcher runs the matching cases through a Matcher holding
// every valid pattern at once, so the shared index gives the same answers.
func TestConformanceMatcher(t *testing.T) {
	cases := loadConformance(t)
	m := NewMatcher()
	for _, c := range cases {
		if c.Expect == "error" {
			continue
		}
		if err := m.AddPattern(c.Name, c.Pattern); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
	}
	for _, c := range cases {
		if c.Expect == "error" {
			continue
		}
		ids, err := m.Match([]byte(c.Event))
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		found := false
		for _, id := range ids {
			if id == c.Name {
				found = true
			}
		}
		if found != (c.Expect == "match") {
			t.Errorf("%s: matched = %v, want %s", c.Name, found, c.Expect)
		}
	}
}
