package pattern

import (
	"encoding/binary"
	"math/bits"
)

// Byte searches eight bytes at a time ("SIMD within a register"): skipping
// the parts of an event no rule reads is most of the matching work.

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// zeroBytes has the high bit set in the lowest byte of w that is zero (and
// possibly in later bytes; only the lowest set bit is reliable).
func zeroBytes(w uint64) uint64 { return (w - lsb) &^ w & msb }

// structural returns the index of the first of " [ ] { } at or after i,
// or len(b).
func structural(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		f := w & 0xDFDFDFDFDFDFDFDF // folds '{' onto '[' and '}' onto ']'
		m := zeroBytes(w^(lsb*'"')) | zeroBytes(f^(lsb*'[')) | zeroBytes(f^(lsb*']'))
		if m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		switch b[i] {
		case '"', '[', ']', '{', '}':
			return i
		}
	}
	return len(b)
}

// quoteOrBackslash returns the index of the first '"' or '\' at or after
// i, or len(b).
func quoteOrBackslash(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		m := zeroBytes(w^(lsb*'"')) | zeroBytes(w^(lsb*'\\'))
		if m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if b[i] == '"' || b[i] == '\\' {
			return i
		}
	}
	return len(b)
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
