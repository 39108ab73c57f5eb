package jsonscan

import (
	"encoding/binary"
	"math/bits"
)

// Byte searches eight bytes at a time ("SIMD within a register"). Each mask
// has the high bit set in the lowest byte of the word that is sought (and
// possibly in later bytes: only the lowest set bit is exact).

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// zeroBytes flags the lowest zero byte of w.
func zeroBytes(w uint64) uint64 { return (w - lsb) &^ w & msb }

// special8 flags the lowest byte of w that is a quote, a backslash or a
// control character.
func special8(w uint64) uint64 {
	return zeroBytes(w^(lsb*'"')) | zeroBytes(w^(lsb*'\\')) | (w-lsb*0x20)&^w&msb
}

// nonDigit8 flags the lowest byte of w that is not an ASCII digit: above
// '9' adding 0x46 sets the high bit, below '0' subtracting 0x30 does, and
// bytes from 0x80 have it already. Carries and borrows only come from
// bytes flagged themselves, so the lowest flag is exact.
func nonDigit8(w uint64) uint64 {
	return ((w + lsb*0x46) | (w - lsb*0x30) | w) & msb
}

// structural returns the index of the first of " [ ] { } at or after i,
// or len(b).
func structural(b []byte, i int) int {
	// Sixteen bytes a round while nothing is found: skipped text is long.
	for ; i+16 <= len(b); i += 16 {
		w, v := binary.LittleEndian.Uint64(b[i:]), binary.LittleEndian.Uint64(b[i+8:])
		f, g := w&0xDFDFDFDFDFDFDFDF, v&0xDFDFDFDFDFDFDFDF
		m := zeroBytes(w^(lsb*'"')) | zeroBytes(f^(lsb*'[')) | zeroBytes(f^(lsb*']'))
		if m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
		if m = zeroBytes(v^(lsb*'"')) | zeroBytes(g^(lsb*'[')) | zeroBytes(g^(lsb*']')); m != 0 {
			return i + 8 + bits.TrailingZeros64(m)/8
		}
	}
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
