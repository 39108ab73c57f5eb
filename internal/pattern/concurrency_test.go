package pattern_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/switchyard/switchyard/internal/pattern"
)

// TestConcurrentMatchAddRemove matches events on several goroutines while
// others add, replace and remove rules. Rules that are never removed must
// keep matching exactly as the reference says; the churning rules may or
// may not be seen, but nothing else may appear. Run it with -race.
func TestConcurrentMatchAddRemove(t *testing.T) {
	const (
		stableRules = 16
		churnRules  = 40
		events      = 60
		matchers    = 4
		mutators    = 2
		rounds      = 60
	)
	g := newPatGen(rand.New(rand.NewPCG(31, 41)))
	m := pattern.NewMatcher()

	var stable []diffPattern
	for i := range stableRules {
		src, p, ok := g.validPattern()
		if !ok {
			t.Fatal("no valid pattern")
		}
		dp := newDiffPattern(t, fmt.Sprintf("stable-%d", i), src, p)
		stable = append(stable, dp)
		m.Add(dp.id, p)
	}
	var churn []*pattern.Pattern
	var churnSrc []string
	for range churnRules {
		src, p, ok := g.validPattern()
		if !ok {
			t.Fatal("no valid pattern")
		}
		churn = append(churn, p)
		churnSrc = append(churnSrc, src)
	}

	// Events aimed at all the patterns, and what the stable rules say.
	evs := make([][]byte, events)
	want := make([][]string, events)
	matched := 0
	for i := range evs {
		evs[i] = g.event()
		ev, err := refParseEvent(evs[i])
		if err != nil || ev.dupKeys {
			t.Fatalf("bad event %s", evs[i])
		}
		for _, dp := range stable {
			if dp.ref.matches(ev) {
				want[i] = append(want[i], dp.id)
			}
		}
		matched += len(want[i])
	}
	if matched < events/4 {
		t.Fatalf("only %d stable matches over %d events; the test would prove little", matched, events)
	}

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []string
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(failures) < 10 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
	}
	done := make(chan struct{})

	for w := range mutators {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for k := 0; ; k++ {
				select {
				case <-done:
					return
				default:
				}
				id := fmt.Sprintf("churn-%d-%d", w, r.IntN(8))
				switch r.IntN(4) {
				case 0:
					m.Remove(id)
				case 1:
					j := r.IntN(churnRules)
					if err := m.AddPattern(id, churnSrc[j]); err != nil {
						fail("AddPattern: %v", err)
						return
					}
				default:
					m.Add(id, churn[r.IntN(churnRules)])
				}
				if k%16 == 0 {
					_ = m.Len()
					_ = m.Rules()
					_, _ = m.Pattern(id)
				}
			}
		}()
	}

	var matchWG sync.WaitGroup
	for w := range matchers {
		matchWG.Add(1)
		go func() {
			defer matchWG.Done()
			var buf []string
			for round := range rounds {
				for i := range evs {
					k := (i + w*17) % len(evs)
					var ids []string
					var err error
					if round%2 == 0 {
						ids, err = m.Match(evs[k])
					} else {
						buf, err = m.MatchAppend(buf[:0], evs[k])
						ids = buf
					}
					if err != nil {
						fail("Match: %v", err)
						return
					}
					var got []string
					for _, id := range ids {
						switch {
						case strings.HasPrefix(id, "stable-"):
							got = append(got, id)
						case strings.HasPrefix(id, "churn-"):
						default:
							fail("unknown rule %q", id)
						}
					}
					slices.Sort(got)
					exp := slices.Clone(want[k])
					slices.Sort(exp)
					if !slices.Equal(got, exp) {
						fail("event %s: stable rules matched %v, want %v", evs[k], got, exp)
					}
					if i%10 == 0 { // patterns are shared with the matcher
						dp := stable[(i+round)%len(stable)]
						ok, err := dp.p.Match(evs[k])
						if err != nil || ok != slices.Contains(want[k], dp.id) {
							fail("Pattern.Match(%s, %s) = %v, %v", dp.src, evs[k], ok, err)
						}
					}
				}
				if w == 0 && round == rounds/2 {
					if _, err := m.Explain(evs[0]); err != nil {
						fail("Explain: %v", err)
					}
				}
			}
		}()
	}
	matchWG.Wait()
	close(done)
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}

	// Once the churn stops, every rule, churning or not, must be exact.
	var all []diffPattern
	for _, id := range m.Rules() {
		p, _ := m.Pattern(id)
		all = append(all, newDiffPattern(t, id, p.String(), p))
	}
	c := &diffChecker{t: t}
	for _, ev := range evs {
		c.check(all, m, ev, false)
	}
	c.report()
}
