package pattern

import (
	"fmt"
	"sort"
	"strings"
)

// wildcard is a compiled wildcard pattern: literal parts separated by '*'.
// A pattern without '*' has one part and matches only that string.
type wildcard struct {
	src   string   // the pattern as written (escapes intact)
	parts []string // literal parts; len(parts) == stars+1
}

// parseWildcard validates a wildcard value and compiles it. Errors use
// EventBridge's texts, whose positions count bytes of the value with a
// leading quote ("Consecutive wildcard characters at pos 26").
func parseWildcard(s string) (*wildcard, string) {
	w := &wildcard{src: s}
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '*':
			if i+1 < len(s) && s[i+1] == '*' {
				return nil, fmt.Sprintf("Consecutive wildcard characters at pos %d", i+1)
			}
			w.parts = append(w.parts, cur.String())
			cur.Reset()
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '\\') {
				cur.WriteByte(s[i+1])
				i++
				continue
			}
			return nil, fmt.Sprintf("Invalid escape character at pos %d", i+1)
		default:
			cur.WriteByte(c)
		}
	}
	w.parts = append(w.parts, cur.String())
	return w, ""
}

// match reports whether s matches the wildcard. '*' matches any run of
// bytes, including none. Leftmost placement of the middle parts is optimal
// for patterns made only of '*' and literals, so this runs in linear time.
func (w *wildcard) match(s string) bool {
	p := w.parts
	if len(p) == 1 {
		return s == p[0]
	}
	if !strings.HasPrefix(s, p[0]) {
		return false
	}
	s = s[len(p[0]):]
	last := p[len(p)-1]
	for _, mid := range p[1 : len(p)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}

// Wildcard complexity. EventBridge refuses a pattern whose wildcards on one
// field could keep too many partial matches alive at once for some input
// ("Rule is too complex - try using fewer wildcard characters or fewer
// repeating character sequences after a wildcard character"). We measure it
// the way EventBridge's matcher does: all the field's wildcard values
// (wrapped in quotes, as they are matched) form one automaton whose
// literal prefixes, up to and including the first '*', are shared; every
// '*' adds a looping state after the state that precedes it. For each set
// of states some input can reach, the cost is the number of wildcard
// values reachable from each live state, plus those reachable from the
// looping state of a live pre-'*' state. The pattern is refused when that
// cost reaches the limit for some input.

// DefaultWildcardComplexity is the cost at which a field's wildcards are
// refused. It reproduces EventBridge's decisions on the recorded cases:
// "*:*:*:*:*:event-bus/*" is refused, "arn:aws:events:us-east-1:*:event-bus/*"
// and "/Users/*/dir/dir/dir/dir/dir/doc.txt" are accepted.
const DefaultWildcardComplexity = 10

type wcState struct {
	lit    map[byte][]int // literal transitions
	any    int            // looping state entered on any byte, or 0
	weight map[int]bool   // wildcard values reachable from here
	loop   bool           // this is a '*' state: it stays on any byte
}

// wildcardComplexity returns the largest cost over reachable state sets,
// stopping early once it reaches limit.
func wildcardComplexity(ws []*wildcard, limit int) int {
	states := []wcState{{}} // 0 is the start; also "none" for any
	newState := func() int {
		states = append(states, wcState{})
		return len(states) - 1
	}
	addLit := func(from int, c byte, to int) {
		if states[from].lit == nil {
			states[from].lit = map[byte][]int{}
		}
		states[from].lit[c] = append(states[from].lit[c], to)
	}
	alphabet := map[byte]bool{}
	for pi, w := range ws {
		toks := wildcardTokens(w)
		cur := 0
		shared := true
		var loops []int // looping states that may also take the next literal
		for _, tk := range toks {
			if tk == starTok {
				var st int
				if shared && states[cur].any != 0 {
					st = states[cur].any
				} else {
					st = newState()
					states[st].loop = true
					states[cur].any = st
				}
				states[st].mark(pi)
				loops = []int{cur, st}
				cur = st
				shared = false
				continue
			}
			c := byte(tk)
			alphabet[c] = true
			next := 0
			if shared {
				for _, n := range states[cur].lit[c] {
					next = n
				}
			}
			if next == 0 {
				next = newState()
				if loops != nil {
					for _, from := range loops {
						addLit(from, c, next)
					}
				} else {
					addLit(cur, c, next)
				}
			}
			loops = nil
			states[next].mark(pi)
			cur = next
		}
	}
	letters := []int{-1}
	for c := range alphabet {
		letters = append(letters, int(c))
	}
	sort.Ints(letters)
	cost := func(set []int) int {
		in := map[int]bool{}
		for _, s := range set {
			in[s] = true
		}
		n := 0
		for _, s := range set {
			if len(states[s].lit) == 0 && states[s].any == 0 && !states[s].loop {
				continue // the end of a value: a match, not a live state
			}
			n += len(states[s].weight)
			if a := states[s].any; a != 0 && !in[a] {
				n += len(states[a].weight)
			}
		}
		return n
	}
	start := []int{0}
	seen := map[string]bool{fmt.Sprint(start): true}
	queue := [][]int{start}
	best := 0
	const maxSets = 20000
	for len(queue) > 0 && len(seen) < maxSets {
		cur := queue[0]
		queue = queue[1:]
		for _, c := range letters {
			nextSet := map[int]bool{}
			for _, s := range cur {
				st := &states[s]
				if st.loop {
					nextSet[s] = true
				}
				if st.any != 0 {
					nextSet[st.any] = true
				}
				if c >= 0 {
					for _, n := range st.lit[byte(c)] {
						nextSet[n] = true
					}
				}
			}
			if len(nextSet) == 0 {
				continue
			}
			next := make([]int, 0, len(nextSet))
			for s := range nextSet {
				next = append(next, s)
			}
			sort.Ints(next)
			if n := cost(next); n > best {
				best = n
				if best >= limit {
					return best
				}
			}
			k := fmt.Sprint(next)
			if !seen[k] {
				seen[k] = true
				queue = append(queue, next)
			}
		}
	}
	return best
}

func (s *wcState) mark(pattern int) {
	if s.weight == nil {
		s.weight = map[int]bool{}
	}
	s.weight[pattern] = true
}

const starTok = 256

// wildcardTokens spells a wildcard as it is matched: quoted, with '*' as
// starTok and escapes resolved.
func wildcardTokens(w *wildcard) []int {
	toks := []int{'"'}
	for i, part := range w.parts {
		if i > 0 {
			toks = append(toks, starTok)
		}
		for j := 0; j < len(part); j++ {
			toks = append(toks, int(part[j]))
		}
	}
	return append(toks, '"')
}
