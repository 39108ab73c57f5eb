package pattern

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"
)

// ipRange is an inclusive range of IPv4 or IPv6 addresses. IPv4 addresses
// use the first four bytes.
type ipRange struct {
	v6     bool
	lo, hi [16]byte
}

func (r ipRange) contains(a [16]byte, v6 bool) bool {
	if v6 != r.v6 {
		return false
	}
	n := 4
	if v6 {
		n = 16
	}
	return bytes.Compare(a[:n], r.lo[:n]) >= 0 && bytes.Compare(a[:n], r.hi[:n]) <= 0
}

// looksLikeIP reports whether s has the shape EventBridge treats as an IP
// address literal: four dot-separated decimal runs, or hex digits and colons
// with at least one colon.
func looksLikeIP(s string) (v4shape, v6shape bool) {
	if s == "" {
		return false, false
	}
	dots, digits := 0, 0
	v4 := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			if digits == 0 {
				v4 = false
			}
			dots++
			digits = 0
		default:
			v4 = false
		}
	}
	v4 = v4 && dots == 3 && digits > 0
	if v4 {
		return true, false
	}
	colon := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ':':
			colon = true
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		default:
			return false, false
		}
	}
	return false, colon
}

// parseIPv4 parses four decimal octets (leading zeros allowed, as EventBridge
// allows them: "010.0.0.1" is 10.0.0.1).
func parseIPv4(s string) ([16]byte, bool) {
	var a [16]byte
	part, v, digits := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 || part > 3 {
				return a, false
			}
			a[part] = byte(v)
			part, v, digits = part+1, 0, 0
			continue
		}
		c := s[i]
		if c < '0' || c > '9' {
			return a, false
		}
		v = v*10 + int(c-'0')
		digits++
		if v > 255 {
			return a, false
		}
	}
	return a, part == 4
}

// parseIPShaped parses s, which looksLikeIP accepted. IPv4-mapped IPv6
// addresses are IPv4 addresses.
func parseIPShaped(s string, v4shape bool) (a [16]byte, v6 bool, ok bool) {
	if v4shape {
		a, ok = parseIPv4(s)
		return a, false, ok
	}
	addr, err := netip.ParseAddr(s)
	if err != nil || addr.Zone() != "" {
		return a, false, false
	}
	if addr.Is4In6() {
		addr = addr.Unmap()
	}
	if addr.Is4() {
		b := addr.As4()
		copy(a[:], b[:])
		return a, false, true
	}
	return addr.As16(), true, true
}

// parseIPLenient parses an event value as an IP address, if it is one.
func parseIPLenient(s string) ([16]byte, bool, bool) {
	v4, v6 := looksLikeIP(s)
	if !v4 && !v6 {
		return [16]byte{}, false, false
	}
	return parseIPShaped(s, v4)
}

// ipForPattern parses an IP address inside a pattern, with EventBridge's
// error texts.
func ipForPattern(s string) ([16]byte, bool, string) {
	v4, v6 := looksLikeIP(s)
	if !v4 && !v6 {
		return [16]byte{}, false, "Nonstandard IP address: " + s
	}
	a, isV6, ok := parseIPShaped(s, v4)
	if !ok {
		return a, false, "Invalid IP address: " + s
	}
	return a, isV6, ""
}

// exactIP turns an exact-match string that is an IP address literal into a
// one-address range, as EventBridge does (so "10.0.0.1" also matches
// "010.0.0.1", and IPv6 addresses match in any notation).
func exactIP(s string) (ipRange, bool) {
	a, v6, ok := parseIPLenient(s)
	if !ok {
		return ipRange{}, false
	}
	return ipRange{v6: v6, lo: a, hi: a}, true
}

// parseCIDR parses a cidr pattern value. As in EventBridge, the range runs
// from the address given (not the network address) to the top of its block.
func parseCIDR(s string) (ipRange, string) {
	parts := javaSplitSlash(s)
	if len(parts) != 2 {
		return ipRange{}, "Malformed CIDR, one '/' required"
	}
	bits, err := javaParseInt(parts[1])
	if err != nil {
		return ipRange{}, "Malformed CIDR, mask bits must be an integer"
	}
	if bits < 0 {
		return ipRange{}, "Malformed CIDR, mask bits must not be negative"
	}
	a, v6, msg := ipForPattern(parts[0])
	if msg != "" {
		return ipRange{}, msg
	}
	n := 4
	if v6 {
		n = 16
		if bits > 127 {
			return ipRange{}, "IPv6 mask bits must be < 128"
		}
	} else if bits > 31 {
		return ipRange{}, "IPv4 mask bits must be < 32"
	}
	r := ipRange{v6: v6, lo: a, hi: a}
	host := n*8 - bits
	for i := n - 1; i >= 0 && host > 0; i-- {
		if host >= 8 {
			r.hi[i] = 0xff
		} else {
			r.hi[i] |= byte(1<<host - 1)
		}
		host -= 8
	}
	return r, ""
}

// javaSplitSlash splits on "/" dropping trailing empty strings, as Java's
// String.split does.
func javaSplitSlash(s string) []string {
	parts := strings.Split(s, "/")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// javaParseInt parses a decimal int32 with an optional sign.
func javaParseInt(s string) (int, error) {
	if s == "" || s == "+" || s == "-" {
		return 0, strconv.ErrSyntax
	}
	v, err := strconv.ParseInt(s, 10, 32)
	return int(v), err
}
