package jsonscan_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/switchyard/switchyard/internal/pattern/jsonscan"
)

// The seed corpus is committed under testdata/fuzz/FuzzScan; run longer
// with
//
//	go test -run '^$' -fuzz FuzzScan ./internal/pattern/jsonscan

// FuzzScan checks the scanner against encoding/json: both accept the same
// documents, a Reader walk yields the tokens json.Decoder does (strings
// decoded to the same text), SkipFast finds the same end as Skip on valid
// text, and string literals and numbers at the start of the input are
// accepted exactly when encoding/json accepts them.
func FuzzScan(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		valid := json.Valid(b)
		start := jsonscan.Space(b, 0)
		end, code := jsonscan.Skip(b, start)
		got := code == jsonscan.OK && jsonscan.Space(b, end) == len(b)
		if got != valid || jsonscan.Valid(b) != valid {
			t.Fatalf("Skip: valid=%v (end %d, %v), encoding/json says %v: %q", got, end, code, valid, b)
		}
		if code != jsonscan.OK && (end < start || end > len(b)) {
			t.Fatalf("Skip error offset %d outside [%d, %d]: %q", end, start, len(b), b)
		}

		var r jsonscan.Reader
		r.Reset(b)
		toks, rerr := walk(&r)
		if (rerr == nil) != valid {
			t.Fatalf("Reader walk: err=%v, encoding/json valid=%v: %q", rerr, valid, b)
		}
		if valid {
			want := decoderTokens(t, b)
			if !equalTokens(toks, want) {
				t.Fatalf("tokens of %q:\n got %q\nwant %q", b, toks, want)
			}
			if fe, ok := jsonscan.SkipFast(b, start); !ok || fe != end {
				t.Fatalf("SkipFast = %d, %v; Skip = %d: %q", fe, ok, end, b)
			}
			if te := r.TokenEnd(); te != end {
				t.Fatalf("TokenEnd = %d after the walk; Skip = %d: %q", te, end, b)
			}
		} else {
			var se *jsonscan.SyntaxError
			if !errors.As(rerr, &se) || se.Offset < 0 || se.Offset > len(b) || se.Code == jsonscan.OK {
				t.Fatalf("Reader walk error %#v: %q", rerr, b)
			}
		}

		checkLeadingToken(t, b)
	})
}

// checkLeadingToken checks the string or number that b starts with, if
// any, on its own.
func checkLeadingToken(t *testing.T, b []byte) {
	if len(b) == 0 {
		return
	}
	switch jsonscan.KindOf(b[0]) {
	case jsonscan.String:
		end, escaped, code := jsonscan.ScanString(b, 0)
		if code != jsonscan.OK {
			if json.Valid(b) {
				t.Fatalf("ScanString: %v at %d, but encoding/json accepts %q", code, end, b)
			}
			return
		}
		var want string
		if err := json.Unmarshal(b[:end], &want); err != nil {
			t.Fatalf("ScanString accepted %q, encoding/json: %v", b[:end], err)
		}
		content := b[1 : end-1]
		if got := jsonscan.AppendUnescapedUTF8(nil, content); string(got) != want {
			t.Fatalf("AppendUnescapedUTF8(%q) = %q, encoding/json %q", content, got, want)
		}
		raw := jsonscan.AppendUnescaped(nil, content)
		if utf8.Valid(content) && string(raw) != want {
			t.Fatalf("AppendUnescaped(%q) = %q, encoding/json %q", content, raw, want)
		}
		if !escaped && !bytes.Equal(raw, content) {
			t.Fatalf("ScanString says %q has no escapes", content)
		}
	case jsonscan.Number:
		end, float, code := jsonscan.ScanNumber(b, 0)
		if code != jsonscan.OK {
			if json.Valid(b) {
				t.Fatalf("ScanNumber: %v at %d, but encoding/json accepts %q", code, end, b)
			}
			return
		}
		if !json.Valid(b[:end]) {
			t.Fatalf("ScanNumber accepted %q", b[:end])
		}
		if float != bytes.ContainsAny(b[:end], ".eE") {
			t.Fatalf("ScanNumber(%q): float = %v", b[:end], float)
		}
	}
}

// walk reads a whole document with a Reader, returning its tokens as
// decoderTokens renders them.
func walk(r *jsonscan.Reader) ([]string, error) {
	var toks []string
	var value func() bool
	value = func() bool {
		switch r.Peek() {
		case jsonscan.Object:
			if !r.Object() {
				return false
			}
			toks = append(toks, "{")
			for r.Member() {
				raw, _ := r.Name()
				toks = append(toks, "s"+string(jsonscan.AppendUnescapedUTF8(nil, raw)))
				if !value() {
					return false
				}
			}
			if r.Failed() {
				return false
			}
			toks = append(toks, "}")
		case jsonscan.Array:
			if !r.Array() {
				return false
			}
			toks = append(toks, "[")
			for r.Element() {
				if !value() {
					return false
				}
			}
			if r.Failed() {
				return false
			}
			toks = append(toks, "]")
		case jsonscan.String:
			raw, _, ok := r.String()
			if !ok {
				return false
			}
			toks = append(toks, "s"+string(jsonscan.AppendUnescapedUTF8(nil, raw)))
		case jsonscan.Number:
			if r.Pos()%2 == 0 {
				text, _, ok := r.Number()
				if !ok {
					return false
				}
				toks = append(toks, "n"+string(text))
				break
			}
			// As the matcher reads them.
			b, start := r.Bytes(), r.Pos()
			end, _, code := jsonscan.ScanNumber(b, start)
			if code != jsonscan.OK {
				return r.Fail(code, end)
			}
			r.Advance(end)
			toks = append(toks, "n"+string(b[start:end]))
		case jsonscan.True, jsonscan.False, jsonscan.Null:
			k, ok := r.Literal()
			if !ok {
				return false
			}
			toks = append(toks, k.String())
		default:
			if r.Pos() >= len(r.Bytes()) {
				return r.Fail(jsonscan.EOF, r.Pos())
			}
			return r.Fail(jsonscan.Unexpected, r.Pos())
		}
		return true
	}
	if value() {
		r.End()
	}
	return toks, r.Err()
}

// decoderTokens returns json.Decoder's tokens for a valid document.
func decoderTokens(t *testing.T, b []byte) []string {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var toks []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return toks
		}
		if err != nil {
			t.Fatalf("json.Decoder on valid %q: %v", b, err)
		}
		switch v := tok.(type) {
		case json.Delim:
			toks = append(toks, v.String())
		case string:
			toks = append(toks, "s"+v)
		case json.Number:
			toks = append(toks, "n"+v.String())
		case bool:
			toks = append(toks, fmt.Sprint(v))
		case nil:
			toks = append(toks, "null")
		default:
			t.Fatalf("token %T", tok)
		}
	}
}

func equalTokens(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00") && len(a) == len(b)
}

var fuzzSeeds = []string{
	``, ` `, `{}`, `[]`, `""`, `0`, `-0`, `1.5e+10`, `-1E-2`, `true`, `false`, `null`,
	`{"a":1,"b":[true,false,null],"c":{"d":"e"}}`,
	` { "a" : [ 1 , 2 ] , "b" : { } } `,
	`"\u00e9\ud83d\ude00\n\t\"\\\/\b\f\r"`,
	`"\ud800"`, `"\udc00\ud800"`, `"\ud800\u0041"`, `"\ud800\\u0041"`,
	"\"\xff\xfe\"", "\"\xe2\x82\"", "\"caf\xc3\xa9\"",
	`01`, `-`, `1.`, `1e`, `1e+`, `.5`, `+1`, `1.5.2`, `0x10`,
	`tru`, `nul`, `falsey`, `True`,
	`{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[,1]`, `{,}`, `{"a":1 "b":2}`, `[1 2]`,
	`{"a":1}}`, `[1]]`, `{"a":[}`, `"abc`, `"a\`, `"\x"`, `"\u12"`, `"\u12g4"`,
	"\"a\x01b\"", "\"tab\there\"",
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	strings.Repeat(`{"a":`, 50) + "1" + strings.Repeat("}", 50),
	`{"type":"Feature","properties":{"MAPBLKLOT":"0001001","LOT_AREA":1.5e3},"geometry":{"type":"Polygon","coordinates":[[[-122.42,37.80,0],[-122.41,37.80,0]]]}}`,
}
