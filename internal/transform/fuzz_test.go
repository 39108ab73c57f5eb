package transform

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// Seed corpora are committed under testdata/fuzz/FuzzCompile and
// testdata/fuzz/FuzzApply; run longer with
//
//	go test -run '^$' -fuzz FuzzCompile ./internal/transform
//	go test -run '^$' -fuzz FuzzApply ./internal/transform

const fuzzEvent = `{"version":"0","id":"e","detail-type":"T","source":"s","account":"1","time":"2024-01-01T00:00:00Z",` +
	`"region":"r","resources":["a"],"detail":{"s":"x\"y\\z\n","n":-1.5e3,"b":false,"z":null,"o":{"k":"v","q":"\""},` +
	`"a":[1,"two",{"t":3},[4]],"e":{},"u":"\u00e9\ud83d\ude00"}}`

// FuzzCompile: Compile never panics, its verdict on Input agrees with
// encoding/json, and a JSON template always yields valid JSON unless the
// raw event variables are put inside a string (documented as unescaped).
func FuzzCompile(f *testing.F) {
	f.Add(`{"a": <a>, "b": "<a> x"}`, "a", "$.detail.s", `{"x":1}`, "$.detail")
	f.Add(`"Event <a>"`, "a", "$.detail.o", `env:dev`, "$.detail.a[-1]")
	f.Add(`New user: <a>, tier <aws.events.rule-name>`, "a", "$.detail.a[*]", ``, "detail")
	f.Add(`[<a>, "<aws.events.event.ingestion-time>", <aws.events.event>]`, "a", "$['detail'].n", `[1,`, "$..x")
	f.Add(`<a><b>c<>d<`, "b", "$.detail.*", ` 1 `, "$.detail.o.*")
	f.Fuzz(func(t *testing.T, tpl, key, path, input, inputPath string) {
		if tr, err := Compile("t", Config{Input: &input}); err == nil {
			out, err := tr.Apply([]byte(fuzzEvent), testCtx)
			if err != nil || string(out) != input {
				t.Fatalf("Input %q: %q %v", input, out, err)
			}
			if !json.Valid([]byte(input)) {
				t.Fatalf("accepted invalid Input %q", input)
			}
		} else if javaLen(input) <= maxInput && json.Valid([]byte(input)) && strings.TrimSpace(input) != "" {
			t.Fatalf("refused valid Input %q: %v", input, err)
		}
		checkInputPath(t, inputPath, []byte(fuzzEvent))

		tr, err := Compile("t", Config{PathsMap: map[string]string{key: path}, Template: &tpl})
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		out, err := tr.Apply([]byte(fuzzEvent), testCtx)
		if err != nil {
			t.Fatalf("Apply: %v", err)
		}
		if tr.tpl.json && !rawEventInString(tr.tpl) && !json.Valid(out) {
			t.Fatalf("template %q gave invalid JSON %q", tpl, out)
		}
	})
}

func rawEventInString(tpl *template) bool {
	for _, s := range tpl.segs {
		if (s.kind == kindEvent || s.kind == kindEventJSON) && s.ctx == ctxString {
			return true
		}
	}
	return false
}

// FuzzApply: Apply never panics on arbitrary events, accepts exactly the
// valid JSON documents, and selects what a straightforward evaluation of
// the path over the decoded event selects.
func FuzzApply(f *testing.F) {
	f.Add([]byte(fuzzEvent), "$.detail.a[*]")
	f.Add([]byte(`{"a":{"b":1},"a":{"c":2}}`), "$.a.b")
	f.Add([]byte(`{"a":[1,2,3]}`), "$.a[-3]")
	f.Add([]byte(`{"a\u0062":"esc"}`), "$.ab")
	f.Add([]byte(`[{"x":1},{"y":2},{"x":3}]`), "$[*].x")
	f.Add([]byte(`{"a":"\x01"}`), "$")
	f.Add([]byte(`{"a" : [ 1 , { "b" : null } ] }`), "$.a.*")
	f.Fuzz(func(t *testing.T, event []byte, path string) {
		tpl, err := Compile("t", Config{
			PathsMap: map[string]string{"p": "$.detail", "w": "$.*", "i": "$[0]"},
			Template: ptr(`{"p": <p>, "s": "<p> <w> <i>", "w": <w>, "i": <i>, "e": <aws.events.event>}`),
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := tpl.Apply(event, Context{})
		valid := json.Valid(event)
		if (err == nil) != valid {
			t.Fatalf("event %q: valid=%v err=%v", event, valid, err)
		}
		if err == nil && !json.Valid(out) {
			t.Fatalf("event %q gave invalid JSON %q", event, out)
		}
		if valid {
			checkInputPath(t, path, event)
		}
	})
}

// checkInputPath compares Apply with InputPath p against the reference.
func checkInputPath(t *testing.T, p string, event []byte) {
	t.Helper()
	tr, err := Compile("t", Config{InputPath: &p})
	if err != nil {
		return
	}
	out, err := tr.Apply(event, Context{})
	if !utf8.Valid(event) || !utf8.ValidString(p) {
		return // the reference decodes invalid UTF-8 as U+FFFD; events never hold it (PutEvents decodes them)
	}
	compiled, _ := parsePath(p)
	root, dup, rerr := refDecode(event)
	if rerr != nil {
		t.Fatalf("reference cannot decode %q: %v", event, rerr)
	}
	if compiled.many && dup {
		return // repeated member names: wildcard lists keep every occurrence (documented)
	}
	want, ok := refEval(compiled, root)
	if errors.Is(err, ErrNothingSelected) {
		if ok {
			t.Fatalf("path %q on %q: nothing selected, reference found %v", p, event, want)
		}
		return
	}
	if err != nil {
		t.Fatalf("path %q on %q: %v", p, event, err)
	}
	if !ok {
		t.Fatalf("path %q on %q: selected %q, reference found nothing", p, event, out)
	}
	got, _, gerr := refDecode(out)
	if gerr != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("path %q on %q:\n got %q (%v)\nwant %#v", p, event, out, gerr, want)
	}
}

// A reference JSON model that keeps member order: the last of repeated
// names wins, in the first one's place (Jackson's ObjectNode).
type refObject struct {
	keys []string
	vals map[string]any
}

func refDecode(b []byte) (any, bool, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	dup := false
	var value func() (any, error)
	value = func() (any, error) {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch tok {
		case json.Delim('{'):
			o := &refObject{vals: map[string]any{}}
			for d.More() {
				k, err := d.Token()
				if err != nil {
					return nil, err
				}
				v, err := value()
				if err != nil {
					return nil, err
				}
				name := k.(string)
				if _, seen := o.vals[name]; seen {
					dup = true
				} else {
					o.keys = append(o.keys, name)
				}
				o.vals[name] = v
			}
			_, err := d.Token()
			return o, err
		case json.Delim('['):
			a := []any{}
			for d.More() {
				v, err := value()
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := d.Token()
			return a, err
		}
		if n, ok := tok.(json.Number); ok {
			return refNumber(n), nil
		}
		return tok, nil
	}
	v, err := value()
	if err == nil {
		if _, err2 := d.Token(); err2 != io.EOF {
			err = errors.New("data after the value")
		}
	}
	return v, dup, err
}

// refNumber keeps a number's text, minus an exponent's redundant form, so
// equal spellings compare equal.
type refNumber string

func refEval(p *path, root any) (any, bool) {
	cur := []any{root}
	for _, s := range p.steps {
		var next []any
		for _, v := range cur {
			switch s.kind {
			case stepName:
				if o, ok := v.(*refObject); ok {
					if c, ok := o.vals[s.name]; ok {
						next = append(next, c)
					}
				}
			case stepIndex:
				if a, ok := v.([]any); ok {
					i := s.index
					if i < 0 {
						i += len(a)
					}
					if i >= 0 && i < len(a) {
						next = append(next, a[i])
					}
				}
			case stepWild:
				switch c := v.(type) {
				case *refObject:
					for _, k := range c.keys {
						next = append(next, c.vals[k])
					}
				case []any:
					next = append(next, c...)
				}
			}
		}
		cur = next
	}
	if p.many {
		if cur == nil {
			cur = []any{}
		}
		return cur, true
	}
	if len(cur) == 0 {
		return nil, false
	}
	return cur[0], true
}
