package pattern

import (
	"slices"
	"sync"
)

// evaluator checks branches against the leaves a scanner found. Fields are
// addressed by id: a Pattern uses its own ids (field.local), a Matcher its
// shared ones.
type evaluator struct {
	sc   scanner
	cand []int32 // matching leaves, field after field
	offs []int   // start of each field's run in cand, plus the end
	runs []run   // constrained fields' runs, fewest candidates first
	// consistency search state
	assign []arrayPos
	steps  int
}

// maxConsistencySteps bounds the search for an array-consistent choice of
// values. Events that would need more are reported as not matching.
const maxConsistencySteps = 1 << 24

var evaluatorPool = sync.Pool{New: func() any { return new(evaluator) }}

// matchField collects the leaves that satisfy f. present reports whether the
// path had any leaf at all.
func (e *evaluator) matchField(f *field, id int32) (present bool) {
	sc := &e.sc
	h := sc.heads[id]
	for li := h; li >= 0; li = sc.leaves[li].next {
		l := &sc.leaves[li]
		for i := range f.ops {
			if f.ops[i].matches(sc, l) {
				e.cand = append(e.cand, li)
				break
			}
		}
	}
	return h >= 0
}

// branchMatches reports whether every field of the branch is satisfied by
// array-consistent values. ids[i] is the field id of fields[i].
func (e *evaluator) branchMatches(fields []*field, ids []int32) bool {
	e.cand = e.cand[:0]
	e.offs = e.offs[:0]
	constrained := 0
	for i, f := range fields {
		start := len(e.cand)
		e.offs = append(e.offs, start)
		present := e.matchField(f, ids[i])
		if len(e.cand) == start {
			if present || !f.absent {
				return false
			}
			continue // satisfied by absence
		}
		// A field that can use a value outside every array constrains
		// nothing; otherwise its choice must agree with the others.
		free := false
		for _, li := range e.cand[start:] {
			if e.sc.leaves[li].frame < 0 {
				free = true
				break
			}
		}
		if free {
			e.cand = e.cand[:start]
		} else {
			constrained++
		}
	}
	e.offs = append(e.offs, len(e.cand))
	if constrained < 2 {
		return true
	}
	// Try the most constrained fields first: their few choices prune the
	// others' candidates at once.
	e.runs = e.runs[:0]
	for k := 0; k+1 < len(e.offs); k++ {
		if e.offs[k] < e.offs[k+1] {
			e.runs = append(e.runs, run{e.offs[k], e.offs[k+1]})
		}
	}
	slices.SortFunc(e.runs, func(a, b run) int { return (a.end - a.start) - (b.end - b.start) })
	e.assign = e.assign[:0]
	e.steps = 0
	return e.consistent(0)
}

type run struct{ start, end int }

// consistent searches for one value per constrained field such that no two
// chosen values sit in different elements of the same array.
func (e *evaluator) consistent(k int) bool {
	if k >= len(e.runs) {
		return true
	}
	mark := len(e.assign)
	for _, li := range e.cand[e.runs[k].start:e.runs[k].end] {
		e.steps++
		if e.steps > maxConsistencySteps {
			return false
		}
		l := &e.sc.leaves[li]
		start := len(e.assign)
		for f := l.frame; f >= 0; f = e.sc.frames[f].parent {
			e.assign = append(e.assign, e.sc.frames[f].pos)
		}
		if !e.compatible(e.assign[start:], mark) {
			e.assign = e.assign[:mark]
			continue
		}
		if e.consistent(k + 1) {
			return true
		}
		e.assign = e.assign[:mark]
	}
	return false
}

func (e *evaluator) compatible(trail []arrayPos, n int) bool {
	for _, p := range trail {
		for _, q := range e.assign[:n] {
			if p.array == q.array && p.index != q.index {
				return false
			}
		}
	}
	return true
}

// Match reports whether the event matches the pattern. The event must be a
// JSON object; anything else returns ErrInvalidEvent.
func (p *Pattern) Match(event []byte) (bool, error) {
	e := evaluatorPool.Get().(*evaluator)
	defer evaluatorPool.Put(e)
	if !e.sc.scan(event, p.trie, len(p.paths)) {
		return false, ErrInvalidEvent
	}
	for _, b := range p.branches {
		if e.branchMatches(b.fields, b.locals) {
			return true, nil
		}
	}
	return false, nil
}
