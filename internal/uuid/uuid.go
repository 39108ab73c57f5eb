// Package uuid renders the UUIDs Switchyard hands out: event ids, message
// ids, subscription and connection ids (random, version 4), and ids derived
// from a hash (name-based, version 5 layout).
package uuid

import (
	"crypto/rand"
	"encoding/hex"
)

// New returns a random (version 4) UUID.
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return Format(b, 4)
}

// Format renders 16 bytes as a UUID of the given version (4 for random,
// 5 for name-based ids derived from a hash), setting the version and
// variant bits.
func Format(b [16]byte, version byte) string {
	b[6] = b[6]&0x0f | version<<4
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}
