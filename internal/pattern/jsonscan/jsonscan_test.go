package jsonscan_test

import (
	"strings"
	"testing"

	"github.com/switchyard/switchyard/internal/pattern/jsonscan"
)

func TestSkipErrors(t *testing.T) {
	for _, c := range []struct {
		src  string
		code jsonscan.Code
		off  int
	}{
		{`{"a":[1,2,{"b":null}],"c":"d"}`, jsonscan.OK, 30},
		{`[1,2] x`, jsonscan.OK, 5},
		{``, jsonscan.EOF, 0},
		{`{`, jsonscan.EOF, 1},
		{`{"a"`, jsonscan.EOF, 4},
		{`{"a":`, jsonscan.EOF, 5},
		{`[1,`, jsonscan.EOF, 3},
		{`"abc`, jsonscan.EOF, 4},
		{`"ab\`, jsonscan.EOF, 4},
		{`x`, jsonscan.Unexpected, 0},
		{`[1,]`, jsonscan.Unexpected, 3},
		{`[}`, jsonscan.Unexpected, 1},
		{"\"a\x1fb\"", jsonscan.Control, 2},
		{`"a\qb"`, jsonscan.Escape, 3},
		{`"\u12g4"`, jsonscan.Hex, 5},
		{`"\u12`, jsonscan.Hex, 5},
		{`-a`, jsonscan.Minus, 1},
		{`-`, jsonscan.Minus, 1},
		{`012`, jsonscan.LeadingZero, 1},
		{`-012`, jsonscan.LeadingZero, 2},
		{`1.e5`, jsonscan.Fraction, 2},
		{`1.`, jsonscan.Fraction, 2},
		{`1e+`, jsonscan.Exponent, 3},
		{`1Ex`, jsonscan.Exponent, 2},
		{`tru`, jsonscan.Literal, 0},
		{`nulL`, jsonscan.Literal, 0},
		{`{1:2}`, jsonscan.Name, 1},
		{`{"a":1,}`, jsonscan.Name, 7},
		{`{"a" 1}`, jsonscan.Colon, 5},
		{`{"a":1 "b":2}`, jsonscan.Comma, 7},
		{`[1 2]`, jsonscan.Comma, 3},
		{`[1}`, jsonscan.Comma, 2},
		{`{"a":1]`, jsonscan.Comma, 6},
		{strings.Repeat("[", 10001), jsonscan.Depth, 10000},
	} {
		end, code := jsonscan.Skip([]byte(c.src), 0)
		if code != c.code || end != c.off {
			t.Errorf("Skip(%q) = %d, %v; want %d, %v", c.src, end, code, c.off, c.code)
		}
	}
}

func TestDepth(t *testing.T) {
	ok := strings.Repeat("[", jsonscan.MaxDepth) + strings.Repeat("]", jsonscan.MaxDepth)
	if _, code := jsonscan.Skip([]byte(ok), 0); code != jsonscan.OK {
		t.Errorf("Skip at MaxDepth: %v", code)
	}
	// A Reader counts the containers it is inside.
	var r jsonscan.Reader
	r.Reset([]byte(`[` + ok + `]`))
	if !r.Array() || !r.Element() {
		t.Fatal(r.Err())
	}
	if _, _, ok := r.Skip(); ok || r.Err().(*jsonscan.SyntaxError).Code != jsonscan.Depth {
		t.Errorf("Reader.Skip one level below MaxDepth: %v", r.Err())
	}
}

func TestSkipFast(t *testing.T) {
	for _, c := range []struct {
		src string
		end int
		ok  bool
	}{
		{`"a\"b" x`, 6, true},
		{`"a\\" x`, 5, true},
		{`"abc`, 4, false},
		{`{"a":[1,"]"],"b":{}} x`, 20, true},
		{`{"a": ][ }`, 7, true}, // only brackets and strings are looked at
		{`{"a":1`, 6, false},
		{`-1.5e3,`, 6, true},
		{`1.2.3}`, 5, true},
		{`true,`, 4, true},
		{`tru,`, 0, false},
		{`,`, 0, false},
	} {
		end, ok := jsonscan.SkipFast([]byte(c.src), 0)
		if end != c.end || ok != c.ok {
			t.Errorf("SkipFast(%q) = %d, %v; want %d, %v", c.src, end, ok, c.end, c.ok)
		}
	}
}

func TestUnescape(t *testing.T) {
	for _, c := range []struct{ in, raw, utf8 string }{
		{`abc`, "abc", "abc"},
		{`a\"b\\c\/d\be\ff\ng\rh\ti`, "a\"b\\c/d\be\ff\ng\rh\ti", "a\"b\\c/d\be\ff\ng\rh\ti"},
		{`\u00e9\u20AC`, "é€", "é€"},
		{`\ud83d\ude00`, "😀", "😀"},
		{`\ud83d`, "\uFFFD", "\uFFFD"},
		{`\ude00\ud83d`, "\uFFFD\uFFFD", "\uFFFD\uFFFD"},
		{`\ud83dx`, "\uFFFDx", "\uFFFDx"},
		{`\ud83d\u0041`, "\uFFFDA", "\uFFFDA"},
		{`\ud83d\\u0041`, "\uFFFD\\u0041", "\uFFFD\\u0041"},
		{"a\xffb", "a\xffb", "a\uFFFDb"},
		{"\xe2\x82\\n", "\xe2\x82\n", "\uFFFD\uFFFD\n"},
	} {
		if got := string(jsonscan.AppendUnescaped(nil, []byte(c.in))); got != c.raw {
			t.Errorf("AppendUnescaped(%q) = %q, want %q", c.in, got, c.raw)
		}
		if got := string(jsonscan.AppendUnescapedUTF8([]byte("x"), []byte(c.in))); got != "x"+c.utf8 {
			t.Errorf("AppendUnescapedUTF8(%q) = %q, want %q", c.in, got, "x"+c.utf8)
		}
	}
}

func TestReader(t *testing.T) {
	src := []byte(` {"a\u0062" : [1, -2.5e3, "x"], "c": {"d": [true, false, null]}, "e": {}} `)
	var r jsonscan.Reader
	r.Reset(src)
	var got []string
	if !r.Object() {
		t.Fatal(r.Err())
	}
	for r.Member() {
		raw, esc := r.Name()
		got = append(got, string(jsonscan.AppendUnescaped(nil, raw)))
		switch string(raw) {
		case `a\u0062`:
			if !esc || !r.Array() {
				t.Fatal("a")
			}
			for r.Element() {
				if r.Peek() == jsonscan.Number {
					text, _, _ := r.Number()
					got = append(got, string(text))
				} else {
					s, _, _ := r.String()
					got = append(got, string(s))
				}
			}
		case "c":
			start, end, ok := r.Skip()
			if !ok {
				t.Fatal(r.Err())
			}
			got = append(got, string(src[start:end]))
		default:
			if !r.SkipFast() {
				t.Fatal(r.Err())
			}
		}
	}
	if !r.End() {
		t.Fatal(r.Err())
	}
	want := `ab 1 -2.5e3 x c {"d": [true, false, null]} e`
	if strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", strings.Join(got, " "), want)
	}
	if r.Depth() != 0 {
		t.Errorf("Depth = %d", r.Depth())
	}

	for _, c := range []struct {
		src  string
		code jsonscan.Code
		off  int
	}{
		{`{"a":1,"b":2`, jsonscan.EOF, 12},
		{`{"a":1 x`, jsonscan.Comma, 7},
		{`{"a":1} x`, jsonscan.Trailing, 8},
		{`{"a" 1}`, jsonscan.Colon, 5},
		{`{"a\x":1}`, jsonscan.Escape, 4},
		{`[1,2`, jsonscan.EOF, 4},
	} {
		r.Reset([]byte(c.src))
		if r.Peek() == jsonscan.Object {
			r.Object()
			for r.Member() {
				r.SkipFast()
			}
		} else if r.Array() {
			for r.Element() {
				r.SkipFast()
			}
		}
		r.End()
		err, _ := r.Err().(*jsonscan.SyntaxError)
		if err == nil || err.Code != c.code || err.Offset != c.off {
			t.Errorf("%q: err %v, want %v at %d", c.src, r.Err(), c.code, c.off)
		}
	}
}

func TestScanNumberDigits(t *testing.T) {
	for _, c := range []struct {
		src string
		end int
	}{
		{"-122.422003528252475,", 20},
		{"1234567890123456789012345]", 25},
		{"12345678", 8},
		{"123456789", 9},
		{"1234567/", 7},
		{"1234567:", 7},
		{"12345678\xb9", 8},
		{"1.00000000000000000e+1000000000000000 ", 37},
	} {
		end, _, code := jsonscan.ScanNumber([]byte(c.src), 0)
		if code != jsonscan.OK || end != c.end {
			t.Errorf("ScanNumber(%q) = %d, %v; want %d", c.src, end, code, c.end)
		}
	}
	// Every byte value after a run of digits, at every position in a word.
	for n := 1; n <= 17; n++ {
		for c := 0; c < 256; c++ {
			b := append([]byte(strings.Repeat("7", n)), byte(c), '0')
			end, _, _ := jsonscan.ScanNumber(b, 0)
			want := n
			if c >= '0' && c <= '9' {
				want = n + 2
			} else if c == '.' || c == 'e' || c == 'E' {
				want = n + 2
			}
			if end != want {
				t.Fatalf("ScanNumber(%q) = %d, want %d", b, end, want)
			}
		}
	}
}

// TestSkipDeep crosses the 64-level windows Skip keeps containers in.
func TestSkipDeep(t *testing.T) {
	for _, n := range []int{63, 64, 65, 127, 128, 129, 200} {
		var b strings.Builder
		for i := range n {
			if i%2 == 0 {
				b.WriteString(`{"k":`)
			} else {
				b.WriteString(`[1,`)
			}
		}
		b.WriteString(`"x"`)
		for i := n - 1; i >= 0; i-- {
			if i%2 == 0 {
				b.WriteString(`}`)
			} else {
				b.WriteString(`]`)
			}
		}
		ok := b.String()
		if end, code := jsonscan.Skip([]byte(ok), 0); code != jsonscan.OK || end != len(ok) {
			t.Errorf("depth %d: Skip = %d, %v", n, end, code)
		}
		// A wrong closer at the innermost level.
		bad := strings.Replace(ok, `"x"}`, `"x"]`, 1)
		if n%2 == 0 {
			bad = strings.Replace(ok, `"x"]`, `"x"}`, 1)
		}
		if _, code := jsonscan.Skip([]byte(bad), 0); code != jsonscan.Comma {
			t.Errorf("depth %d, wrong closer: Skip = %v", n, code)
		}
	}
}
