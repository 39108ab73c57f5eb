package jsonscan

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"
)

// AppendUnescaped appends the content of a string literal with its escapes
// decoded. s is what lies between the quotes of a literal ScanString
// accepted. Other bytes are copied as they are, even if they are not valid
// UTF-8. An escaped UTF-16 surrogate pair becomes one character, and a
// surrogate that is not half of a pair becomes U+FFFD, as in encoding/json.
func AppendUnescaped(dst, s []byte) []byte {
	for {
		k := bytes.IndexByte(s, '\\')
		if k < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:k]...)
		var n int
		dst, n = appendEscape(dst, s[k:])
		s = s[k+n:]
	}
}

// AppendUnescapedUTF8 is AppendUnescaped, except that each byte that is not
// part of valid UTF-8 becomes U+FFFD: the string encoding/json decodes.
func AppendUnescapedUTF8(dst, s []byte) []byte {
	for {
		k := bytes.IndexByte(s, '\\')
		if k < 0 {
			k = len(s)
		}
		if run := s[:k]; utf8.Valid(run) {
			dst = append(dst, run...)
		} else {
			dst = appendValidUTF8(dst, run)
		}
		if k == len(s) {
			return dst
		}
		var n int
		dst, n = appendEscape(dst, s[k:])
		s = s[k+n:]
	}
}

func appendValidUTF8(dst, s []byte) []byte {
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		if r == utf8.RuneError && n == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, s[:n]...)
		}
		s = s[n:]
	}
	return dst
}

// appendEscape decodes the escape at the start of s (a backslash, of a
// literal ScanString accepted) and returns how many bytes it took.
func appendEscape(dst, s []byte) ([]byte, int) {
	switch c := s[1]; c {
	case 'b':
		return append(dst, '\b'), 2
	case 'f':
		return append(dst, '\f'), 2
	case 'n':
		return append(dst, '\n'), 2
	case 'r':
		return append(dst, '\r'), 2
	case 't':
		return append(dst, '\t'), 2
	case 'u':
		r := hex4(s[2:])
		if utf16.IsSurrogate(r) && len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
			if d := utf16.DecodeRune(r, hex4(s[8:])); d != utf8.RuneError {
				return utf8.AppendRune(dst, d), 12
			}
		}
		return utf8.AppendRune(dst, r), 6 // a lone surrogate gives U+FFFD
	default: // '"', '\\', '/'
		return append(dst, c), 2
	}
}

func hex4(b []byte) rune {
	return rune(hexval[b[0]])<<12 | rune(hexval[b[1]])<<8 | rune(hexval[b[2]])<<4 | rune(hexval[b[3]])
}
