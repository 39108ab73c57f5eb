package awsapi

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
)

// AWS renders the offending value of a validation problem with Java's
// toString. The helpers below reproduce that rendering; generated structures
// implement JavaStringer on top of them.

// JavaStringer is implemented by generated structures: JavaString renders
// the structure as AWS's Java services do, "ShapeName(member1=value,
// member2=null)". A nil receiver renders as "null".
type JavaStringer interface {
	JavaString() string
}

// Redacted is how a sensitive member's value is rendered inside a structure.
const Redacted = "*** Sensitive Data Redacted ***"

// Null is the rendering of an absent value.
const Null = "null"

// JavaStr renders a string (or string enum) pointer: the string as-is, or
// "null".
func JavaStr[T ~string](v *T) string {
	if v == nil {
		return Null
	}
	return string(*v)
}

// JavaInt renders an integer pointer.
func JavaInt[T ~int32 | ~int64](v *T) string {
	if v == nil {
		return Null
	}
	return strconv.FormatInt(int64(*v), 10)
}

// JavaBool renders a boolean pointer as true/false.
func JavaBool(v *bool) string {
	if v == nil {
		return Null
	}
	return strconv.FormatBool(*v)
}

// JavaDouble renders a float64 pointer as Java's Double.toString.
func JavaDouble(v *float64) string {
	if v == nil {
		return Null
	}
	return FormatJavaDouble(*v)
}

// JavaFloat renders a float32 pointer as Java's Float.toString.
func JavaFloat(v *float32) string {
	if v == nil {
		return Null
	}
	return FormatJavaFloat(*v)
}

// JavaTimestamp renders a timestamp pointer as java.util.Date.toString does
// (in UTC): "Wed Nov 15 22:13:20 UTC 2023".
func JavaTimestamp(v *Timestamp) string {
	if v == nil {
		return Null
	}
	return v.UTC().Format("Mon Jan 02 15:04:05 MST 2006")
}

// JavaBlob renders a blob as the Java SDKs' ByteBuffer.toString does.
func JavaBlob(v *[]byte) string {
	if v == nil || *v == nil {
		return Null
	}
	n := strconv.Itoa(len(*v))
	return "java.nio.HeapByteBuffer[pos=0 lim=" + n + " cap=" + n + "]"
}

// JavaRedacted renders a sensitive value: "null" when absent, else Redacted.
func JavaRedacted(absent bool) string {
	if absent {
		return Null
	}
	return Redacted
}

// JavaList renders a list as "[a, b]" using elem for each element, or "null"
// for a nil slice.
func JavaList[E any](v *[]E, elem func(*E) string) string {
	if v == nil || *v == nil {
		return Null
	}
	var b strings.Builder
	b.WriteByte('[')
	for i := range *v {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(elem(&(*v)[i]))
	}
	b.WriteByte(']')
	return b.String()
}

// JavaMap renders a map as "{k=v, k2=v2}", entries in the order JavaMapKeys
// gives, using val for each value, or "null" for a nil map.
func JavaMap[K ~string, V any](v *map[K]V, val func(*V) string) string {
	if v == nil || *v == nil {
		return Null
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range JavaMapKeys(*v) {
		if i > 0 {
			b.WriteString(", ")
		}
		e := (*v)[k]
		b.WriteString(string(k))
		b.WriteByte('=')
		b.WriteString(val(&e))
	}
	b.WriteByte('}')
	return b.String()
}

// JavaMapKeys returns the keys of m in the order a java.util.HashMap holding
// the same entries iterates them, which is the order AWS renders maps in
// (recorded: "{de onde?=..., Quem foi?=..., o que?=...}"): by bucket of the
// spread String.hashCode in a table of the size the map would have grown
// to. Keys sharing a bucket are in insertion order in Java; that order is
// lost in a Go map, so they are sorted.
func JavaMapKeys[K ~string, V any](m map[K]V) []K {
	type entry struct {
		key    K
		bucket uint32
	}
	n := uint32(16) // default capacity; grows past 0.75 load
	for uint64(len(m))*4 > uint64(n)*3 && n < 1<<30 {
		n <<= 1
	}
	entries := make([]entry, 0, len(m))
	for k := range m {
		h := javaStringHash(string(k))
		entries = append(entries, entry{k, (h ^ h>>16) & (n - 1)})
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].bucket != entries[j].bucket {
			return entries[i].bucket < entries[j].bucket
		}
		return entries[i].key < entries[j].key
	})
	keys := make([]K, len(entries))
	for i, e := range entries {
		keys[i] = e.key
	}
	return keys
}

// javaStringHash is Java's String.hashCode (over UTF-16 code units).
func javaStringHash(s string) uint32 {
	var h uint32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + uint32(u)
	}
	return h
}

// FormatJavaDouble formats f as Java's Double.toString does: the shortest
// decimal that round-trips, always with a fractional part ("100.0", "1.5"),
// in scientific notation ("1.0E7", "1.0E-4") outside [1e-3, 1e7).
func FormatJavaDouble(f float64) string { return formatJava(f, 64) }

// FormatJavaFloat formats f as Java's Float.toString does.
func FormatJavaFloat(f float32) string { return formatJava(float64(f), 32) }

func formatJava(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, bits)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, bits) // e.g. "1.234e-05", "1e+07"
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// JavaRedactedValue renders a sensitive list element or map value.
func JavaRedactedValue[T any](v *T) string { return JavaRedacted(v == nil) }
