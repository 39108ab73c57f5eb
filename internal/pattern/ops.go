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

// leaf is one scalar value found in an event, with the array elements that
// enclose it (its trail) for array-consistent matching.
type leaf struct {
	field    int32
	kind     valueKind
	numState uint8 // 0 not parsed, 1 number ok, 2 not usable
	ipState  uint8 // 0 not parsed, 1 IPv4, 2 IPv6, 3 not an IP
	str      string
	num      float64
	ip       [16]byte
	trailOff int32
	trailLen int32
	next     int32 // next leaf of the same field, or -1
	folded   string
	foldDone bool
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

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func (l *leaf) ipAddr() ([16]byte, bool, bool) {
	if l.ipState == 0 {
		l.ipState = 3
		if l.kind == kindString {
			if a, v6, ok := parseIPLenient(l.str); ok {
				l.ip = a
				l.ipState = 1
				if v6 {
					l.ipState = 2
				}
			}
		}
	}
	return l.ip, l.ipState == 2, l.ipState != 3
}

func (l *leaf) fold() string {
	if !l.foldDone {
		l.folded, l.foldDone = foldString(l.str), true
	}
	return l.folded
}

// matches reports whether the leaf satisfies the op.
func (o *op) matches(l *leaf) bool {
	switch o.kind {
	case opExact:
		return l.kind == kindString && l.str == o.s
	case opNumber:
		if l.kind != kindNumber {
			return false
		}
		if o.fOK {
			if f, ok := l.number(); ok && f == o.f {
				return true
			}
		}
		return l.str == o.s
	case opLiteral:
		return l.kind == o.lit
	case opIP:
		a, v6, ok := l.ipAddr()
		return ok && o.ip.contains(a, v6)
	case opPrefix:
		return l.kind == kindString && strings.HasPrefix(l.str, o.s)
	case opSuffix:
		return l.kind == kindString && strings.HasSuffix(l.str, o.s)
	case opFold:
		return l.kind == kindString && l.fold() == o.s
	case opPrefixFold:
		return l.kind == kindString && strings.HasPrefix(l.fold(), o.s)
	case opSuffixFold:
		return l.kind == kindString && strings.HasSuffix(l.fold(), o.s)
	case opWildcard:
		return l.kind == kindString && o.wc.match(l.str)
	case opRange:
		f, ok := l.number()
		return ok && o.inRange(f)
	case opExists:
		return true
	case opAbsent:
		return false
	case opNot:
		return !o.not.excludes(l)
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
func (n *notSet) excludes(l *leaf) bool {
	switch n.kind {
	case notValues:
		if n.numeric {
			f, ok := l.number()
			if !ok {
				return false
			}
			for _, v := range n.nums {
				if v == f {
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
		return l.kind == kindString && containsSorted(n.strs, l.fold())
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
