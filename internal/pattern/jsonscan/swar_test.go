package jsonscan

import (
	"encoding/binary"
	"math/bits"
	"testing"
)

// TestSWAR checks each eight-byte search against a byte loop: every byte
// value at every position, its neighbours plain bytes or 0xff (which make
// the arithmetic borrow and carry).
func TestSWAR(t *testing.T) {
	searches := []struct {
		name string
		mask func(uint64) uint64
		hit  func(byte) bool
	}{
		{"special8", special8, func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 }},
		{"nonDigit8", nonDigit8, func(c byte) bool { return c < '0' || c > '9' }},
	}
	var w [8]byte
	for _, s := range searches {
		check := func() {
			want := 8
			for i, c := range w {
				if s.hit(c) {
					want = i
					break
				}
			}
			got := bits.TrailingZeros64(s.mask(binary.LittleEndian.Uint64(w[:]))) / 8
			if got != want {
				t.Fatalf("%s(%q): first at %d, want %d", s.name, w, got, want)
			}
		}
		for c := range 256 {
			for pos := range 8 {
				for _, fill := range []byte{'a', '5', 0xff, 0x00, ' '} {
					for i := range w {
						w[i] = fill
					}
					w[pos] = byte(c)
					check()
				}
			}
		}
	}
	// structural reads sixteen bytes a round, then eight, then one.
	var buf [27]byte
	for c := range 256 {
		for pos := range len(buf) {
			for i := range buf {
				buf[i] = 'a'
			}
			buf[pos] = byte(c)
			want := len(buf)
			switch c {
			case '"', '[', ']', '{', '}':
				want = pos
			}
			if got := structural(buf[:], 0); got != want {
				t.Fatalf("structural(%q) = %d, want %d", buf, got, want)
			}
		}
	}
}
