package pattern

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Benchmarks in the style of the published matcher benchmarks (AWS
// event-ruler's CityLots tests, quamina's): a handful of rules of one kind
// in one Matcher, every event of the city-lots corpus matched in turn.
//
//	go test -run='^$' -bench=. -benchmem -count=6 ./internal/pattern/
//
// Each benchmark reports events/s and matches/event (how many rules the
// average event matched, to show the rules are selective).

// benchCategory is one set of rules exercising one kind of operator.
type benchCategory struct {
	name  string
	rules []string
}

// cityProp returns the text of properties.<key> (a string's content, or a
// number's text) in a city-lots event.
func cityProp(ev []byte, key string) string {
	var f struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(ev, &f); err != nil {
		panic(err)
	}
	raw := f.Properties[key]
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// cityCoord returns the text of coordinate k ([x,y,z] flattened, first
// ring) of a Polygon city-lots event.
func cityCoord(ev []byte, k int) string {
	var f struct {
		Geometry struct {
			Coordinates [][][]json.Number `json:"coordinates"`
		} `json:"geometry"`
	}
	d := json.NewDecoder(bytes.NewReader(ev))
	d.UseNumber()
	if err := d.Decode(&f); err != nil {
		panic(err)
	}
	ring := f.Geometry.Coordinates[0]
	return ring[k/3][k%3].String()
}

// benchCategories returns the per-operator rule sets. A few values are taken
// from the corpus so that exact rules hit some events.
var benchCategories = sync.OnceValue(func() []benchCategory {
	ev := cityLotsCache()
	return []benchCategory{
		{"EXACT", []string{
			`{"properties":{"STREET":["JEFFERSON"]}}`,
			fmt.Sprintf(`{"properties":{"MAPBLKLOT":[%q,%q]}}`, cityProp(ev[77], "MAPBLKLOT"), cityProp(ev[5077], "MAPBLKLOT")),
			`{"properties":{"STREET":["FULTON"],"ST_TYPE":["ST"]}}`,
			`{"geometry":{"type":["MultiPolygon"]},"properties":{"ODD_EVEN":["O"]}}`,
			`{"properties":{"BLOCK_NUM":["0005","0010","0100","0500"],"FROM_ST":["0"]}}`,
		}},
		{"PREFIX", []string{
			`{"properties":{"STREET":[{"prefix":"J"}]}}`,
			`{"properties":{"MAPBLKLOT":[{"prefix":"001"}]}}`,
			`{"properties":{"BLKLOT":[{"prefix":"035"}]}}`,
			`{"properties":{"SOURCE_IP":[{"prefix":"10.1.2"}]}}`,
			`{"properties":{"STREET":[{"prefix":"MA"}],"ST_TYPE":[{"prefix":"B"}]}}`,
		}},
		{"SUFFIX", []string{
			`{"properties":{"STREET":[{"suffix":"SON"}]}}`,
			`{"properties":{"MAPBLKLOT":[{"suffix":"001"}]}}`,
			`{"properties":{"LOT_NUM":[{"suffix":"00"}]}}`,
			`{"properties":{"ST_TYPE":[{"suffix":"VD"}],"ODD_EVEN":[{"suffix":"O"}]}}`,
			`{"properties":{"SOURCE_IP":[{"suffix":".17"}]}}`,
		}},
		{"EQUALS_IGNORE_CASE", []string{
			`{"properties":{"STREET":[{"equals-ignore-case":"jefferson"}]}}`,
			`{"properties":{"STREET":[{"equals-ignore-case":"Market"}],"ST_TYPE":[{"equals-ignore-case":"st"}]}}`,
			`{"properties":{"ST_TYPE":[{"equals-ignore-case":"blvd"}],"ODD_EVEN":["O"]}}`,
			`{"properties":{"STREET":[{"equals-ignore-case":"Van Ness"},{"equals-ignore-case":"golden gate"}]}}`,
			`{"geometry":{"type":[{"equals-ignore-case":"multipolygon"}]}}`,
		}},
		{"WILDCARD", []string{
			`{"properties":{"STREET":[{"wildcard":"J*N"}]}}`,
			`{"properties":{"STREET":[{"wildcard":"*ERO"}]}}`,
			`{"properties":{"STREET":[{"wildcard":"*ARK*"}]}}`,
			`{"properties":{"MAPBLKLOT":[{"wildcard":"00*1"}]}}`,
			`{"properties":{"SOURCE_IP":[{"wildcard":"192.168.*.1*"}]}}`,
		}},
		{"NUMERIC", []string{
			`{"properties":{"LOT_AREA":[{"numeric":[">",30000]}]}}`,
			`{"properties":{"LOT_AREA":[{"numeric":[">=",1000,"<",1050]}]}}`,
			`{"properties":{"LOT_AREA":[{"numeric":["<",420]}]}}`,
			`{"properties":{"LOT_AREA":[{"numeric":["=",` + cityProp(ev[1234], "LOT_AREA") + `]}]}}`,
			`{"properties":{"ODD_EVEN":["E"],"LOT_AREA":[{"numeric":[">",5000,"<=",5200]}]}}`,
		}},
		{"ANYTHING_BUT", []string{
			`{"properties":{"STREET":[{"anything-but":["UNKNOWN","MARKET"]}],"ST_TYPE":["BLVD"]}}`,
			`{"properties":{"ODD_EVEN":[{"anything-but":"E"}],"LOT_NUM":[{"anything-but":{"prefix":"0"}}]}}`,
			`{"geometry":{"type":["MultiPolygon"]},"properties":{"STREET":[{"anything-but":{"prefix":"M"}}]}}`,
			`{"properties":{"ST_TYPE":[{"anything-but":["ST","AVE","BLVD","WAY"]}]}}`,
			`{"properties":{"LOT_AREA":[{"anything-but":[100,200,300]}],"STREET":[{"anything-but":{"suffix":"ON"}}],"ODD_EVEN":[{"anything-but":{"equals-ignore-case":"o"}}],"BLOCK_NUM":[{"anything-but":{"wildcard":"*0"}}]}}`,
		}},
		{"CIDR", []string{
			`{"properties":{"SOURCE_IP":[{"cidr":"10.1.0.0/16"}]}}`,
			`{"properties":{"SOURCE_IP":[{"cidr":"192.168.4.0/22"}]}}`,
			`{"properties":{"SOURCE_IP":[{"cidr":"172.16.128.0/17"}],"ODD_EVEN":["O"]}}`,
			`{"properties":{"SOURCE_IP":[{"cidr":"203.0.113.0/24"},{"cidr":"100.64.7.0/24"}]}}`,
			`{"properties":{"SOURCE_IP":["` + cityProp(ev[4321], "SOURCE_IP") + `"]}}`,
		}},
		{"COMPLEX_ARRAYS", []string{
			`{"geometry":{"type":["Polygon"],"coordinates":[{"numeric":[">",-122.4,"<",-122.399]}]}}`,
			`{"geometry":{"coordinates":[` + cityCoord(ev[2024], 3) + `]}}`,
			`{"geometry":{"type":["MultiPolygon"],"coordinates":[{"numeric":[">=",37.75,"<=",37.76]}]}}`,
			`{"geometry":{"coordinates":[{"numeric":["<",-122.513]}]}}`,
			`{"geometry":{"type":["Polygon"],"coordinates":[{"numeric":[">",37.808]}]},"properties":{"ODD_EVEN":["O"]}}`,
		}},
		{"COMBO", []string{
			`{"$or":[{"properties":{"STREET":["MARKET"],"ST_TYPE":["ST"]}},{"properties":{"SOURCE_IP":[{"cidr":"10.1.0.0/18"}]}}]}`,
			`{"properties":{"$or":[{"ST_TYPE":[{"equals-ignore-case":"blvd"}]},{"LOT_AREA":[{"numeric":[">",33000]}]}]}}`,
			`{"geometry":{"type":["MultiPolygon"]},"$or":[{"properties":{"STREET":[{"prefix":"J"}]}},{"properties":{"MAPBLKLOT":[{"suffix":"01"}]}}]}`,
			`{"$or":[{"properties":{"STREET":[{"wildcard":"*ERO"}]}},{"properties":{"ODD_EVEN":[{"anything-but":"E"}],"LOT_AREA":[{"numeric":["<",410]}]}}]}`,
			`{"$or":[{"properties":{"BLKLOT":[{"prefix":"003"}]}},{"geometry":{"coordinates":[{"numeric":[">",-122.376]}]},"properties":{"STREET":["FRONT"]}}]}`,
		}},
	}
})

func newBenchMatcher(tb testing.TB, rules []string) *Matcher {
	tb.Helper()
	m := NewMatcher()
	for i, r := range rules {
		if err := m.AddPattern(fmt.Sprintf("r%05d", i), r); err != nil {
			tb.Fatalf("rule %d %s: %v", i, r, err)
		}
	}
	return m
}

// runMatchBench matches the corpus round-robin and reports events/s and
// matches/event.
func runMatchBench(b *testing.B, m *Matcher) {
	events := cityLotsCache()
	dst := make([]string, 0, 64)
	matches := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		dst, err = m.MatchAppend(dst[:0], events[i%len(events)])
		if err != nil {
			b.Fatal(err)
		}
		matches += len(dst)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(matches)/float64(b.N), "matches/event")
}

func BenchmarkCategory(b *testing.B) {
	for _, c := range benchCategories() {
		b.Run(c.name, func(b *testing.B) {
			runMatchBench(b, newBenchMatcher(b, c.rules))
		})
	}
}

// scalingRules returns n rules of a realistic mix: mostly exact matches on
// distinct lot numbers (MAPBLKLOT, BLKLOT, STREET with FROM_ST), some
// prefixes, some numeric ranges (usually alongside an exact field, 1% on
// their own), and some sharing a common field (geometry.type = Polygon,
// ODD_EVEN = O), which the matcher should not use as the index key. About half
// the lot numbers are taken from the corpus so that rules do hit. The first
// n rules are the same for every larger n.
func scalingRules(n int) []string {
	events := cityLotsCache()
	r := rand.New(rand.NewPCG(cityLotsSeed, 2))
	lotOf := func(key string) string {
		if r.IntN(2) == 0 {
			return cityProp(events[r.IntN(len(events))], key)
		}
		return pad(1+r.IntN(7600), 4) + pad(1+r.IntN(150), 3)
	}
	street := func() string { return cityStreets[r.IntN(len(cityStreets))] }
	rules := make([]string, n)
	for i := range rules {
		var s string
		switch k := i % 20; {
		case k < 8: // 40%
			s = fmt.Sprintf(`{"properties":{"MAPBLKLOT":[%q]}}`, lotOf("MAPBLKLOT"))
		case k < 12: // 20%
			s = fmt.Sprintf(`{"properties":{"BLKLOT":[%q]}}`, lotOf("BLKLOT"))
		case k < 14: // 10%
			s = fmt.Sprintf(`{"properties":{"STREET":[%q],"FROM_ST":["%d"]}}`, street(), r.IntN(400)*10)
		case k == 14: // 5%
			s = fmt.Sprintf(`{"properties":{"MAPBLKLOT":[{"prefix":%q}]}}`, pad(1+r.IntN(7600), 4))
		case k == 15: // 5%
			st := street()
			s = fmt.Sprintf(`{"properties":{"STREET":[{"prefix":%q}],"LOT_NUM":[%q]}}`, st[:min(3, len(st))], pad(1+r.IntN(150), 3))
		case k == 16: // 5%
			lo := 400 + r.IntN(30000)
			s = fmt.Sprintf(`{"properties":{"STREET":[%q],"LOT_AREA":[{"numeric":[">=",%d,"<",%d]}]}}`, street(), lo, lo+lo/10)
		case k == 17: // 5%
			s = fmt.Sprintf(`{"geometry":{"type":["Polygon"]},"properties":{"BLOCK_NUM":[%q]}}`, pad(1+r.IntN(7600), 4))
		case k == 18: // 5%
			s = fmt.Sprintf(`{"properties":{"ODD_EVEN":["O"],"STREET":[{"equals-ignore-case":%q}],"LOT_NUM":[%q]}}`, strings.ToLower(street()), pad(1+r.IntN(150), 3))
		case i%100 == 19: // 1%
			lo := 400 + r.Float64()*30000
			s = fmt.Sprintf(`{"properties":{"LOT_AREA":[{"numeric":[">=",%.2f,"<",%.2f]}]}}`, lo, lo+5)
		default: // 4%
			s = fmt.Sprintf(`{"properties":{"MAPBLKLOT":[%q]}}`, lotOf("MAPBLKLOT"))
		}
		rules[i] = s
	}
	return rules
}

var scalingCounts = []int{1, 10, 100, 1000, 10000}

var (
	scalingMu       sync.Mutex
	scalingMatchers = map[int]*Matcher{}
)

// scalingMatcher builds (once) the matcher holding the first n scaling
// rules; building 10,000 rules is kept out of the benchmark's b.N ramp-up.
func scalingMatcher(tb testing.TB, n int) *Matcher {
	scalingMu.Lock()
	defer scalingMu.Unlock()
	if m := scalingMatchers[n]; m != nil {
		return m
	}
	m := newBenchMatcher(tb, scalingRules(n))
	scalingMatchers[n] = m
	return m
}

func BenchmarkRuleScaling(b *testing.B) {
	for _, n := range scalingCounts {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			runMatchBench(b, scalingMatcher(b, n))
		})
	}
}

// BenchmarkParse parses typical patterns: a plain EventBridge rule and one
// of the COMBO rules.
func BenchmarkParse(b *testing.B) {
	for _, c := range []struct{ name, src string }{
		{"typical", `{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"],"detail":{"state":["running","stopped"],"instance-id":[{"prefix":"i-0"}]}}`},
		{"combo", benchCategories()[len(benchCategories())-1].rules[2]},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.src)))
			for i := 0; i < b.N; i++ {
				if _, err := Parse(c.src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestBenchmarkRules checks the benchmark rules: each is valid, the Matcher
// agrees with matching each pattern alone, and each category rule hits some
// events but not all of them (so the benchmarks measure selective rules;
// checked on the whole corpus only, not with -short).
func TestBenchmarkRules(t *testing.T) {
	events := cityLotsCache()
	if testing.Short() {
		events = events[:1000]
	}
	check := func(t *testing.T, rules []string, events [][]byte) []int {
		m := newBenchMatcher(t, rules)
		ps := make([]*Pattern, len(rules))
		for i, r := range rules {
			ps[i] = MustParse(r)
		}
		hits := make([]int, len(rules))
		var dst []string
		for ei, ev := range events {
			var err error
			dst, err = m.MatchAppend(dst[:0], ev)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range ps {
				want, err := p.Match(ev)
				if err != nil {
					t.Fatal(err)
				}
				got := slices.Contains(dst, fmt.Sprintf("r%05d", i))
				if got != want {
					t.Fatalf("event %d, rule %s: Matcher says %v, Pattern.Match says %v\n%s", ei, rules[i], got, want, ev)
				}
				if want {
					hits[i]++
				}
			}
		}
		return hits
	}
	for _, c := range benchCategories() {
		t.Run(c.name, func(t *testing.T) {
			hits := check(t, c.rules, events)
			for i, h := range hits {
				t.Logf("%5.2f%% %s", 100*float64(h)/float64(len(events)), c.rules[i])
				if (h == 0 || h == len(events)) && !testing.Short() {
					t.Errorf("rule %s matches %d of %d events", c.rules[i], h, len(events))
				}
			}
		})
	}
	t.Run("scaling", func(t *testing.T) {
		rules := scalingRules(1000)
		if !slices.Equal(rules[:100], scalingRules(100)) {
			t.Fatal("scaling rules are not a prefix of each other")
		}
		hits := check(t, rules, events[:200])
		total, hitRules := 0, 0
		for _, h := range hits {
			total += h
			if h > 0 {
				hitRules++
			}
		}
		t.Logf("1000 rules over 200 events: %d matches, %d rules hit", total, hitRules)
	})
}
