package pattern

import (
	"strings"
	"unsafe"

	"github.com/switchyard/switchyard/internal/pattern/jsonscan"
)

// pathNode is a trie of the field paths rules constrain, one level per
// dot-separated segment. The event scanner walks it alongside the event and
// skips every part of the event no rule looks at. Because paths are split on
// every dot on both sides, {"a": {"b": 1}} and {"a.b": 1} reach the same
// node, as in EventBridge.
type pathNode struct {
	children map[string]*pathNode
	field    int32 // field id whose values live here, or -1
	refs     int32 // number of fields at or below this node
}

func newPathNode() *pathNode { return &pathNode{field: -1} }

func (n *pathNode) insert(path string, id int32) {
	cur := n
	cur.refs++
	for _, seg := range strings.Split(path, ".") {
		next := cur.children[seg]
		if next == nil {
			if cur.children == nil {
				cur.children = map[string]*pathNode{}
			}
			next = newPathNode()
			cur.children[seg] = next
		}
		next.refs++
		cur = next
	}
	cur.field = id
}

// remove drops one reference along path, pruning nodes no path uses.
func (n *pathNode) remove(path string) {
	segs := strings.Split(path, ".")
	nodes := make([]*pathNode, 0, len(segs)+1)
	cur := n
	nodes = append(nodes, cur)
	for _, seg := range segs {
		cur = cur.children[seg]
		if cur == nil {
			return
		}
		nodes = append(nodes, cur)
	}
	cur.field = -1
	for i := len(nodes) - 1; i >= 0; i-- {
		nodes[i].refs--
		if i > 0 && nodes[i].refs == 0 {
			delete(nodes[i-1].children, segs[i-1])
		}
	}
}

// child follows an event key, which may itself contain dots.
func (n *pathNode) child(key string) *pathNode {
	if len(n.children) == 0 {
		return nil
	}
	if c := n.children[key]; c != nil {
		return c // segments never contain dots
	}
	if strings.IndexByte(key, '.') < 0 {
		return nil
	}
	cur := n
	for {
		i := strings.IndexByte(key, '.')
		seg := key
		if i >= 0 {
			seg = key[:i]
		}
		cur = cur.children[seg]
		if cur == nil || i < 0 {
			return cur
		}
		key = key[i+1:]
	}
}

// arrayPos says a value is inside element index of array number array.
type arrayPos struct{ array, index int32 }

// frame is one array element being read: its position and the enclosing
// element's frame (-1 at the outermost array).
type frame struct {
	pos    arrayPos
	parent int32
}

// scanner flattens the parts of an event that a trie asks for into leaves.
// It is reused across events; nothing it holds escapes a match.
type scanner struct {
	r      jsonscan.Reader
	arrays int32

	leaves  []leaf
	frames  []frame
	cur     int32   // frame of the element being read, or -1
	heads   []int32 // per field id: first leaf, or -1
	touched []int32 // field ids whose head is set
	ips     [][16]byte
	arena   []byte // unescaped and folded strings; reset per event
	key     []byte // the member name being looked up, unescaped
}

func (sc *scanner) reset(fields int) {
	for _, f := range sc.touched {
		sc.heads[f] = -1
	}
	sc.touched = sc.touched[:0]
	for len(sc.heads) < fields {
		sc.heads = append(sc.heads, -1)
	}
	sc.leaves = sc.leaves[:0]
	sc.frames = sc.frames[:0]
	sc.cur = -1
	sc.ips = sc.ips[:0]
	sc.arena = sc.arena[:0]
	sc.arrays = 0
}

// scan flattens event along trie. It reports false if the event is not a
// JSON object, or is not valid JSON where it was read: values on the paths
// of trie are checked in full, the rest only for where they end
// (jsonscan.SkipFast).
func (sc *scanner) scan(event []byte, trie *pathNode, fields int) bool {
	sc.reset(fields)
	sc.r.Reset(event)
	if sc.r.Peek() != jsonscan.Object {
		return false
	}
	sc.value(trie)
	return sc.r.End()
}

// value reads one value for trie node n (nil: not wanted, skip it).
func (sc *scanner) value(n *pathNode) {
	r := &sc.r
	if n == nil {
		r.SkipFast()
		return
	}
	switch r.Peek() {
	case jsonscan.Object:
		if len(n.children) == 0 {
			r.SkipFast()
			return
		}
		sc.object(n)
	case jsonscan.Array:
		sc.array(n)
	case jsonscan.String:
		raw, escaped, ok := r.String()
		if ok && n.field >= 0 {
			var str string
			if escaped {
				start := len(sc.arena)
				sc.arena = jsonscan.AppendUnescaped(sc.arena, raw)
				// The string keeps its backing array alive even if the
				// arena grows.
				str = unsafeString(sc.arena[start:])
			} else {
				str = unsafeString(raw)
			}
			sc.add(n.field, kindString, str)
		}
	case jsonscan.Number:
		// Numbers fill arrays of coordinates and the like: scanning them
		// directly spares the Reader's call per number.
		b, start := r.Bytes(), r.Pos()
		end, _, code := jsonscan.ScanNumber(b, start)
		if code != jsonscan.OK {
			r.Fail(code, end)
			return
		}
		r.Advance(end)
		if n.field >= 0 {
			sc.add(n.field, kindNumber, unsafeString(b[start:end]))
		}
	case jsonscan.True, jsonscan.False, jsonscan.Null:
		k, ok := r.Literal()
		if ok && n.field >= 0 {
			sc.add(n.field, literalKinds[k], literalTexts[k])
		}
	default:
		r.Fail(jsonscan.Unexpected, r.Pos())
	}
}

var (
	literalKinds = [...]valueKind{jsonscan.True: kindTrue, jsonscan.False: kindFalse, jsonscan.Null: kindNull}
	literalTexts = [...]string{jsonscan.True: "true", jsonscan.False: "false", jsonscan.Null: "null"}
)

func (sc *scanner) add(field int32, k valueKind, str string) {
	l := leaf{field: field, kind: k, str: str, next: sc.heads[field], frame: sc.cur}
	if l.next < 0 {
		sc.touched = append(sc.touched, field)
	}
	sc.heads[field] = int32(len(sc.leaves))
	sc.leaves = append(sc.leaves, l)
}

func (sc *scanner) object(n *pathNode) {
	r := &sc.r
	if !r.Object() {
		return
	}
	for r.Member() {
		raw, escaped := r.Name()
		key := unsafeString(raw)
		if escaped {
			sc.key = jsonscan.AppendUnescaped(sc.key[:0], raw)
			key = unsafeString(sc.key)
		}
		sc.value(n.child(key))
	}
}

func (sc *scanner) array(n *pathNode) {
	r := &sc.r
	if !r.Array() {
		return
	}
	id := sc.arrays
	sc.arrays++
	parent := sc.cur
	for idx := int32(0); r.Element(); idx++ {
		// Only arrays on wanted paths get frames, and only the leaves
		// record them.
		sc.cur = int32(len(sc.frames))
		sc.frames = append(sc.frames, frame{pos: arrayPos{array: id, index: idx}, parent: parent})
		sc.value(n)
	}
	sc.cur = parent
}

func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
