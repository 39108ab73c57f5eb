package pattern

import (
	"math"
	"slices"
	"sort"
)

// pathIndex finds, for one value at one path, the branches whose anchor
// field it may satisfy. Each branch registers every alternative of exactly
// one field (its anchor); a hit makes the branch a candidate, and the
// candidate is then checked in full. Exact values, numbers, case-folded
// values, prefixes and suffixes are found by hashing, so their cost does not
// depend on how many rules use them; the rest (ranges, CIDR blocks,
// wildcards without a literal end, exists and anything-but) are tried one by
// one.
type pathIndex struct {
	exact      map[string][]int32
	numbers    map[float64][]int32
	literals   [kindNull + 1][]int32
	fold       map[string][]int32
	prefix     affixIndex
	suffix     affixIndex
	prefixFold affixIndex
	suffixFold affixIndex
	numKeys    []float64 // keys of numbers, sorted
	ranges     []rangeEntry
	maxHi      []float64 // maxHi[i] = max of ranges[:i+1].op.hi
	scanned    []scannedOp
	needFold   bool
	needNumber bool
	size       int // registrations, to pick selective anchors
}

type scannedOp struct {
	op     *op
	branch int32
}

// affixIndex finds the registered prefixes (or suffixes) of a value with one
// hash lookup per distinct affix length. Entries may carry a wildcard that
// must also match (wildcards are filed under their literal start or end).
type affixIndex struct {
	lens []int
	m    map[string][]affixEntry
}

type affixEntry struct {
	branch int32
	wc     *wildcard
}

func (a *affixIndex) add(key string, e affixEntry) {
	if a.m == nil {
		a.m = map[string][]affixEntry{}
	}
	if _, ok := a.m[key]; !ok {
		i := sort.SearchInts(a.lens, len(key))
		if i == len(a.lens) || a.lens[i] != len(key) {
			a.lens = slices.Insert(a.lens, i, len(key))
		}
	}
	a.m[key] = append(a.m[key], e)
}

func (a *affixIndex) remove(key string, branch int32) {
	list := a.m[key]
	list = slices.DeleteFunc(list, func(e affixEntry) bool { return e.branch == branch })
	if len(list) > 0 {
		a.m[key] = list
		return
	}
	delete(a.m, key)
	for k := range a.m {
		if len(k) == len(key) {
			return
		}
	}
	if i := sort.SearchInts(a.lens, len(key)); i < len(a.lens) && a.lens[i] == len(key) {
		a.lens = slices.Delete(a.lens, i, i+1)
	}
}

func (a *affixIndex) empty() bool { return len(a.m) == 0 }

func addPosting(m *map[string][]int32, key string, b int32) {
	if *m == nil {
		*m = map[string][]int32{}
	}
	(*m)[key] = append((*m)[key], b)
}

func removePosting[K comparable](m map[K][]int32, key K, b int32) {
	list := slices.DeleteFunc(m[key], func(x int32) bool { return x == b })
	if len(list) == 0 {
		delete(m, key)
	} else {
		m[key] = list
	}
}

// register files branch b under op o.
func (pi *pathIndex) register(o *op, b int32) {
	pi.size++
	switch o.kind {
	case opExact:
		addPosting(&pi.exact, o.s, b)
	case opNumber:
		if pi.numbers == nil {
			pi.numbers = map[float64][]int32{}
		}
		if _, ok := pi.numbers[o.f]; !ok {
			i, _ := slices.BinarySearch(pi.numKeys, o.f)
			pi.numKeys = slices.Insert(pi.numKeys, i, o.f)
		}
		pi.numbers[o.f] = append(pi.numbers[o.f], b)
		pi.needNumber = true
	case opRange:
		i := sort.Search(len(pi.ranges), func(i int) bool { return pi.ranges[i].op.lo > o.lo })
		pi.ranges = slices.Insert(pi.ranges, i, rangeEntry{op: o, branch: b})
		pi.fixMaxHi(i)
	case opLiteral:
		pi.literals[o.lit] = append(pi.literals[o.lit], b)
	case opFold:
		addPosting(&pi.fold, o.s, b)
		pi.needFold = true
	case opPrefix:
		pi.prefix.add(o.s, affixEntry{branch: b})
	case opSuffix:
		pi.suffix.add(o.s, affixEntry{branch: b})
	case opPrefixFold:
		pi.prefixFold.add(o.s, affixEntry{branch: b})
		pi.needFold = true
	case opSuffixFold:
		pi.suffixFold.add(o.s, affixEntry{branch: b})
		pi.needFold = true
	case opWildcard:
		parts := o.wc.parts
		switch {
		case parts[0] != "":
			pi.prefix.add(parts[0], affixEntry{branch: b, wc: o.wc})
		case parts[len(parts)-1] != "":
			pi.suffix.add(parts[len(parts)-1], affixEntry{branch: b, wc: o.wc})
		default:
			pi.scanned = append(pi.scanned, scannedOp{o, b})
		}
	default:
		pi.scanned = append(pi.scanned, scannedOp{o, b})
	}
}

func (pi *pathIndex) unregister(o *op, b int32) {
	pi.size--
	switch o.kind {
	case opExact:
		removePosting(pi.exact, o.s, b)
	case opNumber:
		removePosting(pi.numbers, o.f, b)
		if _, ok := pi.numbers[o.f]; !ok {
			if i, found := slices.BinarySearch(pi.numKeys, o.f); found {
				pi.numKeys = slices.Delete(pi.numKeys, i, i+1)
			}
		}
	case opRange:
		for i, r := range pi.ranges {
			if r.op == o && r.branch == b {
				pi.ranges = slices.Delete(pi.ranges, i, i+1)
				pi.fixMaxHi(i)
				break
			}
		}
	case opLiteral:
		pi.literals[o.lit] = slices.DeleteFunc(pi.literals[o.lit], func(x int32) bool { return x == b })
	case opFold:
		removePosting(pi.fold, o.s, b)
	case opPrefix:
		pi.prefix.remove(o.s, b)
	case opSuffix:
		pi.suffix.remove(o.s, b)
	case opPrefixFold:
		pi.prefixFold.remove(o.s, b)
	case opSuffixFold:
		pi.suffixFold.remove(o.s, b)
	case opWildcard:
		parts := o.wc.parts
		switch {
		case parts[0] != "":
			pi.prefix.remove(parts[0], b)
		case parts[len(parts)-1] != "":
			pi.suffix.remove(parts[len(parts)-1], b)
		default:
			pi.removeScanned(o, b)
		}
	default:
		pi.removeScanned(o, b)
	}
}

func (pi *pathIndex) removeScanned(o *op, b int32) {
	pi.scanned = slices.DeleteFunc(pi.scanned, func(s scannedOp) bool { return s.op == o && s.branch == b })
}

// rangeEntry is a numeric range filed for a branch; ranges are kept sorted
// by their lower bound.
type rangeEntry struct {
	op     *op
	branch int32
}

// fixMaxHi recomputes the running maximum of upper bounds from i on.
func (pi *pathIndex) fixMaxHi(i int) {
	pi.maxHi = slices.Grow(pi.maxHi[:min(i, len(pi.maxHi))], len(pi.ranges)-i)[:len(pi.ranges)]
	for j := i; j < len(pi.ranges); j++ {
		hi := pi.ranges[j].op.hi
		if j > 0 && pi.maxHi[j-1] > hi {
			hi = pi.maxHi[j-1]
		}
		pi.maxHi[j] = hi
	}
}

// nearKey reports whether an approximate number is close to a filed number.
func (pi *pathIndex) nearKey(a float64) bool {
	i, _ := slices.BinarySearch(pi.numKeys, a)
	return (i < len(pi.numKeys) && near(a, pi.numKeys[i])) || (i > 0 && near(a, pi.numKeys[i-1]))
}

// rangeLookup adds the branches whose ranges contain a number leaf: only
// ranges starting at or below the value whose upper bounds reach it are
// tried.
func (pi *pathIndex) rangeLookup(s *matchScratch, l *leaf) {
	a, _, ok := l.approx()
	if !ok {
		return
	}
	slack := 0.0
	if !math.IsInf(a, 0) {
		slack = nearTolerance * max(1, a, -a)
	}
	j := sort.Search(len(pi.ranges), func(i int) bool { return pi.ranges[i].op.lo > a+slack })
	for j--; j >= 0 && pi.maxHi[j] >= a-slack; j-- {
		r := &pi.ranges[j]
		if s.branchGen[r.branch] != s.gen && r.op.matches(&s.ev.sc, l) {
			s.candidate(r.branch)
		}
	}
}

// expectedCandidates estimates how many candidates per event filing f's
// alternatives in pi would produce: for each alternative, the branches
// already filed under the same key (counting this one) times the chance an
// event holds that key, taken as one over the number of distinct keys
// filed on the path. Operators that cannot be looked up by key weigh more.
// A branch already filed under f passes itself as self so it is not
// counted twice.
func expectedCandidates(f *field, pi *pathIndex, self int32) float64 {
	if pi == nil {
		pi = &pathIndex{}
	}
	cost := 0.0
	for i := range f.ops {
		o := &f.ops[i]
		switch o.kind {
		case opExact:
			cost += keyed(pi.exact[o.s], len(pi.exact), self)
		case opNumber:
			cost += keyed(pi.numbers[o.f], len(pi.numbers), self)
		case opFold:
			cost += keyed(pi.fold[o.s], len(pi.fold), self)
		case opPrefix, opSuffix, opPrefixFold, opSuffixFold:
			a := pi.affixFor(o.kind)
			cost += 2 * keyedAffix(a.m[o.s], len(a.m), self)
		case opIP:
			cost += 1 + 0.1*float64(len(pi.scanned))
		case opLiteral:
			cost += 1 + float64(len(pi.literals[o.lit]))
		case opWildcard:
			cost += 4
		case opRange:
			cost += 1 + 0.1*float64(len(pi.ranges))
		case opExists:
			cost += 16 + float64(len(pi.scanned))
		case opNot:
			cost += 64 + float64(len(pi.scanned))
		}
	}
	return cost
}

func keyed(posting []int32, distinct int, self int32) float64 {
	n := len(posting)
	if slices.Contains(posting, self) {
		n--
	} else {
		distinct++
	}
	return float64(n+1) / float64(max(distinct, 1))
}

func keyedAffix(posting []affixEntry, distinct int, self int32) float64 {
	n := len(posting)
	if slices.ContainsFunc(posting, func(e affixEntry) bool { return e.branch == self }) {
		n--
	} else {
		distinct++
	}
	return float64(n+1) / float64(max(distinct, 1))
}

func (pi *pathIndex) affixFor(k opKind) *affixIndex {
	switch k {
	case opPrefix:
		return &pi.prefix
	case opSuffix:
		return &pi.suffix
	case opPrefixFold:
		return &pi.prefixFold
	default:
		return &pi.suffixFold
	}
}
