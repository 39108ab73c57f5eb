package transform

import "github.com/switchyard/switchyard/internal/pattern/jsonscan"

// The paths a Transformer reads are merged into one tree (a trie over path
// steps), so an event is scanned once whatever the number of paths: at
// each object or array only the members some path continues into are
// entered, the rest are skipped without decoding.

type node struct {
	names    map[string]*node
	indexes  map[int]*node // may hold negative indexes (from the end)
	wildcard *node
	slots    []int // paths that end here
	// sub lists the single-value slots at or below this node: they are
	// cleared when a repeated member name is entered again, so the last
	// member wins as in Jackson (lists, only reached through wildcards,
	// keep every match).
	sub    []int
	hasNeg bool
}

func (n *node) leaf() bool { return n.names == nil && n.indexes == nil && n.wildcard == nil }

// tree is the merged set of paths, each path one slot.
type tree struct {
	root  node
	many  []bool // per slot: a wildcard path, the result is a list
	slots map[string]int
}

// add files p and returns its slot; equal paths share a slot.
func (t *tree) add(p *path) int {
	k := p.key()
	if s, ok := t.slots[k]; ok {
		return s
	}
	if t.slots == nil {
		t.slots = map[string]int{}
	}
	slot := len(t.many)
	t.slots[k] = slot
	t.many = append(t.many, p.many)
	n := &t.root
	for _, s := range p.steps {
		if !p.many {
			n.sub = append(n.sub, slot)
		}
		var next *node
		switch s.kind {
		case stepName:
			if n.names == nil {
				n.names = map[string]*node{}
			}
			if next = n.names[s.name]; next == nil {
				next = &node{}
				n.names[s.name] = next
			}
		case stepIndex:
			if n.indexes == nil {
				n.indexes = map[int]*node{}
			}
			if next = n.indexes[s.index]; next == nil {
				next = &node{}
				n.indexes[s.index] = next
			}
			if s.index < 0 {
				n.hasNeg = true
			}
		case stepWild:
			if next = n.wildcard; next == nil {
				next = &node{}
				n.wildcard = next
			}
		}
		n = next
	}
	n.slots = append(n.slots, slot)
	if !p.many {
		n.sub = append(n.sub, slot)
	}
	return slot
}

// span locates a value in the event: event[start:end].
type span struct{ start, end int }

// found holds what one scan found, per slot. A single-value slot uses
// one[slot] (start < 0 when the path selected nothing); a list slot
// appends to list[slot].
type found struct {
	one     []span
	list    [][]span
	scratch []byte
}

func (f *found) reset(n int) {
	if cap(f.one) < n {
		f.one = make([]span, n)
		f.list = make([][]span, n)
	}
	f.one = f.one[:n]
	f.list = f.list[:n]
	for i := range f.one {
		f.one[i] = span{-1, -1}
		f.list[i] = f.list[i][:0]
	}
}

// scan walks event once, checking all of it, and records every slot's
// value.
func (t *tree) scan(event []byte, f *found) error {
	f.reset(len(t.many))
	var r jsonscan.Reader
	r.Reset(event)
	t.walk(&r, &t.root, f)
	r.End()
	if err := r.Err(); err != nil {
		return syntaxErr(err)
	}
	return nil
}

func (t *tree) record(n *node, f *found, start, end int) {
	for _, s := range n.slots {
		if t.many[s] {
			f.list[s] = append(f.list[s], span{start, end})
		} else {
			f.one[s] = span{start, end} // a repeated member: the last one wins, as in Jackson
		}
	}
}

// walk reads the next value under node n.
func (t *tree) walk(r *jsonscan.Reader, n *node, f *found) {
	start := r.Pos()
	k := r.Peek()
	if n.leaf() || k != jsonscan.Object && k != jsonscan.Array {
		if _, end, ok := r.Skip(); ok {
			t.record(n, f, start, end)
		}
		return
	}
	if k == jsonscan.Object {
		r.Object()
		for r.Member() {
			var child *node
			if n.names != nil {
				if raw, escaped := r.Name(); escaped {
					f.scratch = jsonscan.AppendUnescaped(f.scratch[:0], raw)
					child = n.names[string(f.scratch)]
				} else {
					child = n.names[string(raw)]
				}
				if child != nil {
					for _, s := range child.sub {
						f.one[s] = span{-1, -1}
					}
				}
			}
			t.member(r, n, child, f)
		}
	} else {
		var length int
		if n.hasNeg {
			probe := *r
			if length = arrayLen(&probe); probe.Failed() {
				*r = probe
				return
			}
		}
		r.Array()
		for i := 0; r.Element(); i++ {
			var child *node
			if n.indexes != nil {
				if child = n.indexes[i]; child == nil && n.hasNeg {
					child = n.indexes[i-length]
				}
			}
			t.member(r, n, child, f)
		}
	}
	if !r.Failed() {
		t.record(n, f, start, r.TokenEnd())
	}
}

// member reads a member or element of a container under node n; child is
// the node its name or index leads to, if any.
func (t *tree) member(r *jsonscan.Reader, n, child *node, f *found) {
	switch {
	case child != nil && n.wildcard != nil:
		// Both select this value: walk it twice.
		probe := *r
		if t.walk(&probe, child, f); probe.Failed() {
			*r = probe
			return
		}
		t.walk(r, n.wildcard, f)
	case child != nil:
		t.walk(r, child, f)
	case n.wildcard != nil:
		t.walk(r, n.wildcard, f)
	default:
		r.Skip()
	}
}

// arrayLen counts the elements of the array r is at, reading past it.
func arrayLen(r *jsonscan.Reader) int {
	n := 0
	for r.Array(); r.Element(); n++ {
		r.Skip()
	}
	return n
}
