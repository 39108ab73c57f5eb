package schedexpr_test

// A brute-force reference for cron schedules: random valid expressions are
// generated together with their meaning (the sets each field denotes and the
// day rule), a simple predicate decides minute by minute over a year-long
// window which minutes match, and Next must agree with it everywhere.
//
// Nothing here reads the package's parser or its day computations: the
// generator writes the expression text and, independently, the sets it
// stands for.

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchyard/switchyard/internal/schedexpr"
)

type refField struct {
	lo, hi  int
	names   []string
	maxStep int
	wrap    bool
}

var (
	refMinute = refField{lo: 0, hi: 59, maxStep: 59, wrap: true}
	refHour   = refField{lo: 0, hi: 23, maxStep: 23, wrap: true}
	refDom    = refField{lo: 1, hi: 31, maxStep: 31, wrap: true}
	refMonth  = refField{lo: 1, hi: 12, maxStep: 12, wrap: true,
		names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}}
	refDow = refField{lo: 1, hi: 7, maxStep: 7, wrap: true,
		names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}}
	refYear = refField{lo: 1970, hi: 2199, maxStep: 50}
)

// refSpec is what a generated expression means.
type refSpec struct {
	expr                      string
	minute, hour, month, year map[int]bool
	domKind                   string // "?", "list", "L", "LW", "W"
	domSet                    map[int]bool
	domN                      int    // offset for L/LW, day for W
	dowKind                   string // "?", "list", "L" (dL), "#"
	dowSet                    map[int]bool
	dowDay, dowNth            int
	window, windowEnd         time.Time
}

type gen struct{ r *rand.Rand }

func (g gen) maybeLower(s string) string {
	switch g.r.IntN(4) {
	case 0:
		return strings.ToLower(s)
	case 1:
		if len(s) > 1 {
			return s[:1] + strings.ToLower(s[1:])
		}
	}
	return s
}

// value writes v as a number (sometimes zero-padded) or, when allowed, as a
// name.
func (g gen) value(f refField, v int, allowName bool) (string, bool) {
	if allowName && f.names != nil && g.r.IntN(2) == 0 {
		return g.maybeLower(f.names[v-f.lo]), true
	}
	s := strconv.Itoa(v)
	if g.r.IntN(6) == 0 {
		s = "0" + s
	}
	return s, false
}

// list generates a list field whose values are picked from [pickLo, pickHi]
// (a sub-range of the field, to keep years near the window) and returns its
// text and the set it denotes.
func (g gen) list(f refField, pickLo, pickHi int) (string, map[int]bool) {
	set := map[int]bool{}
	pick := func() int { return pickLo + g.r.IntN(pickHi-pickLo+1) }
	// take adds every step-th element of seq.
	take := func(seq []int, step int) {
		for i := 0; i < len(seq); i += step {
			set[seq[i]] = true
		}
	}
	span := func(a, b int) []int { // a..b, wrapping through hi..lo if b < a
		var seq []int
		for v := a; ; v++ {
			if v > f.hi {
				v = f.lo
			}
			seq = append(seq, v)
			if v == b {
				return seq
			}
		}
	}
	step := func() int {
		if g.r.IntN(3) == 0 {
			return 1 + g.r.IntN(f.maxStep)
		}
		return 1 + g.r.IntN(min(f.maxStep, 6))
	}
	var items []string
	for n := 1 + g.r.IntN(3); n > 0; n-- {
		switch g.r.IntN(7) {
		case 0:
			items = append(items, "*")
			take(span(f.lo, f.hi), 1)
		case 1, 2:
			v := pick()
			s, _ := g.value(f, v, true)
			items = append(items, s)
			set[v] = true
		case 3:
			a, b := pick(), pick()
			if b < a && !f.wrap {
				a, b = b, a
			}
			// both ends are names or both numbers
			sa, _ := g.value(f, a, false)
			sb, _ := g.value(f, b, false)
			if f.names != nil && g.r.IntN(2) == 0 {
				sa, sb = g.maybeLower(f.names[a-f.lo]), g.maybeLower(f.names[b-f.lo])
			}
			items = append(items, sa+"-"+sb)
			take(span(a, b), 1)
		case 4:
			n := step()
			items = append(items, "*/"+strconv.Itoa(n))
			take(span(f.lo, f.hi), n)
		case 5:
			v, n := pick(), step()
			s, _ := g.value(f, v, false)
			items = append(items, s+"/"+strconv.Itoa(n))
			take(span(v, f.hi), n)
		case 6:
			a, b, n := pick(), pick(), step()
			if b < a && !f.wrap {
				a, b = b, a
			}
			sa, _ := g.value(f, a, false)
			sb, _ := g.value(f, b, false)
			items = append(items, sa+"-"+sb+"/"+strconv.Itoa(n))
			take(span(a, b), n)
		}
	}
	text := strings.Join(items, ",")
	if g.r.IntN(20) == 0 {
		text += "," // an empty item, which is skipped
	}
	return text, set
}

// offset is an L-n offset, often one that reaches the start of a month.
func (g gen) offset() int {
	if g.r.IntN(2) == 0 {
		return []int{0, 26, 27, 28, 29, 30}[g.r.IntN(6)]
	}
	return g.r.IntN(31)
}

func (g gen) spec(window time.Time) *refSpec {
	s := &refSpec{window: window, windowEnd: window.AddDate(1, 0, 0)}
	var f [6]string
	f[0], s.minute = g.list(refMinute, 0, 59)
	f[1], s.hour = g.list(refHour, 0, 23)
	// Every month and every year half of the time, so that the day rules
	// are exercised in many months.
	f[3], s.month = g.list(refMonth, 1, 12)
	if g.r.IntN(2) == 0 {
		f[3], s.month = "*", all(1, 12)
	}
	wy := window.Year()
	f[5], s.year = g.list(refYear, max(1970, wy-1), min(2199, wy+2))
	if g.r.IntN(2) == 0 {
		f[5], s.year = "*", all(1970, 2199)
	}
	if g.r.IntN(2) == 0 {
		f[4], s.dowKind = "?", "?"
		switch g.r.IntN(10) {
		case 0:
			f[2], s.domKind = g.maybeLower("L"), "L"
		case 1:
			s.domKind, s.domN = "L", g.offset()
			f[2] = g.maybeLower("L-" + strconv.Itoa(s.domN))
		case 2:
			f[2], s.domKind = g.maybeLower("LW"), "LW"
		case 3:
			s.domKind, s.domN = "LW", g.offset()
			f[2] = g.maybeLower("L-" + strconv.Itoa(s.domN) + "W")
		case 4, 5, 6:
			s.domKind, s.domN = "W", 1+g.r.IntN(31)
			if g.r.IntN(2) == 0 {
				s.domN = []int{1, 2, 28, 29, 30, 31}[g.r.IntN(6)]
			}
			f[2] = g.maybeLower(strconv.Itoa(s.domN) + "W")
		default:
			s.domKind = "list"
			f[2], s.domSet = g.list(refDom, 1, 31)
		}
	} else {
		f[2], s.domKind = "?", "?"
		switch g.r.IntN(6) {
		case 0:
			f[4], s.dowKind, s.dowDay = g.maybeLower("L"), "list", 0
			s.dowSet = map[int]bool{7: true}
		case 1:
			s.dowKind, s.dowDay = "L", 1+g.r.IntN(7)
			d, _ := g.value(refDow, s.dowDay, true)
			f[4] = d + g.maybeLower("L")
		case 2:
			s.dowKind, s.dowDay, s.dowNth = "#", 1+g.r.IntN(7), 1+g.r.IntN(5)
			d, _ := g.value(refDow, s.dowDay, true)
			f[4] = d + "#" + strconv.Itoa(s.dowNth)
		default:
			s.dowKind = "list"
			f[4], s.dowSet = g.list(refDow, 1, 7)
		}
	}
	sep := " "
	if g.r.IntN(20) == 0 {
		sep = "  "
	}
	s.expr = "cron(" + strings.Join(f[:], sep) + ")"
	return s
}

// dayMatches is the reference day rule for day d of month m of year y.
func (s *refSpec) dayMatches(y int, m time.Month, d int) bool {
	last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
	wd := func(day int) int { return int(time.Date(y, m, day, 0, 0, 0, 0, time.UTC).Weekday()) + 1 } // 1 = Sunday
	// nearest is the Monday-to-Friday day of this month closest to target.
	nearest := func(target int) int {
		best := 0
		for c := 1; c <= last; c++ {
			if w := wd(c); w == 1 || w == 7 {
				continue
			}
			if best == 0 || abs(c-target) < abs(best-target) {
				best = c
			}
		}
		return best
	}
	switch s.domKind {
	case "list":
		return s.domSet[d]
	case "L":
		return d == last-s.domN
	case "LW":
		return last-s.domN >= 1 && d == nearest(last-s.domN)
	case "W":
		return s.domN <= last && d == nearest(s.domN)
	}
	switch s.dowKind {
	case "list":
		return s.dowSet[wd(d)]
	case "L":
		return wd(d) == s.dowDay && d+7 > last
	case "#":
		return wd(d) == s.dowDay && (d-1)/7+1 == s.dowNth
	}
	panic("no day rule")
}

func all(lo, hi int) map[int]bool {
	m := map[int]bool{}
	for v := lo; v <= hi; v++ {
		m[v] = true
	}
	return m
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// fires steps through the window minute by minute and returns every minute
// the predicate matches.
func (s *refSpec) fires() []time.Time {
	var out []time.Time
	for day := s.window.Truncate(24 * time.Hour); day.Before(s.windowEnd); day = day.AddDate(0, 0, 1) {
		y, m, d := day.Date()
		dayOK := s.year[y] && s.month[int(m)] && s.dayMatches(y, m, d)
		for h := 0; h < 24; h++ {
			for mi := 0; mi < 60; mi++ {
				if dayOK && s.hour[h] && s.minute[mi] {
					t := time.Date(y, m, d, h, mi, 0, 0, time.UTC)
					if !t.Before(s.window) && t.Before(s.windowEnd) {
						out = append(out, t)
					}
				}
			}
		}
	}
	return out
}

// check compares Next with the reference at many instants in the window.
func (s *refSpec) check(t *testing.T, r *rand.Rand) {
	t.Helper()
	sched, err := schedexpr.Parse(s.expr)
	if err != nil {
		t.Fatalf("Parse(%q) refused a generated expression: %v", s.expr, err)
	}
	fires := s.fires()
	// expect is the first fire strictly after q, or none within the window.
	expect := func(q time.Time) (time.Time, bool) {
		i := sort.Search(len(fires), func(i int) bool { return fires[i].After(q) })
		if i < len(fires) {
			return fires[i], true
		}
		return time.Time{}, false
	}
	failures := 0
	probe := func(q time.Time) {
		if !q.Before(s.windowEnd) || q.Before(s.window) {
			return
		}
		got := sched.Next(q)
		want, ok := expect(q)
		if ok && !got.Equal(want) || !ok && !got.IsZero() && got.Before(s.windowEnd) {
			failures++
			if failures <= 5 {
				w := "none in window"
				if ok {
					w = want.Format(time.RFC3339)
				}
				t.Errorf("%s: Next(%s) = %s, reference %s", s.expr, q.Format(time.RFC3339Nano), got.Format(time.RFC3339), w)
			}
		}
	}
	probe(s.window)
	if len(fires) <= 3000 {
		for _, f := range fires {
			probe(f)
			probe(f.Add(-time.Nanosecond))
			probe(f.Add(time.Duration(1 + r.Int64N(int64(time.Minute-1)))))
		}
	} else {
		for range 3000 {
			f := fires[r.IntN(len(fires))]
			probe(f)
			probe(f.Add(time.Duration(r.Int64N(int64(time.Minute)))))
		}
	}
	span := int64(s.windowEnd.Sub(s.window))
	for range 1000 {
		probe(s.window.Add(time.Duration(r.Int64N(span))))
	}
	if len(fires) > 0 {
		probe(fires[len(fires)-1])
	}
}

func TestNextAgainstReference(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 30
	}
	r := rand.New(rand.NewPCG(1, 2))
	g := gen{r}
	// Fixed windows for the edges, then random ones.
	windows := []time.Time{
		time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),     // leap year
		time.Date(2023, 12, 15, 7, 30, 15, 0, time.UTC), // across a year end
		time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),     // not a leap year
		time.Date(2199, 3, 1, 0, 0, 0, 0, time.UTC),     // runs past the last year
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),     // the first year
	}
	for i := range n {
		var w time.Time
		if i < len(windows)*10 {
			w = windows[i%len(windows)]
		} else {
			y := 1970 + r.IntN(230)
			w = time.Date(y, time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), 0, time.UTC)
		}
		s := g.spec(w)
		t.Run(fmt.Sprint(i), func(t *testing.T) { s.check(t, r) })
	}
}
