package pattern_test

// Deterministic random generators of valid event patterns and of events for
// the differential and fuzz tests. Patterns and events draw from the same
// small vocabularies (three key names, strings that differ only in case,
// IP addresses in several notations, numbers with several spellings), and
// events prefer values derived from the operands of the pattern(s) they are
// meant for, so that matches and non-matches are both common. The traps of
// the semantics are all reachable: duplicate keys, dotted keys on both
// sides, $or (nested, several per level, overriding fields), arrays of
// objects for array consistency, nested and mixed arrays, empty arrays and
// objects, JSON text inside strings, escapes in keys and values, IP address
// notations, number spellings, Unicode case folding and wildcard escapes.

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/switchyard/switchyard/internal/pattern"
)

var genKeys = []string{"a", "b", "c"}

var genStrings = []string{
	"", "x", "X", "xy", "XY", "xY", "yx", "abc", "ABC", "Abc", "abcabc", "ab", "bc",
	"a*b", `a\b`, "*", `\`, "a*", "*b", `\*`,
	"foo.txt", "FOO.TXT", "foo.png", "foo.PNG", "dir/init/f", "/u/dir/x.txt",
	"300", "5", "true", "null", "running", "RUNNING", "init", "initializing",
	"ß", "ẞ", "ss", "k", "K", "\u212a", "s", "S", "ſ", "straße", "STRASSE",
	"été", "ÉTÉ", "Σ", "σ", "ς", "🚀", "a🚀b", "İ", "i", "ı", "I",
	"x.y", `{"b":"x"}`, "[1]", "tab\there", "line\nbreak", "\u0000", "\"q\"",
}

// genIPGroups are IP addresses, each group one address in several notations.
var genIPGroups = [][]string{
	{"10.0.0.1", "010.0.0.1", "10.0.0.001", "::ffff:a00:1", "::FFFF:0A00:0001"},
	{"10.0.0.255", "10.000.0.255"},
	{"10.0.1.0"},
	{"10.0.0.0", "0:0:0:0:0:ffff:a00:0"},
	{"10.0.0.7"},
	{"10.0.0.8"},
	{"192.168.0.1"},
	{"0.0.0.0", "::ffff:0:0"},
	{"255.255.255.255"},
	{"2001:db8::1", "2001:0db8:0:0:0:0:0:1", "2001:DB8::1", "2001:db8:0::1"},
	{"2001:db8::", "2001:db8:0:0::"},
	{"2001:db8:ffff::1"},
	{"::1", "0:0:0:0:0:0:0:1"},
	{"::"},
}

// genNotIPs look like IP addresses but are not ones.
var genNotIPs = []string{"10.0.0.256", "::ffff:10.0.0.1", "1:2", "10.0.0", "10.0.0.1.2", "fe80::1%eth0", "10.0.0.-1", " 10.0.0.1"}

var genCIDRs = []string{
	"10.0.0.0/24", "10.0.0.8/24", "10.0.0.0/8", "10.0.0.1/31", "0.0.0.0/0", "192.168.0.0/16",
	"10.0.0.255/30", "010.0.0.0/24", "2001:db8::/32", "2001:db8::1/127", "2001:db8::/64",
	"::/0", "::1/127", "::ffff:a00:0/8",
}

var genNumbers = []string{
	"0", "-0", "-0.0", "0.0", "5", "5.0", "5e0", "0.5e1", "4.999", "5.001", "-5",
	"300", "3e2", "300.0", "3.0E+2", "301.8", "3.018e2", "1.5", "10", "100", "-1",
	"1e15", "9007199254740992", "9007199254740993", "1e-7", "123456789",
	// Numbers a few units in the last place apart, or equal only as float64.
	"0.1", "0.10000000000000001", "0.10000000000000002", "0.3", "0.30000000000000004",
	"1", "1.0000000000000002", "4.9999999999999999", "4.999999999999999",
	"1e22", "1e23", "99999999999999999999", "100000000000000000000",
	"123456789012345678901234567890", "1.2345678901234567890123456789e29",
	"1e280", "1e281", "-1e281", "1e-280", "1e-281", "1e-400",
	"2.2250738585072014e-308", "5e-324", "1.7976931348623157e308",
}

// genOverflowNumbers parse to ±Inf as float64.
var genOverflowNumbers = []string{"1e400", "-1e400", "1E999"}

// genWithOverflow includes numbers that overflow to ±Inf (a Matcher once
// missed ranges for them; see TestRegressions).
const genWithOverflow = true

func init() {
	if genWithOverflow {
		genNumbers = append(genNumbers, genOverflowNumbers...)
	}
}

// patGen generates patterns and events. It remembers, for the patterns it
// generated since the last reset, the leaf paths and values worth putting
// at them, to aim events at those patterns.
type patGen struct {
	r        *rand.Rand
	paths    map[string]bool     // leaf paths of the patterns
	segs     [][]string          // the same, split on dots
	hints    map[string][]string // path -> raw JSON scalars related to its operands
	allHints []string
	scalars  int // scalars in the event being generated
	// numericHeavy makes most alternatives numbers and numeric ranges, and
	// keeps paths short, so that many rules share numeric indexes.
	numericHeavy bool
}

func newPatGen(r *rand.Rand) *patGen {
	g := &patGen{r: r}
	g.reset()
	return g
}

// reset forgets the patterns generated so far.
func (g *patGen) reset() {
	g.paths = map[string]bool{}
	g.segs = nil
	g.hints = map[string][]string{}
	g.allHints = nil
}

func (g *patGen) n(k int) int    { return g.r.IntN(k) }
func (g *patGen) one(k int) bool { return g.r.IntN(k) == 0 }

func pick[T any](g *patGen, list []T) T { return list[g.r.IntN(len(list))] }

func (g *patGen) addPath(path string) {
	if !g.paths[path] {
		g.paths[path] = true
		g.segs = append(g.segs, strings.Split(path, "."))
	}
}

func (g *patGen) hint(path string, raws ...string) {
	g.hints[path] = append(g.hints[path], raws...)
	g.allHints = append(g.allHints, raws...)
}

func (g *patGen) hintStrings(path string, ss ...string) {
	for _, s := range ss {
		g.hint(path, jsonString(s, false))
	}
}

// validPattern generates patterns until pattern.Parse accepts one (almost
// all are accepted; wildcard complexity is the usual reason not to be).
func (g *patGen) validPattern() (string, *pattern.Pattern, bool) {
	for range 100 {
		src := g.pattern()
		if p, err := pattern.Parse(src); err == nil {
			return src, p, true
		}
	}
	return "", nil, false
}

// pattern generates one pattern's text.
func (g *patGen) pattern() string {
	var b strings.Builder
	g.object(&b, nil, 0)
	return b.String()
}

func (g *patGen) ws(b *strings.Builder) {
	if g.one(10) {
		b.WriteString(pick(g, []string{" ", "\n", "\t", "\r\n  "}))
	}
}

func (g *patGen) members() int {
	switch r := g.n(10); {
	case r < 5:
		return 1
	case r < 8:
		return 2
	default:
		return 3
	}
}

func (g *patGen) object(b *strings.Builder, prefix []string, depth int) {
	b.WriteByte('{')
	n := g.members()
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		g.ws(b)
		if depth < 3 && g.one(6) {
			b.WriteString(jsonString("$or", g.one(8)))
			b.WriteByte(':')
			g.ws(b)
			b.WriteByte('[')
			k := 2 + g.n(2)
			for j := 0; j < k; j++ {
				if j > 0 {
					b.WriteByte(',')
				}
				g.object(b, prefix, depth+1)
			}
			b.WriteByte(']')
			continue
		}
		key := g.patternKey()
		if g.numericHeavy {
			key = pick(g, genKeys[:2])
		} else if g.one(6) {
			key += "." + g.patternKey()
		}
		b.WriteString(jsonString(key, g.one(8)))
		b.WriteByte(':')
		g.ws(b)
		path := append(prefix[:len(prefix):len(prefix)], strings.Split(key, ".")...)
		if len(path) < 3 && depth < 4 && g.one(3) && !g.numericHeavy {
			g.object(b, path, depth+1)
		} else {
			g.field(b, strings.Join(path, "."))
		}
	}
	g.ws(b)
	b.WriteByte('}')
}

// patternKey picks a key, rarely an empty one (the path then has an empty
// segment, which events reach with "" keys or keys ending in a dot).
func (g *patGen) patternKey() string {
	if g.one(40) {
		return ""
	}
	return pick(g, genKeys)
}

// field writes a field's list of alternatives.
func (g *patGen) field(b *strings.Builder, path string) {
	g.addPath(path)
	n := 1
	if r := g.n(10); r >= 6 {
		n = 2
		if r == 9 {
			n = 3
		}
	}
	b.WriteByte('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
			g.ws(b)
		}
		b.WriteString(g.alternative(path))
	}
	b.WriteByte(']')
}

// baseString picks a string operand, sometimes an IP address.
func (g *patGen) baseString() string {
	switch r := g.n(10); {
	case r < 7:
		return pick(g, genStrings)
	case r < 9:
		return pick(g, pick(g, genIPGroups))
	default:
		return pick(g, genNotIPs)
	}
}

// related returns strings an event could hold for an operand derived from s.
func (g *patGen) related(s string) []string {
	out := []string{s, g.flipCase(s), s + pick(g, []string{"z", "Z", "ß", "/"}), pick(g, []string{"z", "/", "."}) + s}
	for _, grp := range genIPGroups {
		for _, ip := range grp {
			if ip == s {
				out = append(out, grp...)
			}
		}
	}
	return out
}

// flipCase changes the case of some runes, walking their simple case
// folding orbit (so "k" may become the Kelvin sign).
func (g *patGen) flipCase(s string) string {
	var b strings.Builder
	for _, r := range s {
		if g.one(2) {
			for k := g.n(3); k >= 0; k-- {
				r = unicode.SimpleFold(r)
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

func runePrefix(s string, n int) string {
	r := []rune(s)
	if n > len(r) {
		n = len(r)
	}
	return string(r[:n])
}

func runeSuffix(s string, n int) string {
	r := []rune(s)
	if n > len(r) {
		n = len(r)
	}
	return string(r[len(r)-n:])
}

func (g *patGen) cut(s string, prefix bool) string {
	n := g.n(utf8.RuneCountInString(s) + 1)
	if prefix {
		return runePrefix(s, n)
	}
	return runeSuffix(s, n)
}

// wildcardFrom makes a wildcard that s matches: some runs of s become '*',
// literal '*' and '\' are escaped. At most two stars, never adjacent.
func (g *patGen) wildcardFrom(s string) string {
	switch g.n(12) {
	case 0:
		return "*"
	case 1:
		return ""
	}
	rs := []rune(s)
	var b strings.Builder
	stars := 0
	lastStar := false
	for i := 0; i <= len(rs); i++ {
		if stars < 2 && !lastStar && g.one(4) {
			b.WriteByte('*')
			stars++
			lastStar = true
			i += g.n(3) - 1 // swallow 0, 1 or 2 runes
			continue
		}
		if i == len(rs) {
			break
		}
		lastStar = false
		switch rs[i] {
		case '*', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(rs[i])
	}
	return b.String()
}

// strOrList writes a string or a list of strings for anything-but.
func (g *patGen) strOrList(ss []string, nonEmpty bool) string {
	if len(ss) == 1 && g.one(2) {
		return jsonString(ss[0], g.one(6))
	}
	var parts []string
	for _, s := range ss {
		if nonEmpty && s == "" {
			s = "x"
		}
		parts = append(parts, jsonString(s, g.one(6)))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func (g *patGen) numberHints(path string, nums ...string) {
	for _, n := range nums {
		g.hint(path, n)
	}
	for range 3 {
		g.hint(path, pick(g, genNumbers))
	}
}

// alternative returns one alternative of a field at path, and records
// values worth trying at that path.
func (g *patGen) alternative(path string) string {
	if g.numericHeavy && g.n(4) != 0 {
		if g.one(3) {
			n := pick(g, genNumbers)
			g.numberHints(path, n)
			return n
		}
		return g.numeric(path)
	}
	switch g.n(24) {
	case 0, 1, 2: // exact string
		s := g.baseString()
		g.hintStrings(path, g.related(s)...)
		return jsonString(s, g.one(6))
	case 3, 4: // exact number
		n := pick(g, genNumbers)
		g.numberHints(path, n)
		return n
	case 5: // literal
		lit := pick(g, []string{"true", "false", "null"})
		g.hint(path, "true", "false", "null")
		return lit
	case 6, 7: // prefix / suffix
		s := g.baseString()
		op := pick(g, []string{"prefix", "suffix"})
		g.hintStrings(path, g.related(s)...)
		return `{"` + op + `":` + jsonString(g.cut(s, op == "prefix"), g.one(6)) + `}`
	case 8, 9: // prefix / suffix ignoring case
		s := pick(g, genStrings)
		op := pick(g, []string{"prefix", "suffix"})
		g.hintStrings(path, g.related(s)...)
		return `{"` + op + `":{"equals-ignore-case":` + jsonString(g.flipCase(g.cut(s, op == "prefix")), g.one(6)) + `}}`
	case 10: // equals-ignore-case
		s := pick(g, genStrings)
		g.hintStrings(path, g.related(s)...)
		return `{"equals-ignore-case":` + jsonString(g.flipCase(s), g.one(6)) + `}`
	case 11: // exactly
		s := g.baseString()
		g.hintStrings(path, g.related(s)...)
		return `{"exactly":` + jsonString(s, g.one(6)) + `}`
	case 12, 13: // wildcard
		s := pick(g, genStrings)
		g.hintStrings(path, g.related(s)...)
		return `{"wildcard":` + jsonString(g.wildcardFrom(s), g.one(6)) + `}`
	case 14, 15: // numeric
		return g.numeric(path)
	case 16, 17: // cidr
		return g.cidr(path)
	case 18: // exists
		g.hint(path, pick(g, genNumbers), jsonString(pick(g, genStrings), false), "null")
		return pick(g, []string{`{"exists":true}`, `{"exists":false}`})
	default: // anything-but
		return g.anythingBut(path)
	}
}

func (g *patGen) numeric(path string) string {
	ops := []string{"=", "<", "<=", ">", ">="}
	a := pick(g, genNumbers)
	if g.one(2) {
		op := pick(g, ops)
		g.numberHints(path, a)
		return `{"numeric":["` + op + `",` + a + `]}`
	}
	b := pick(g, genNumbers)
	for refFloat(a) == refFloat(b) {
		b = pick(g, genNumbers)
	}
	if refFloat(a) > refFloat(b) {
		a, b = b, a
	}
	g.numberHints(path, a, b)
	return `{"numeric":["` + pick(g, []string{">", ">="}) + `",` + a + `,"` + pick(g, []string{"<", "<="}) + `",` + b + `]}`
}

func (g *patGen) cidr(path string) string {
	var c string
	if g.one(3) {
		grp := pick(g, genIPGroups)
		ip := grp[0]
		a := netip.MustParseAddr(ip)
		max := 31
		if a.Is6() {
			max = 127
		}
		c = pick(g, grp) + "/" + strconv.Itoa(g.n(max+1))
	} else {
		c = pick(g, genCIDRs)
	}
	// Addresses just inside and outside the block, in plain and other
	// notations.
	parts := strings.Split(c, "/")
	base, _ := refParseIP(parts[0])
	bits, _ := strconv.Atoi(parts[1])
	pfx := netip.PrefixFrom(base, bits).Masked()
	lo := base
	top := base.AsSlice()
	for i := bits; i < len(top)*8; i++ {
		top[i/8] |= 0x80 >> (i % 8)
	}
	hi, _ := netip.AddrFromSlice(top)
	var cands []string
	for _, a := range []netip.Addr{lo, hi, lo.Prev(), hi.Next(), pfx.Addr()} {
		if a.IsValid() {
			cands = append(cands, a.String())
			if a.Is4() {
				b := a.As4()
				cands = append(cands, fmt.Sprintf("::ffff:%x:%x", int(b[0])<<8|int(b[1]), int(b[2])<<8|int(b[3])))
			}
		}
	}
	cands = append(cands, pick(g, pick(g, genIPGroups)), pick(g, genNotIPs))
	g.hintStrings(path, cands...)
	return `{"cidr":` + jsonString(c, g.one(6)) + `}`
}

func (g *patGen) anythingBut(path string) string {
	var inner string
	switch g.n(7) {
	case 0, 1: // strings
		var ss []string
		for k := 1 + g.n(3); k > 0; k-- {
			s := g.baseString()
			ss = append(ss, s)
			g.hintStrings(path, g.related(s)...)
		}
		g.hint(path, pick(g, genNumbers), "null", "true")
		inner = g.strOrList(ss, false)
	case 2: // numbers
		var ns []string
		for k := 1 + g.n(3); k > 0; k-- {
			ns = append(ns, pick(g, genNumbers))
		}
		g.numberHints(path, ns...)
		g.hint(path, jsonString(ns[0], false), "null")
		if len(ns) == 1 && g.one(2) {
			inner = ns[0]
		} else {
			inner = "[" + strings.Join(ns, ",") + "]"
		}
	default: // prefix, suffix, equals-ignore-case, wildcard
		op := pick(g, []string{"prefix", "suffix", "equals-ignore-case", "wildcard"})
		var ss []string
		k := 1 + g.n(2)
		if g.one(12) {
			k = 0 // an empty list excludes nothing
		}
		for ; k > 0; k-- {
			s := pick(g, genStrings)
			g.hintStrings(path, g.related(s)...)
			switch op {
			case "prefix", "suffix":
				s = g.cut(s, op == "prefix")
				if s == "" {
					s = "x"
				}
			case "equals-ignore-case":
				s = g.flipCase(s)
			case "wildcard":
				s = g.wildcardFrom(s)
			}
			ss = append(ss, s)
		}
		g.hint(path, pick(g, genNumbers), "null", "false")
		if len(ss) == 0 {
			inner = `{"` + op + `":[]}`
		} else {
			inner = `{"` + op + `":` + g.strOrList(ss, op == "prefix" || op == "suffix") + `}`
		}
	}
	return `{"anything-but":` + inner + `}`
}

// jsonString encodes s as a JSON string. With escape, every non-ASCII
// character, '.', '$' and '/' is written as an escape sequence.
func jsonString(s string, escape bool) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case escape && r == '\n':
			b.WriteString(`\n`)
		case escape && r == '\t':
			b.WriteString(`\t`)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteString(strconv.FormatInt(int64(r)>>4, 16))
			b.WriteString(strconv.FormatInt(int64(r)&15, 16))
		case escape && r == '/':
			b.WriteString(`\/`)
		case escape && (r >= 0x80 || r == '.' || r == '$'):
			if r >= 0x10000 {
				r -= 0x10000
				writeU4(&b, 0xD800+(r>>10))
				writeU4(&b, 0xDC00+(r&0x3FF))
			} else {
				writeU4(&b, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func writeU4(b *strings.Builder, r rune) {
	h := strconv.FormatInt(int64(r), 16)
	b.WriteString(`\u`)
	b.WriteString(strings.Repeat("0", 4-len(h)))
	b.WriteString(h)
}

// ---------------------------------------------------------------------------
// Events

// event generates one event (a JSON object) aimed at the patterns generated
// since the last reset.
func (g *patGen) event() []byte {
	g.scalars = 0
	var b strings.Builder
	g.evObject(&b, nil, 0)
	return []byte(b.String())
}

// nextSegs returns the segments that continue some pattern path after
// prefix.
func (g *patGen) nextSegs(prefix []string) []string {
	var out []string
	seen := map[string]bool{}
outer:
	for _, segs := range g.segs {
		if len(segs) <= len(prefix) {
			continue
		}
		for i, p := range prefix {
			if segs[i] != p {
				continue outer
			}
		}
		if s := segs[len(prefix)]; !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out) // deterministic
	return out
}

func (g *patGen) evObject(b *strings.Builder, prefix []string, depth int) {
	b.WriteByte('{')
	used := map[string]bool{}
	n := g.n(4)
	if depth == 0 {
		n++
	}
	first := true
	for i := 0; i < n && g.scalars < 24; i++ {
		next := g.nextSegs(prefix)
		var segs []string
		if len(next) > 0 && !g.one(5) {
			segs = []string{pick(g, next)}
		} else {
			segs = []string{pick(g, []string{"a", "b", "c", "d", ""})}
		}
		if g.one(6) { // a dotted key
			path := append(prefix[:len(prefix):len(prefix)], segs...)
			if nn := g.nextSegs(path); len(nn) > 0 {
				segs = append(segs, pick(g, nn))
			}
		}
		key := strings.Join(segs, ".")
		if used[key] {
			continue
		}
		used[key] = true
		if !first {
			b.WriteByte(',')
		}
		first = false
		g.ws(b)
		b.WriteString(jsonString(key, g.one(10)))
		b.WriteByte(':')
		g.evValue(b, append(prefix[:len(prefix):len(prefix)], segs...), depth+1)
	}
	b.WriteByte('}')
}

func (g *patGen) evValue(b *strings.Builder, path []string, depth int) {
	deeper := len(g.nextSegs(path)) > 0 && depth < 5
	r := g.n(20)
	switch {
	case deeper && r < 7:
		g.evObject(b, path, depth)
	case deeper && r < 11: // array of objects
		b.WriteByte('[')
		for k := 1 + g.n(4); k > 0; k-- {
			g.evObject(b, path, depth+1)
			if k > 1 {
				b.WriteByte(',')
			}
		}
		b.WriteByte(']')
	case deeper && r == 11: // mixed array
		b.WriteString("[")
		g.evObject(b, path, depth+1)
		b.WriteString(",")
		b.WriteString(g.evScalar(path))
		b.WriteString("]")
	case r < 14: // array of scalars
		b.WriteByte('[')
		for k := 1 + g.n(3); k > 0; k-- {
			b.WriteString(g.evScalar(path))
			if k > 1 {
				b.WriteByte(',')
			}
		}
		b.WriteByte(']')
	case r == 14: // nested arrays
		b.WriteString("[[")
		b.WriteString(g.evScalar(path))
		b.WriteString("],[")
		if deeper {
			g.evObject(b, path, depth+1)
		} else {
			b.WriteString(g.evScalar(path))
		}
		b.WriteString("],[]]")
	case r == 15:
		b.WriteString(pick(g, []string{"[]", "{}"}))
	default:
		b.WriteString(g.evScalar(path))
	}
}

// evScalar returns a raw JSON scalar for path, usually one related to the
// pattern's operands there.
func (g *patGen) evScalar(path []string) string {
	g.scalars++
	p := strings.Join(path, ".")
	var raw string
	switch r := g.n(10); {
	case r < 6 && len(g.hints[p]) > 0:
		raw = pick(g, g.hints[p])
	case r < 8 && len(g.allHints) > 0:
		raw = pick(g, g.allHints)
	default:
		switch g.n(6) {
		case 0, 1:
			raw = jsonString(pick(g, genStrings), false)
		case 2:
			raw = jsonString(pick(g, pick(g, genIPGroups)), false)
		case 3, 4:
			raw = pick(g, genNumbers)
		default:
			raw = pick(g, []string{"true", "false", "null"})
		}
	}
	if raw != "" && raw[0] == '"' && g.one(8) { // re-encode with escapes
		if n, err := refDecode([]byte(raw)); err == nil {
			raw = jsonString(n.str, true)
		}
	}
	return raw
}
