package schedexpr

import (
	"errors"
	"testing"
	"time"
)

// FuzzParse checks that Parse never panics, that it either returns a
// schedule or an error wrapping ErrInvalid, and that an accepted schedule's
// fire times are consistent: strictly after the instant asked about, whole
// UTC minutes, fixed points of Next, computed quickly, and (for rates) on
// the anchor's grid.
func FuzzParse(f *testing.F) {
	for _, e := range validExpressions {
		f.Add(e)
	}
	for _, e := range invalidExpressions {
		f.Add(e)
	}
	afters := []time.Time{
		{},
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 28, 23, 59, 30, 0, time.UTC),
		time.Date(2024, 12, 31, 23, 59, 0, 0, time.FixedZone("x", 5*3600+1800)),
		time.Date(2100, 2, 28, 12, 0, 0, 0, time.UTC),
		time.Date(2199, 12, 31, 23, 58, 0, 0, time.UTC),
		time.Date(2199, 12, 31, 23, 59, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 0, 0, time.UTC),
	}
	anchor := time.Date(2024, 1, 1, 10, 0, 30, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := Parse(expr)
		if err != nil {
			if s != nil || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q) = %v, %v", expr, s, err)
			}
			return
		}
		if s.String() != expr {
			t.Fatalf("String() = %q, want %q", s.String(), expr)
		}
		start := time.Now()
		for _, after := range afters {
			for _, a := range []time.Time{after, anchor} {
				n := s.NextFrom(a, after)
				if n.IsZero() {
					continue
				}
				if !n.After(after) || n.Location() != time.UTC || n.Second() != 0 || n.Nanosecond() != 0 || n.Year() > 9999 {
					t.Fatalf("%s NextFrom(%v, %v) = %v", expr, a, after, n)
				}
				// n is a fire time, so it is the first one after just before it,
				// and the next one is later.
				if again := s.NextFrom(a, n.Add(-time.Nanosecond)); !again.Equal(n) {
					t.Fatalf("%s NextFrom(%v, %v - 1ns) = %v", expr, a, n, again)
				}
				if n2 := s.NextFrom(a, n); !n2.IsZero() && !n2.After(n) {
					t.Fatalf("%s NextFrom(%v, %v) = %v", expr, a, n, n2)
				}
				if s.IsRate() {
					base := floorDiv(a.Unix(), 60) * 60
					if d := n.Unix() - base; d <= 0 || d%(s.rate*60) != 0 {
						t.Fatalf("%s NextFrom(%v, %v) = %v, not on the anchor's grid", expr, a, after, n)
					}
				}
			}
		}
		// Next skips by field; a generous bound that a minute-by-minute
		// search over the year range could not meet.
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("%s: Next took %v", expr, d)
		}
	})
}
