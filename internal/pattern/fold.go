package pattern

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// foldString maps s to a canonical case-folded form: two strings are equal
// ignoring case (Unicode simple case folding) exactly when their folded forms
// are equal, and folding works rune by rune, so prefixes and suffixes of
// folded strings are folded prefixes and suffixes.
func foldString(s string) string {
	ascii := true
	needs := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if 'a' <= c && c <= 'z' {
			needs = true
		}
	}
	if ascii {
		if !needs {
			return s
		}
		return strings.ToUpper(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// foldRune returns the smallest rune in r's simple case-folding orbit.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	min := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < min {
			min = f
		}
	}
	return min
}

// fold returns s case-folded, using the scanner's arena for new strings.
func (sc *scanner) fold(s string) string {
	ascii, lower := true, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			ascii = false
			break
		}
		if 'a' <= c && c <= 'z' {
			lower = true
		}
	}
	if ascii && !lower {
		return s
	}
	if !ascii {
		return foldString(s)
	}
	start := len(sc.arena)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		sc.arena = append(sc.arena, c)
	}
	// The string keeps its backing array alive even if the arena grows.
	return unsafeString(sc.arena[start:])
}
