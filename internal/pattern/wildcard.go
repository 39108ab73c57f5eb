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

func (w *wildcard) stars() int { return len(w.parts) - 1 }

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

// Wildcard complexity. EventBridge refuses patterns whose wildcards on one
// field could keep too many matching states alive at once for some input
// ("Rule is too complex - try using fewer wildcard characters or fewer
// repeating character sequences after a wildcard character"). We measure
// the same thing: simulate the nondeterministic automaton of all the
// field's wildcard patterns (each wrapped in quotes, as they are matched)
// over every reachable set of states, and take the largest set.

// DefaultWildcardComplexity is the largest number of simultaneously live
// wildcard states a field may have. It reproduces EventBridge's decisions on
// the recorded cases: "*:*:*:*:*:event-bus/*" is refused, while
// "arn:aws:events:us-east-1:*:event-bus/*" and
// "/Users/*/dir/dir/dir/dir/dir/doc.txt" are accepted.
const DefaultWildcardComplexity = 10

const starTok = 256

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

// wildcardComplexity returns the largest number of automaton states that
// can be live at once, stopping early once it exceeds limit.
func wildcardComplexity(ws []*wildcard, limit int) int {
	type nstate struct{ pat, pos int }
	var pats [][]int
	alphabet := map[int]bool{}
	for _, w := range ws {
		if w.stars() == 0 {
			continue
		}
		t := wildcardTokens(w)
		pats = append(pats, t)
		for _, c := range t {
			if c != starTok {
				alphabet[c] = true
			}
		}
	}
	if len(pats) == 0 {
		return 0
	}
	letters := []int{-1} // -1 stands for every byte no pattern mentions
	for c := range alphabet {
		letters = append(letters, c)
	}
	sort.Ints(letters)
	closure := func(set map[nstate]bool) {
		for changed := true; changed; {
			changed = false
			for s := range set {
				t := pats[s.pat]
				if s.pos < len(t) && t[s.pos] == starTok {
					n := nstate{s.pat, s.pos + 1}
					if !set[n] {
						set[n] = true
						changed = true
					}
				}
			}
		}
	}
	key := func(set map[nstate]bool) string {
		list := make([]nstate, 0, len(set))
		for s := range set {
			list = append(list, s)
		}
		sort.Slice(list, func(i, j int) bool {
			if list[i].pat != list[j].pat {
				return list[i].pat < list[j].pat
			}
			return list[i].pos < list[j].pos
		})
		return fmt.Sprint(list)
	}
	start := map[nstate]bool{}
	for i := range pats {
		start[nstate{i, 0}] = true
	}
	closure(start)
	seen := map[string]bool{key(start): true}
	queue := []map[nstate]bool{start}
	best := 0
	const maxSets = 20000
	for len(queue) > 0 && len(seen) < maxSets {
		cur := queue[0]
		queue = queue[1:]
		for _, c := range letters {
			next := map[nstate]bool{}
			for s := range cur {
				t := pats[s.pat]
				if s.pos >= len(t) {
					continue
				}
				switch {
				case t[s.pos] == starTok:
					next[s] = true
				case t[s.pos] == c:
					next[nstate{s.pat, s.pos + 1}] = true
				}
			}
			closure(next)
			// Only states that can still lead to a match count; the
			// accepting state is done.
			live := 0
			for s := range next {
				if s.pos < len(pats[s.pat]) {
					live++
				}
			}
			if live == 0 {
				continue
			}
			if live > best {
				best = live
				if best > limit {
					return best
				}
			}
			k := key(next)
			if !seen[k] {
				seen[k] = true
				queue = append(queue, next)
			}
		}
	}
	return best
}
