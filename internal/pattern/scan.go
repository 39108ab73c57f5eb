package pattern

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
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
	s      string
	b      []byte // the same bytes as s
	pos    int
	depth  int
	arrays int32

	leaves  []leaf
	frames  []frame
	cur     int32   // frame of the element being read, or -1
	heads   []int32 // per field id: first leaf, or -1
	touched []int32 // field ids whose head is set
	ips     [][16]byte
	arena   []byte // folded strings; reset per event
	bad     bool
}

const maxDepth = 10000

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
	sc.depth = 0
	sc.bad = false
}

// scan flattens event along trie. It reports false if the event is not a
// JSON object (or is malformed where it was read).
func (sc *scanner) scan(event []byte, trie *pathNode, fields int) bool {
	sc.reset(fields)
	sc.s = unsafe.String(unsafe.SliceData(event), len(event))
	sc.b = event
	sc.pos = 0
	sc.ws()
	if sc.pos >= len(sc.s) || sc.s[sc.pos] != '{' {
		return false
	}
	sc.value(trie)
	if sc.bad {
		return false
	}
	sc.ws()
	return sc.pos == len(sc.s)
}

func (sc *scanner) ws() {
	s := sc.s
	for sc.pos < len(s) {
		switch s[sc.pos] {
		case ' ', '\t', '\n', '\r':
			sc.pos++
		default:
			return
		}
	}
}

func (sc *scanner) fail() { sc.bad = true; sc.pos = len(sc.s) }

// value reads one value at the current position for trie node n (nil: not
// wanted, skip it).
func (sc *scanner) value(n *pathNode) {
	if n == nil {
		sc.skip()
		return
	}
	s := sc.s
	if sc.pos >= len(s) {
		sc.fail()
		return
	}
	switch c := s[sc.pos]; {
	case c == '{':
		if len(n.children) == 0 {
			sc.skip()
			return
		}
		sc.object(n)
	case c == '[':
		sc.array(n)
	case c == '"':
		str, ok := sc.str()
		if !ok {
			sc.fail()
			return
		}
		if n.field >= 0 {
			sc.add(n.field, kindString, str)
		}
	case c == '-' || (c >= '0' && c <= '9'):
		start := sc.pos
		sc.number()
		if n.field >= 0 {
			sc.add(n.field, kindNumber, s[start:sc.pos])
		}
	case c == 't':
		sc.word("true", n, kindTrue)
	case c == 'f':
		sc.word("false", n, kindFalse)
	case c == 'n':
		sc.word("null", n, kindNull)
	default:
		sc.fail()
	}
}

func (sc *scanner) word(w string, n *pathNode, k valueKind) {
	if !strings.HasPrefix(sc.s[sc.pos:], w) {
		sc.fail()
		return
	}
	sc.pos += len(w)
	if n.field >= 0 {
		sc.add(n.field, k, w)
	}
}

func (sc *scanner) add(field int32, k valueKind, str string) {
	l := leaf{field: field, kind: k, str: str, next: sc.heads[field], frame: sc.cur}
	if l.next < 0 {
		sc.touched = append(sc.touched, field)
	}
	sc.heads[field] = int32(len(sc.leaves))
	sc.leaves = append(sc.leaves, l)
}

func (sc *scanner) object(n *pathNode) {
	s := sc.s
	sc.depth++
	if sc.depth > maxDepth {
		sc.fail()
		return
	}
	sc.pos++ // '{'
	sc.ws()
	if sc.pos < len(s) && s[sc.pos] == '}' {
		sc.pos++
		sc.depth--
		return
	}
	for sc.pos < len(s) {
		if s[sc.pos] != '"' {
			sc.fail()
			return
		}
		key, ok := sc.str()
		if !ok {
			sc.fail()
			return
		}
		sc.ws()
		if sc.pos >= len(s) || s[sc.pos] != ':' {
			sc.fail()
			return
		}
		sc.pos++
		sc.ws()
		sc.value(n.child(key))
		sc.ws()
		if sc.pos >= len(s) {
			break
		}
		switch s[sc.pos] {
		case ',':
			sc.pos++
			sc.ws()
		case '}':
			sc.pos++
			sc.depth--
			return
		default:
			sc.fail()
			return
		}
	}
	sc.fail()
}

func (sc *scanner) array(n *pathNode) {
	s := sc.s
	sc.depth++
	if sc.depth > maxDepth {
		sc.fail()
		return
	}
	sc.pos++ // '['
	sc.ws()
	if sc.pos < len(s) && s[sc.pos] == ']' {
		sc.pos++
		sc.depth--
		return
	}
	id := sc.arrays
	sc.arrays++
	parent := sc.cur
	defer func() { sc.cur = parent }()
	for idx := int32(0); sc.pos < len(s); idx++ {
		// Only arrays on wanted paths get frames, and only the leaves
		// record them.
		sc.cur = int32(len(sc.frames))
		sc.frames = append(sc.frames, frame{pos: arrayPos{array: id, index: idx}, parent: parent})
		sc.value(n)
		sc.ws()
		if sc.pos >= len(s) {
			break
		}
		switch s[sc.pos] {
		case ',':
			sc.pos++
			sc.ws()
		case ']':
			sc.pos++
			sc.depth--
			return
		default:
			sc.fail()
			return
		}
	}
	sc.fail()
}

// str reads a string at the opening quote and returns its content,
// unescaped.
func (sc *scanner) str() (string, bool) {
	start := sc.pos + 1
	end := quoteOrBackslash(sc.b, start)
	if end >= len(sc.b) {
		return "", false
	}
	if sc.b[end] == '"' {
		sc.pos = end + 1
		return sc.s[start:end], true
	}
	return sc.escapedStr(start)
}

func (sc *scanner) escapedStr(start int) (string, bool) {
	s := sc.s
	var b []byte
	i := start
	for i < len(s) {
		c := s[i]
		if c == '"' {
			sc.pos = i + 1
			return string(b), true
		}
		if c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(s) {
			return "", false
		}
		e := s[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r1, ok := hex4(s, i)
			if !ok {
				return "", false
			}
			i += 4
			r := rune(r1)
			if utf16.IsSurrogate(r) && i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
				if r2, ok := hex4(s, i+2); ok {
					if d := utf16.DecodeRune(r, rune(r2)); d != utf8.RuneError {
						r = d
						i += 6
					}
				}
			}
			b = utf8.AppendRune(b, r)
		default:
			return "", false
		}
	}
	return "", false
}

func hex4(s string, i int) (uint16, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var v uint16
	for k := 0; k < 4; k++ {
		c := s[i+k]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint16(d)
	}
	return v, true
}

func (sc *scanner) number() {
	s := sc.s
	i := sc.pos
	for i < len(s) {
		c := s[i]
		if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			i++
			continue
		}
		break
	}
	sc.pos = i
}

// skip passes over one value without looking inside it.
func (sc *scanner) skip() {
	s := sc.s
	if sc.pos >= len(s) {
		sc.fail()
		return
	}
	switch c := s[sc.pos]; {
	case c == '"':
		if _, ok := sc.skipStr(); !ok {
			sc.fail()
		}
	case c == '{' || c == '[':
		sc.skipContainer()
	case c == '-' || (c >= '0' && c <= '9'):
		sc.number()
	case c == 't':
		sc.skipWord("true")
	case c == 'f':
		sc.skipWord("false")
	case c == 'n':
		sc.skipWord("null")
	default:
		sc.fail()
	}
}

func (sc *scanner) skipWord(w string) {
	if !strings.HasPrefix(sc.s[sc.pos:], w) {
		sc.fail()
		return
	}
	sc.pos += len(w)
}

// skipStr moves past a string starting at its opening quote.
func (sc *scanner) skipStr() (int, bool) {
	s := sc.s
	i := sc.pos + 1
	for {
		q := strings.IndexByte(s[i:], '"')
		if q < 0 {
			return 0, false
		}
		end := i + q
		// Count the backslashes just before the quote: an odd number
		// escapes it.
		bs := 0
		for k := end - 1; k >= i && s[k] == '\\'; k-- {
			bs++
		}
		if bs%2 == 0 {
			sc.pos = end + 1
			return end, true
		}
		i = end + 1
	}
}

// skipContainer moves past an object or array, tracking only nesting and
// strings. It does not validate what it skips.
func (sc *scanner) skipContainer() {
	b := sc.b
	depth := 0
	i := sc.pos
	for {
		i = structural(b, i)
		if i >= len(b) {
			sc.fail()
			return
		}
		switch b[i] {
		case '"':
			sc.pos = i
			if _, ok := sc.skipStr(); !ok {
				sc.fail()
				return
			}
			i = sc.pos
			continue
		case '{', '[':
			depth++
			if depth > maxDepth {
				sc.fail()
				return
			}
		default:
			depth--
			if depth == 0 {
				sc.pos = i + 1
				return
			}
		}
		i++
	}
}

func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
