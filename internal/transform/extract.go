package transform

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

// scan walks event once and records every slot's value.
func (t *tree) scan(event []byte, f *found) error {
	f.reset(len(t.many))
	i := skipSpace(event, 0)
	end, err := t.walk(event, i, &t.root, f, 0)
	if err != nil {
		return err
	}
	if skipSpace(event, end) != len(event) {
		return &syntaxError{end, "data after the event"}
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

// walk scans the value at event[i] under node n and returns its end.
func (t *tree) walk(event []byte, i int, n *node, f *found, depth int) (int, error) {
	if n.leaf() || i >= len(event) || (event[i] != '{' && event[i] != '[') {
		end, err := valueEnd(event, i)
		if err == nil {
			t.record(n, f, i, end)
		}
		return end, err
	}
	if depth >= maxDepth {
		return i, &syntaxError{i, "nesting too deep"}
	}
	start := i
	obj := event[i] == '{'
	closer := byte(']')
	if obj {
		closer = '}'
	}
	var length int
	if !obj && n.hasNeg {
		var err error
		if length, err = arrayLen(event, i); err != nil {
			return i, err
		}
	}
	i = skipSpace(event, i+1)
	if i < len(event) && event[i] == closer {
		t.record(n, f, start, i+1)
		return i + 1, nil
	}
	for k := 0; ; k++ {
		var child *node
		if obj {
			if i >= len(event) || event[i] != '"' {
				return i, &syntaxError{i, "expected a member name"}
			}
			kend, escaped, err := stringEnd(event, i)
			if err != nil {
				return kend, err
			}
			if n.names != nil {
				if escaped {
					f.scratch = appendUnquoted(f.scratch[:0], event[i:kend])
					child = n.names[string(f.scratch)]
				} else {
					child = n.names[string(event[i+1:kend-1])]
				}
				if child != nil {
					for _, s := range child.sub {
						f.one[s] = span{-1, -1}
					}
				}
			}
			i = skipSpace(event, kend)
			if i >= len(event) || event[i] != ':' {
				return i, &syntaxError{i, "expected ':'"}
			}
			i = skipSpace(event, i+1)
		} else if n.indexes != nil {
			child = n.indexes[k]
			if child == nil && n.hasNeg {
				child = n.indexes[k-length]
			}
		}
		var end int
		var err error
		switch {
		case child != nil:
			end, err = t.walk(event, i, child, f, depth+1)
			if err == nil && n.wildcard != nil {
				_, err = t.walk(event, i, n.wildcard, f, depth+1)
			}
		case n.wildcard != nil:
			end, err = t.walk(event, i, n.wildcard, f, depth+1)
		default:
			end, err = valueEndDepth(event, i, depth+1)
		}
		if err != nil {
			return end, err
		}
		i = skipSpace(event, end)
		if i >= len(event) {
			return i, &syntaxError{i, "unexpected end of input"}
		}
		switch event[i] {
		case ',':
			i = skipSpace(event, i+1)
		case closer:
			t.record(n, f, start, i+1)
			return i + 1, nil
		default:
			return i, &syntaxError{i, "expected ',' or a closing bracket"}
		}
	}
}

// arrayLen counts the elements of the array at event[i].
func arrayLen(event []byte, i int) (int, error) {
	i = skipSpace(event, i+1)
	if i < len(event) && event[i] == ']' {
		return 0, nil
	}
	for n := 1; ; n++ {
		end, err := valueEnd(event, i)
		if err != nil {
			return 0, err
		}
		i = skipSpace(event, end)
		if i < len(event) && event[i] == ',' {
			i = skipSpace(event, i+1)
			continue
		}
		return n, nil // the walk reports any syntax error
	}
}
