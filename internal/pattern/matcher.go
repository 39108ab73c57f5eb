package pattern

import (
	"fmt"
	"slices"
	"sort"
	"sync"
)

// Matcher holds many patterns, each under a rule id, and finds the rules an
// event matches. Matching reads only the parts of the event some pattern
// mentions and looks values up in per-path indexes, so its cost follows the
// size of the event and the number of rules that (nearly) match, not the
// number of rules held. Adding or removing a rule touches only that rule's
// entries.
//
// A Matcher is safe for concurrent use: any number of Match calls may run
// while rules are added and removed.
type Matcher struct {
	mu sync.RWMutex

	trie      *pathNode
	fieldIDs  map[string]int32
	fieldRefs []int32
	freeField []int32
	index     []*pathIndex // by field id

	rules     map[string]*ruleEntry
	ruleSlots []*ruleEntry // by rule number
	freeRule  []int32

	branches   []*cbranch // by branch id; nil when free
	freeBranch []int32
	always     []int32 // branches without a mandatory field
	adds       int     // rules added, to schedule re-filing
	nextRefile int

	scratch sync.Pool
}

type ruleEntry struct {
	id       string
	pattern  *Pattern
	num      int32
	branches []int32
}

// cbranch is a branch bound to the matcher's field ids.
type cbranch struct {
	rule   *ruleEntry
	fields []*field
	ids    []int32
	anchor int // index into fields of the field filed in the index; -1 if none
}

// NewMatcher returns an empty Matcher.
func NewMatcher() *Matcher {
	m := &Matcher{
		trie:     newPathNode(),
		fieldIDs: map[string]int32{},
		rules:    map[string]*ruleEntry{},
	}
	m.scratch.New = func() any { return &matchScratch{} }
	return m
}

// Len returns the number of rules held.
func (m *Matcher) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.rules)
}

// AddPattern parses src and adds it under id (see Add).
func (m *Matcher) AddPattern(id, src string, opts ...Option) error {
	p, err := Parse(src, opts...)
	if err != nil {
		return err
	}
	m.Add(id, p)
	return nil
}

// Add files p under rule id, replacing any pattern id had.
func (m *Matcher) Add(id string, p *Pattern) {
	if p == nil {
		panic(fmt.Sprintf("pattern: Matcher.Add(%q, nil)", id))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old := m.rules[id]; old != nil {
		m.removeLocked(old)
	}
	r := &ruleEntry{id: id, pattern: p}
	if n := len(m.freeRule); n > 0 {
		r.num = m.freeRule[n-1]
		m.freeRule = m.freeRule[:n-1]
		m.ruleSlots[r.num] = r
	} else {
		r.num = int32(len(m.ruleSlots))
		m.ruleSlots = append(m.ruleSlots, r)
	}
	m.rules[id] = r
	for _, b := range p.branches {
		m.addBranch(r, b)
	}
	m.adds++
	if m.adds >= m.nextRefile {
		m.refile()
		m.nextRefile = max(64, 2*m.adds)
	}
}

// bestAnchor picks the mandatory field of a branch that should produce the
// fewest candidates, or -1 if it has none. self is the branch's id when it
// is already filed.
func (m *Matcher) bestAnchor(cb *cbranch, self int32) (int, float64) {
	best, cost := -1, 0.0
	for i, f := range cb.fields {
		if !f.mandatory() {
			continue
		}
		if c := expectedCandidates(f, m.index[cb.ids[i]], self); best < 0 || c < cost {
			best, cost = i, c
		}
	}
	return best, cost
}

// refile moves branches to a better anchor field once the index has grown:
// early branches were filed when little was known about how values spread.
// It runs each time the number of rules added doubles, so its cost per
// added rule stays constant.
func (m *Matcher) refile() {
	for bid, cb := range m.branches {
		if cb == nil || cb.anchor < 0 {
			continue
		}
		id := int32(bid)
		cur := expectedCandidates(cb.fields[cb.anchor], m.index[cb.ids[cb.anchor]], id)
		best, cost := m.bestAnchor(cb, id)
		if best < 0 || best == cb.anchor || cost > cur/2 {
			continue
		}
		old := cb.fields[cb.anchor]
		pi := m.index[cb.ids[cb.anchor]]
		for i := range old.ops {
			pi.unregister(&old.ops[i], id)
		}
		cb.anchor = best
		m.file(cb, id)
	}
}

// file registers a branch's anchor field in its path index.
func (m *Matcher) file(cb *cbranch, bid int32) {
	id := cb.ids[cb.anchor]
	pi := m.index[id]
	if pi == nil {
		pi = &pathIndex{}
		m.index[id] = pi
	}
	f := cb.fields[cb.anchor]
	for i := range f.ops {
		pi.register(&f.ops[i], bid)
	}
}

func (m *Matcher) fieldID(path string) int32 {
	if id, ok := m.fieldIDs[path]; ok {
		m.fieldRefs[id]++
		return id
	}
	var id int32
	if n := len(m.freeField); n > 0 {
		id = m.freeField[n-1]
		m.freeField = m.freeField[:n-1]
		m.fieldRefs[id] = 1
		m.index[id] = nil
	} else {
		id = int32(len(m.fieldRefs))
		m.fieldRefs = append(m.fieldRefs, 1)
		m.index = append(m.index, nil)
	}
	m.fieldIDs[path] = id
	m.trie.insert(path, id)
	return id
}

func (m *Matcher) releaseField(path string, id int32) {
	m.fieldRefs[id]--
	if m.fieldRefs[id] > 0 {
		return
	}
	delete(m.fieldIDs, path)
	m.trie.remove(path)
	m.index[id] = nil
	m.freeField = append(m.freeField, id)
}

func (m *Matcher) addBranch(r *ruleEntry, b *branch) {
	cb := &cbranch{rule: r, fields: b.fields, anchor: -1}
	for _, f := range b.fields {
		cb.ids = append(cb.ids, m.fieldID(f.path))
	}
	cb.anchor, _ = m.bestAnchor(cb, -1)
	var bid int32
	if n := len(m.freeBranch); n > 0 {
		bid = m.freeBranch[n-1]
		m.freeBranch = m.freeBranch[:n-1]
		m.branches[bid] = cb
	} else {
		bid = int32(len(m.branches))
		m.branches = append(m.branches, cb)
	}
	r.branches = append(r.branches, bid)
	if cb.anchor < 0 {
		m.always = append(m.always, bid)
		return
	}
	m.file(cb, bid)
}

// Remove drops rule id. It reports whether the rule was present.
func (m *Matcher) Remove(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rules[id]
	if r == nil {
		return false
	}
	m.removeLocked(r)
	return true
}

func (m *Matcher) removeLocked(r *ruleEntry) {
	for _, bid := range r.branches {
		cb := m.branches[bid]
		if cb.anchor >= 0 {
			f := cb.fields[cb.anchor]
			pi := m.index[cb.ids[cb.anchor]]
			for i := range f.ops {
				pi.unregister(&f.ops[i], bid)
			}
		} else {
			m.always = slices.DeleteFunc(m.always, func(x int32) bool { return x == bid })
		}
		for i, f := range cb.fields {
			m.releaseField(f.path, cb.ids[i])
		}
		m.branches[bid] = nil
		m.freeBranch = append(m.freeBranch, bid)
	}
	delete(m.rules, r.id)
	m.ruleSlots[r.num] = nil
	m.freeRule = append(m.freeRule, r.num)
}

// Rules returns the ids of all rules held, sorted.
func (m *Matcher) Rules() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	ids := make([]string, 0, len(m.rules))
	for id := range m.rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Pattern returns the pattern filed under id.
func (m *Matcher) Pattern(id string) (*Pattern, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	r := m.rules[id]
	if r == nil {
		return nil, false
	}
	return r.pattern, true
}

// matchScratch is per-call working memory, pooled.
type matchScratch struct {
	ev         evaluator
	gen        uint32
	branchGen  []uint32
	ruleGen    []uint32
	candidates []int32
}

func (s *matchScratch) prepare(branches, rules int) {
	s.gen++
	if s.gen == 0 { // wrapped: clear stamps
		clear(s.branchGen)
		clear(s.ruleGen)
		s.gen = 1
	}
	for len(s.branchGen) < branches {
		s.branchGen = append(s.branchGen, 0)
	}
	for len(s.ruleGen) < rules {
		s.ruleGen = append(s.ruleGen, 0)
	}
	s.candidates = s.candidates[:0]
}

func (s *matchScratch) candidate(b int32) {
	if s.branchGen[b] != s.gen {
		s.branchGen[b] = s.gen
		s.candidates = append(s.candidates, b)
	}
}

func (s *matchScratch) candidates32(list []int32) {
	for _, b := range list {
		s.candidate(b)
	}
}

// Match returns the ids of the rules the event matches, in no particular
// order. The event must be a JSON object (ErrInvalidEvent otherwise); it is
// not retained, but must not change during the call.
func (m *Matcher) Match(event []byte) ([]string, error) {
	return m.MatchAppend(nil, event)
}

// MatchAppend is Match appending to dst, so callers can reuse a slice.
func (m *Matcher) MatchAppend(dst []string, event []byte) ([]string, error) {
	s := m.scratch.Get().(*matchScratch)
	defer m.scratch.Put(s)
	m.mu.RLock()
	defer m.mu.RUnlock()
	sc := &s.ev.sc
	if !sc.scan(event, m.trie, len(m.fieldRefs)) {
		return dst, ErrInvalidEvent
	}
	s.prepare(len(m.branches), len(m.ruleSlots))
	for li := range sc.leaves {
		l := &sc.leaves[li]
		if pi := m.index[l.field]; pi != nil {
			m.lookup(s, pi, l)
		}
	}
	s.candidates32(m.always)
	for _, b := range s.candidates {
		cb := m.branches[b]
		r := cb.rule
		if s.ruleGen[r.num] == s.gen {
			continue
		}
		if s.ev.branchMatches(cb.fields, cb.ids) {
			s.ruleGen[r.num] = s.gen
			dst = append(dst, r.id)
		}
	}
	return dst, nil
}

// lookup adds the branches whose anchor the leaf may satisfy.
func (m *Matcher) lookup(s *matchScratch, pi *pathIndex, l *leaf) {
	switch l.kind {
	case kindString:
		if pi.exact != nil {
			s.candidates32(pi.exact[l.str])
		}
		if !pi.prefix.empty() {
			affixLookup(s, &pi.prefix, l.str, true, l.str)
		}
		if !pi.suffix.empty() {
			affixLookup(s, &pi.suffix, l.str, false, l.str)
		}
		if pi.needFold {
			f := l.fold(&s.ev.sc)
			if pi.fold != nil {
				s.candidates32(pi.fold[f])
			}
			affixLookup(s, &pi.prefixFold, f, true, l.str)
			affixLookup(s, &pi.suffixFold, f, false, l.str)
		}
	case kindNumber:
		if len(pi.numKeys) > 0 {
			// Only numbers close to a filed one can equal it.
			if a, exact, ok := l.approx(); ok && pi.nearKey(a) {
				if !exact {
					a, _ = l.number()
				}
				s.candidates32(pi.numbers[a])
			}
		}
		if len(pi.ranges) > 0 {
			pi.rangeLookup(s, l)
		}
	default:
		s.candidates32(pi.literals[l.kind])
	}
	for i := range pi.scanned {
		so := &pi.scanned[i]
		if s.branchGen[so.branch] != s.gen && so.op.matches(&s.ev.sc, l) {
			s.candidate(so.branch)
		}
	}
}

func affixLookup(s *matchScratch, a *affixIndex, v string, prefix bool, original string) {
	for _, n := range a.lens {
		if n > len(v) {
			break
		}
		key := v[:n]
		if !prefix {
			key = v[len(v)-n:]
		}
		for _, e := range a.m[key] {
			if e.wc == nil || e.wc.match(original) {
				s.candidate(e.branch)
			}
		}
	}
}
