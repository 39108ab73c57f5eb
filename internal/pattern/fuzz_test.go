package pattern_test

// Fuzz and differential tests: the implementation (Pattern.Match,
// Pattern.Explain, Matcher.Match) against the reference evaluator in
// reference_test.go, on patterns and events from gen_test.go or the fuzzer.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/switchyard/switchyard/internal/pattern"
)

// diffPattern is one pattern under test, in both implementations.
type diffPattern struct {
	id  string
	src string
	p   *pattern.Pattern
	ref *refPattern
}

func newDiffPattern(t testing.TB, id, src string, p *pattern.Pattern) diffPattern {
	t.Helper()
	ref, err := refCompile(src)
	if err != nil {
		t.Fatalf("reference cannot read a pattern Parse accepted: %v\npattern: %s", err, src)
	}
	return diffPattern{id: id, src: src, p: p, ref: ref}
}

// diffChecker compares the implementations on events and collects
// disagreements (or stops at the first, when fatal).
type diffChecker struct {
	t         testing.TB
	fatal     bool
	failures  []string
	matched   int
	unmatched int
}

func (c *diffChecker) fail(format string, args ...any) {
	c.t.Helper()
	msg := fmt.Sprintf(format, args...)
	if c.fatal {
		c.t.Fatal(msg)
	}
	c.failures = append(c.failures, msg)
}

// report fails the test with the shortest disagreements found.
func (c *diffChecker) report() {
	c.t.Helper()
	if len(c.failures) == 0 {
		return
	}
	sort.SliceStable(c.failures, func(i, j int) bool { return len(c.failures[i]) < len(c.failures[j]) })
	for _, f := range c.failures[:min(10, len(c.failures))] {
		c.t.Error(f)
	}
	c.t.Fatalf("%d disagreements with the reference", len(c.failures))
}

// check runs event through the matcher m (which must hold exactly pats)
// and, when single, through each pattern on its own, and compares every
// answer with the reference.
func (c *diffChecker) check(pats []diffPattern, m *pattern.Matcher, event []byte, single bool) {
	c.t.Helper()
	ev, err := refParseEvent(event)
	if err != nil || ev.dupKeys {
		c.t.Fatalf("bad generated event (%v, duplicate keys %v): %s", err, ev != nil && ev.dupKeys, event)
	}
	ids, err := m.Match(event)
	if err != nil {
		c.fail("Matcher.Match error %v on a valid event\nevent: %s", err, event)
		return
	}
	got := map[string]bool{}
	for _, id := range ids {
		if got[id] {
			c.fail("Matcher.Match returned %q twice: %v\nevent: %s", id, ids, event)
		}
		got[id] = true
	}
	known := map[string]bool{}
	for _, dp := range pats {
		known[dp.id] = true
		want := dp.ref.matches(ev)
		if want {
			c.matched++
		} else {
			c.unmatched++
		}
		if got[dp.id] != want {
			c.fail("Matcher.Match: matched=%v, reference %v\npattern: %s\nevent:   %s", got[dp.id], want, dp.src, event)
		}
		if !single {
			continue
		}
		ok, err := dp.p.Match(event)
		if err != nil || ok != want {
			c.fail("Pattern.Match = %v, %v; reference %v\npattern: %s\nevent:   %s", ok, err, want, dp.src, event)
		}
		x, err := dp.p.Explain(event)
		if err != nil || x.Matched != want {
			c.fail("Pattern.Explain = %v, %v; reference %v\npattern: %s\nevent:   %s", x, err, want, dp.src, event)
		}
	}
	for id := range got {
		if !known[id] {
			c.fail("Matcher.Match returned unknown rule %q\nevent: %s", id, event)
		}
	}
}

// TestDifferential runs generated patterns and events through Pattern.Match,
// Pattern.Explain, a Matcher holding only the pattern, a Matcher holding a
// batch of patterns, and the reference.
func TestDifferential(t *testing.T) {
	const (
		patterns  = 5000
		eventsPer = 4 // 20,000 pattern/event pairs
		batch     = 25
	)
	g := newPatGen(rand.New(rand.NewPCG(20240611, 1)))
	c := &diffChecker{t: t}
	var batchPats []diffPattern
	var batchEvents [][]byte
	branches := 0
	for i := 0; i < patterns; i++ {
		g.reset()
		src, p, ok := g.validPattern()
		if !ok {
			t.Fatal("generator produced no valid pattern in 100 tries")
		}
		branches += p.Branches()
		dp := newDiffPattern(t, fmt.Sprintf("r%d", i), src, p)
		m := pattern.NewMatcher()
		m.Add(dp.id, p)
		for range eventsPer {
			ev := g.event()
			c.check([]diffPattern{dp}, m, ev, true)
			batchEvents = append(batchEvents, ev)
		}
		batchPats = append(batchPats, dp)
		if len(batchPats) == batch {
			bm := pattern.NewMatcher()
			for _, bp := range batchPats {
				if err := bm.AddPattern(bp.id, bp.src); err != nil {
					t.Fatal(err)
				}
			}
			bc := &diffChecker{t: t}
			for _, ev := range batchEvents {
				bc.check(batchPats, bm, ev, false)
			}
			c.failures = append(c.failures, bc.failures...)
			batchPats, batchEvents = nil, nil
		}
	}
	c.report()
	total := c.matched + c.unmatched
	t.Logf("%d pairs: %d match, %d do not; %.2f alternatives per pattern", total, c.matched, c.unmatched, float64(branches)/patterns)
	if c.matched < total/5 || c.unmatched < total/5 {
		t.Fatalf("generator is unbalanced: %d matches of %d", c.matched, total)
	}
}

// TestMatcherAddRemoveDifferential adds, replaces and removes rules on one
// Matcher at random and checks after every step that it matches exactly the
// rules whose patterns the reference says match.
func TestMatcherAddRemoveDifferential(t *testing.T) {
	ids := []string{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"}
	c := &diffChecker{t: t}
	for run := range 16 {
		g := newPatGen(rand.New(rand.NewPCG(uint64(run), 77)))
		g.numericHeavy = run%2 == 1
		m := pattern.NewMatcher()
		model := map[string]diffPattern{}
		for step := range 150 {
			id := pick(g, ids)
			switch r := g.n(10); {
			case r < 3:
				_, had := model[id]
				if got := m.Remove(id); got != had {
					t.Fatalf("run %d step %d: Remove(%s) = %v, want %v", run, step, id, got, had)
				}
				delete(model, id)
			case r == 3 && len(model) > 0:
				// The same *Pattern under a second id.
				var other diffPattern
				for _, k := range ids {
					if dp, ok := model[k]; ok {
						other = dp
						break
					}
				}
				m.Add(id, other.p)
				model[id] = diffPattern{id: id, src: other.src, p: other.p, ref: other.ref}
			default:
				src, p, ok := g.validPattern()
				if !ok {
					t.Fatal("no valid pattern")
				}
				if g.one(2) {
					m.Add(id, p)
				} else if err := m.AddPattern(id, src); err != nil {
					t.Fatal(err)
				}
				model[id] = newDiffPattern(t, id, src, p)
			}
			if m.Len() != len(model) {
				t.Fatalf("run %d step %d: Len = %d, want %d", run, step, m.Len(), len(model))
			}
			var want []string
			var pats []diffPattern
			for _, k := range ids {
				if dp, ok := model[k]; ok {
					want = append(want, k)
					pats = append(pats, dp)
					if got, ok := m.Pattern(k); !ok || got.String() != dp.src {
						t.Fatalf("run %d step %d: Pattern(%s) is not the pattern added", run, step, k)
					}
				}
			}
			if got := m.Rules(); !slices.Equal(got, want) {
				t.Fatalf("run %d step %d: Rules = %v, want %v", run, step, got, want)
			}
			for range 5 {
				c.check(pats, m, g.event(), false)
			}
			if len(c.failures) > 0 {
				c.report()
			}
		}
	}
	t.Logf("%d checks: %d match, %d do not", c.matched+c.unmatched, c.matched, c.unmatched)
}

// TestRegressions holds reproductions of bugs the differential tests
// found, now fixed: numeric ranges against numbers that overflow to +Inf,
// and array-consistency searches over large arrays.
func TestRegressions(t *testing.T) {
	check := func(t *testing.T, src string, event []byte) {
		t.Helper()
		p := pattern.MustParse(src)
		want, err := refMatch(src, event)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Match(event)
		if err != nil || got != want {
			t.Errorf("Pattern.Match = %v, %v; want %v", got, err, want)
		}
		m := pattern.NewMatcher()
		m.Add("r", p)
		ids, err := m.Match(event)
		if err != nil || (len(ids) == 1) != want {
			t.Errorf("Matcher.Match = %v, %v; want match=%v", ids, err, want)
		}
	}
	t.Run("MatcherRangeOverflow", func(t *testing.T) {
		check(t, `{"n":[{"numeric":[">",5]}]}`, []byte(`{"n":1e400}`))
		check(t, `{"n":[{"numeric":[">=",0,"<",1e400]},{"numeric":[">",1]}]}`, []byte(`{"n":[1E999]}`))
	})
	t.Run("ConsistencySearchCap", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(`{"p":[{"a":1,"b":1,"c":1}`)
		for range 1023 {
			b.WriteString(`,{"a":1,"b":1}`)
		}
		b.WriteString(`]}`)
		check(t, `{"p":{"a":[1],"b":[1],"c":[1]}}`, []byte(b.String()))
	})
}

// ---------------------------------------------------------------------------
// Fuzz targets

// FuzzParse: Parse never panics, and either accepts the pattern or returns
// an *Error with EventBridge's message. An accepted pattern is a JSON object
// whose structure (alternatives after $or, paths) the reference reads the
// same way.
func FuzzParse(f *testing.F) {
	f.Add(`{"a":["x"]}`)
	f.Add(`{"$or":[{"a":[1]},{"b":[{"prefix":"x"}]}]}`)
	f.Fuzz(func(t *testing.T, src string) {
		// A pattern of at most 2,048 characters must not take seconds: crash
		// the worker (which makes the fuzzer save the input) if it does.
		wd := time.AfterFunc(5*time.Second, func() { panic(fmt.Sprintf("Parse and checks took over 5s on %q", src)) })
		defer wd.Stop()
		p, err := pattern.Parse(src)
		if err != nil {
			if p != nil {
				t.Fatalf("Parse returned both a pattern and %v", err)
			}
			var pe *pattern.Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error is %T, not *pattern.Error: %v", err, err)
			}
			if !strings.HasPrefix(err.Error(), "Event pattern is not valid. Reason: ") {
				t.Fatalf("Parse error message %q", err.Error())
			}
			if pe.Reason == "" || pe.Code() != "InvalidEventPatternException" {
				t.Fatalf("Parse error %#v", pe)
			}
			return
		}
		if p == nil {
			t.Fatal("Parse returned neither a pattern nor an error")
		}
		if p.String() != src {
			t.Fatalf("String() = %q, want the source", p.String())
		}
		if _, err := p.Match([]byte(`{"a":[1,"x",{"b":null}]}`)); err != nil {
			t.Fatal(err)
		}
		if !utf8.ValidString(src) {
			return // encoding/json would replace the bad bytes; Parse keeps them
		}
		ref, err := refCompile(src)
		if err != nil {
			t.Fatalf("Parse accepted a pattern encoding/json cannot read (%v): %q", err, src)
		}
		if len(ref.branches) != p.Branches() {
			t.Fatalf("Branches() = %d, reference %d: %q", p.Branches(), len(ref.branches), src)
		}
		var refPaths []string
		for path := range ref.paths() {
			refPaths = append(refPaths, path)
		}
		sort.Strings(refPaths)
		got := p.Paths()
		sort.Strings(got)
		if !slices.Equal(got, refPaths) {
			t.Fatalf("Paths() = %q, reference %q: %q", got, refPaths, src)
		}
	})
}

// fuzzMatchPatterns cover every operator and array consistency.
var fuzzMatchPatterns = []string{
	`{"a":["x",300,true,null,"10.0.0.1","2001:db8::1"]}`,
	`{"a":{"b":[{"prefix":"x"}],"c":[{"suffix":{"equals-ignore-case":"Y"}}]}}`,
	`{"a.b":[{"wildcard":"*x*y"}],"c":[{"exists":false}]}`,
	`{"b":[{"numeric":[">",0,"<=",5]},{"cidr":"10.0.0.0/24"},{"numeric":["=",3e2]}]}`,
	`{"$or":[{"a":[{"anything-but":["x","y"]}]},{"b":[{"anything-but":{"prefix":"z"}}]}]}`,
	`{"c":[{"equals-ignore-case":"straße"},{"exists":true}],"a":[{"anything-but":5}]}`,
	`{"a":{"b":["x"],"c":["y"]}}`,
	`{"a":[{"cidr":"2001:db8::/32"},{"exactly":"x"}],"b":[{"anything-but":{"wildcard":"*.txt"}}]}`,
	`{"b":[{"anything-but":{"equals-ignore-case":["X","K"]}}],"c":[{"suffix":""},{"prefix":{"equals-ignore-case":"k"}}]}`,
	`{"a":{"b":[{"exists":true}],"$or":[{"c":[false]},{"c":[{"exists":false}],"b":[{"anything-but":[1,2]}]}]}}`,
}

// FuzzMatch: arbitrary event bytes never make matching panic, and when the
// event is a JSON object (small, valid UTF-8, no duplicate keys) every
// matcher agrees with the reference.
func FuzzMatch(f *testing.F) {
	var pats []diffPattern
	m := pattern.NewMatcher()
	for i, src := range fuzzMatchPatterns {
		p, err := pattern.Parse(src)
		if err != nil {
			f.Fatalf("%s: %v", src, err)
		}
		dp := newDiffPattern(f, fmt.Sprintf("p%d", i), src, p)
		pats = append(pats, dp)
		m.Add(dp.id, p)
	}
	f.Add([]byte(`{"a":"x","b":5}`))
	f.Add([]byte(`{"a":[{"b":"xy","c":"Y"},{"b":"q","c":"ay"}]}`))
	f.Fuzz(func(t *testing.T, event []byte) {
		ids, merr := m.Match(event)
		got := map[string]bool{}
		for _, id := range ids {
			got[id] = true
		}
		again, aerr := m.MatchAppend([]string{"keep"}, event)
		if (aerr == nil) != (merr == nil) || len(again) != len(ids)+1 || again[0] != "keep" {
			t.Fatalf("MatchAppend = %v, %v; Match = %v, %v", again, aerr, ids, merr)
		}
		for _, id := range again[1:] {
			if !got[id] {
				t.Fatalf("MatchAppend = %v; Match = %v", again, ids)
			}
		}
		_, _ = m.Explain(event)
		_, _ = pattern.TestEventPattern(pats[0].src, string(event))
		single := make([]bool, len(pats))
		serr := make([]error, len(pats))
		for i, dp := range pats {
			single[i], serr[i] = dp.p.Match(event)
			_, _ = dp.p.Explain(event)
		}
		// The fuzzer's bytes as string values of a valid event put arbitrary
		// strings through every string operator.
		if utf8.Valid(event) {
			q := jsonString(string(event), len(event)%2 == 1)
			fuzzMatchCompare(t, pats, m, []byte(`{"a":`+q+`,"b":[`+q+`,{"c":`+q+`}],"c":`+q+`}`))
		}
		// The reference's brute-force consistency search is only affordable
		// on small events.
		if len(event) > 512 || !utf8.Valid(event) {
			return
		}
		ev, err := refParseEvent(event)
		if err != nil || ev.dupKeys {
			return
		}
		if merr != nil {
			t.Fatalf("Matcher.Match rejected a valid event: %v", merr)
		}
		for i, dp := range pats {
			want := dp.ref.matches(ev)
			if serr[i] != nil || single[i] != want || got[dp.id] != want {
				t.Fatalf("pattern %s\nevent %s\nreference %v, Pattern.Match %v (%v), Matcher %v", dp.src, event, want, single[i], serr[i], got[dp.id])
			}
		}
	})
}

// fuzzMatchCompare checks one valid event against the reference.
func fuzzMatchCompare(t *testing.T, pats []diffPattern, m *pattern.Matcher, event []byte) {
	t.Helper()
	ev, err := refParseEvent(event)
	if err != nil {
		t.Fatalf("built an invalid event %q: %v", event, err)
	}
	ids, err := m.Match(event)
	if err != nil {
		t.Fatalf("Matcher.Match(%s): %v", event, err)
	}
	for _, dp := range pats {
		want := dp.ref.matches(ev)
		got, err := dp.p.Match(event)
		if err != nil || got != want || slices.Contains(ids, dp.id) != want {
			t.Fatalf("pattern %s\nevent %s\nreference %v, Pattern.Match %v (%v), Matcher %v", dp.src, event, want, got, err, ids)
		}
	}
}

// choiceSource drives math/rand/v2 from the fuzzer's bytes, then from a PCG
// seeded by the fuzzer, so that mutating the bytes steers the generator.
type choiceSource struct {
	data []byte
	pcg  *rand.PCG
}

func (s *choiceSource) Uint64() uint64 {
	if len(s.data) == 0 {
		return s.pcg.Uint64()
	}
	var buf [8]byte
	n := copy(buf[:], s.data)
	s.data = s.data[n:]
	return binary.LittleEndian.Uint64(buf[:]) ^ s.pcg.Uint64()
}

// FuzzDifferential: from the fuzzer's seed and bytes, generate a few
// patterns and events; Pattern.Match, Pattern.Explain, a Matcher holding
// the patterns and the reference must all agree.
func FuzzDifferential(f *testing.F) {
	f.Add(uint64(1), []byte(nil))
	f.Add(uint64(42), []byte("\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, seed uint64, choices []byte) {
		g := newPatGen(rand.New(&choiceSource{data: choices, pcg: rand.NewPCG(seed, 0x5eed)}))
		var pats []diffPattern
		m := pattern.NewMatcher()
		for i := range 3 {
			src, p, ok := g.validPattern()
			if !ok {
				t.Skip("no valid pattern")
			}
			dp := newDiffPattern(t, fmt.Sprintf("r%d", i), src, p)
			pats = append(pats, dp)
			m.Add(dp.id, p)
		}
		c := &diffChecker{t: t, fatal: true}
		for range 6 {
			c.check(pats, m, g.event(), true)
		}
	})
}
