package pattern

import (
	"strconv"
	"strings"
)

// valueKind is the JSON type of a leaf value in an event.
type valueKind uint8

const (
	kindString valueKind = iota
	kindNumber
	kindTrue
	kindFalse
	kindNull
)

// opKind is one matching operation from a pattern's value list.
type opKind uint8

const (
	opExact      opKind = iota // string equal to s
	opNumber                   // number equal to f (or, if f is unusable, text equal to s)
	opLiteral                  // true, false or null
	opIP                       // string that is an IP address inside ip (exact IP literals and cidr)
	opPrefix                   // string starting with s
	opSuffix                   // string ending with s
	opFold                     // string equal to s ignoring case (s is folded)
	opPrefixFold               // string starting with s ignoring case
	opSuffixFold               // string ending with s ignoring case
	opWildcard                 // string matching wc
	opRange                    // number inside [lo, hi] (open ends as flagged)
	opExists                   // any leaf value
	opAbsent                   // no leaf value at all (exists: false); never matches a leaf
	opNot                      // anything-but: any leaf value not excluded by not
)

// op is a compiled value matcher.
type op struct {
	kind   opKind
	lit    valueKind // opLiteral
	s      string
	f      float64
	fOK    bool // opNumber: f is a usable number
	lo, hi float64
	loOpen bool
	hiOpen bool
	ip     ipRange
	wc     *wildcard
	not    *notSet
}

// notKind says what an anything-but excludes.
type notKind uint8

const (
	notValues notKind = iota // exact strings, or numbers when numeric
	notPrefix
	notSuffix
	notFold
	notWildcard
)

type notSet struct {
	kind    notKind
	numeric bool
	strs    []string // strings (folded for notFold); sorted, de-duplicated
	nums    []float64
	wcs     []*wildcard
}

// leaf is one scalar value found in an event, with the innermost array
// element enclosing it (frame) for array-consistent matching.
type leaf struct {
	str      string // string content (unescaped), or a number's or literal's text
	num      float64
	apx      float64
	folded   string
	field    int32
	next     int32 // next leaf of the same field, or -1
	frame    int32 // innermost enclosing array element, or -1
	ip       int32 // index into scanner.ips once parsed
	kind     valueKind
	numState uint8 // 0 not parsed, 1 number ok, 2 not usable
	apxState uint8 // 0 not read, 1 approximation ok, 2 must parse exactly
	ipState  uint8 // 0 not parsed, 1 IPv4, 2 IPv6, 3 not an IP
	folds    bool
}

func (l *leaf) number() (float64, bool) {
	if l.numState == 0 {
		l.numState = 2
		if l.kind == kindNumber {
			if f, err := strconv.ParseFloat(l.str, 64); err == nil || isRangeErr(err) {
				l.num, l.numState = f, 1
			}
		}
	}
	return l.num, l.numState == 1
}

// approx returns a quick approximation of a number leaf; exact reports
// that the approximation is the exact value (it fell back to parsing).
func (l *leaf) approx() (v float64, exact, ok bool) {
	if l.kind != kindNumber {
		return 0, false, false
	}
	if l.apxState == 0 {
		if a, ok := approxNumber(l.str); ok {
			l.apx, l.apxState = a, 1
		} else {
			l.apxState = 2
		}
	}
	if l.apxState == 1 {
		return l.apx, false, true
	}
	f, ok := l.number()
	return f, true, ok
}

// equalsNumber reports whether the leaf is a number equal to f.
func (l *leaf) equalsNumber(f float64) bool {
	a, exact, ok := l.approx()
	if !ok {
		return false
	}
	if exact || !near(a, f) {
		return a == f
	}
	v, _ := l.number()
	return v == f
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func (l *leaf) ipAddr(sc *scanner) ([16]byte, bool, bool) {
	if l.ipState == 0 {
		l.ipState = 3
		if l.kind == kindString {
			if a, v6, ok := parseIPLenient(l.str); ok {
				l.ip = int32(len(sc.ips))
				sc.ips = append(sc.ips, a)
				l.ipState = 1
				if v6 {
					l.ipState = 2
				}
			}
		}
	}
	if l.ipState == 3 {
		return [16]byte{}, false, false
	}
	return sc.ips[l.ip], l.ipState == 2, true
}

func (l *leaf) fold(sc *scanner) string {
	if !l.folds {
		l.folded, l.folds = sc.fold(l.str), true
	}
	return l.folded
}

// matches reports whether the leaf satisfies the op.
func (o *op) matches(sc *scanner, l *leaf) bool {
	switch o.kind {
	case opExact:
		return l.kind == kindString && l.str == o.s
	case opNumber:
		if l.kind != kindNumber {
			return false
		}
		return (o.fOK && l.equalsNumber(o.f)) || l.str == o.s
	case opLiteral:
		return l.kind == o.lit
	case opIP:
		a, v6, ok := l.ipAddr(sc)
		return ok && o.ip.contains(a, v6)
	case opPrefix:
		return l.kind == kindString && strings.HasPrefix(l.str, o.s)
	case opSuffix:
		return l.kind == kindString && strings.HasSuffix(l.str, o.s)
	case opFold:
		return l.kind == kindString && l.fold(sc) == o.s
	case opPrefixFold:
		return l.kind == kindString && strings.HasPrefix(l.fold(sc), o.s)
	case opSuffixFold:
		return l.kind == kindString && strings.HasSuffix(l.fold(sc), o.s)
	case opWildcard:
		return l.kind == kindString && o.wc.match(l.str)
	case opRange:
		a, exact, ok := l.approx()
		if !ok {
			return false
		}
		if !exact && (near(a, o.lo) || near(a, o.hi)) {
			a, _ = l.number()
		}
		return o.inRange(a)
	case opExists:
		return true
	case opAbsent:
		return false
	case opNot:
		return !o.not.excludes(sc, l)
	}
	return false
}

func (o *op) inRange(f float64) bool {
	if o.loOpen {
		if !(f > o.lo) {
			return false
		}
	} else if !(f >= o.lo) {
		return false
	}
	if o.hiOpen {
		return f < o.hi
	}
	return f <= o.hi
}

// excludes reports whether an anything-but rejects the leaf. Only values of
// the type the anything-but names can be rejected: anything-but "x" matches
// the number 5, null and true.
func (n *notSet) excludes(sc *scanner, l *leaf) bool {
	switch n.kind {
	case notValues:
		if n.numeric {
			for _, v := range n.nums {
				if l.equalsNumber(v) {
					return true
				}
			}
			return false
		}
		return l.kind == kindString && containsSorted(n.strs, l.str)
	case notPrefix:
		if l.kind != kindString {
			return false
		}
		for _, p := range n.strs {
			if strings.HasPrefix(l.str, p) {
				return true
			}
		}
	case notSuffix:
		if l.kind != kindString {
			return false
		}
		for _, p := range n.strs {
			if strings.HasSuffix(l.str, p) {
				return true
			}
		}
	case notFold:
		return l.kind == kindString && containsSorted(n.strs, l.fold(sc))
	case notWildcard:
		if l.kind != kindString {
			return false
		}
		for _, w := range n.wcs {
			if w.match(l.str) {
				return true
			}
		}
	}
	return false
}

func containsSorted(list []string, s string) bool {
	lo, hi := 0, len(list)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if list[m] < s {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(list) && list[lo] == s
}
