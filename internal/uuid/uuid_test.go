package uuid

import (
	"regexp"
	"testing"
)

var shape = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNew(t *testing.T) {
	a, b := New(), New()
	if !shape.MatchString(a) || a == b {
		t.Fatalf("%q %q", a, b)
	}
}

func TestFormat(t *testing.T) {
	var b [16]byte
	for i := range b {
		b[i] = 0xff
	}
	if got := Format(b, 5); got != "ffffffff-ffff-5fff-bfff-ffffffffffff" {
		t.Fatal(got)
	}
	if got := Format([16]byte{}, 4); got != "00000000-0000-4000-8000-000000000000" {
		t.Fatal(got)
	}
}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		_ = New()
	}
}
