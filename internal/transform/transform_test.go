package transform

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func ptr(s string) *string { return &s }

const testEvent = `{"version":"0","id":"e-1","detail-type":"Order Placed","source":"shop","account":"123456789012",` +
	`"time":"2024-06-11T08:33:10Z","region":"eu-west-1","resources":["arn:1","arn:2"],` +
	`"detail":{"id":42,"customer":{"name":"Zoë \"Z\" Doe","tier":"gold"},"items":[{"sku":"a","qty":1},{"sku":"b","qty":2}],` +
	`"note":null,"paid":true,"total":19.90,"tags":[]}}`

var testCtx = Context{RuleArn: "arn:aws:events:eu-west-1:123456789012:rule/shop/orders", RuleName: "orders",
	IngestionTime: time.Date(2024, 6, 11, 8, 33, 11, 0, time.UTC)}

func TestApply(t *testing.T) {
	paths := map[string]string{
		"id": "$.detail.id", "name": "$.detail.customer.name", "customer": "$.detail.customer",
		"items": "$.detail.items", "sku0": "$.detail.items[0].sku", "skus": "$.detail.items[*].sku",
		"note": "$.detail.note", "paid": "$.detail.paid", "total": "$.detail.total", "tags": "$.detail.tags",
		"none": "$.detail.none", "type": "$.detail-type", "last": "$.resources[-1]",
	}
	tests := []struct {
		name string
		c    Config
		want string
	}{
		{"none", Config{}, testEvent},
		{"input", Config{Input: ptr(`"hello"`)}, `"hello"`},
		{"input number", Config{Input: ptr(` 42 `)}, ` 42 `},
		{"path object", Config{InputPath: ptr("$.detail.customer")}, `{"name":"Zoë \"Z\" Doe","tier":"gold"}`},
		{"path number", Config{InputPath: ptr("$.detail.total")}, `19.90`},
		{"path empty array", Config{InputPath: ptr("$.detail.tags")}, `[]`},
		{"path last index", Config{InputPath: ptr("$.resources[-1]")}, `"arn:2"`},
		{"path bracket", Config{InputPath: ptr(`$["detail"]['customer'].tier`)}, `"gold"`},
		{"path wildcard object", Config{InputPath: ptr("$.detail.customer.*")}, `["Zoë \"Z\" Doe","gold"]`},
		{"path wildcard then index", Config{InputPath: ptr("$.detail.items[*].qty")}, `[1,2]`},
		{"json values", Config{PathsMap: paths, Template: ptr(`{"a":<id>,"b":<name>,"c":<customer>,"d":<note>,"e":<paid>,"f":<total>,"g":<tags>,"h":<none>,"i":<skus>,"j":<last>}`)},
			`{"a":42,"b":"Zoë \"Z\" Doe","c":{"name":"Zoë \"Z\" Doe","tier":"gold"},"d":null,"e":true,"f":19.90,"g":[],"h":"","i":["a","b"],"j":"arn:2"}`},
		{"string values", Config{PathsMap: paths, Template: ptr(`{"s":"<id>|<name>|<customer>|<note>|<paid>|<total>|<tags>|<none>|<skus>|<sku0>"}`)},
			`{"s":"42|Zoë \"Z\" Doe|{name:Zoë Z Doe,tier:gold}|null|true|19.90|[]||[a,b]|a"}`},
		{"text values", Config{PathsMap: paths, Template: ptr(`<type>: <id> <name> <customer> <note> <none>.`)},
			`Order Placed: 42 Zoë "Z" Doe {name:Zoë Z Doe,tier:gold} null .`},
		{"string template", Config{PathsMap: paths, Template: ptr(` "<name> bought <items>" `)},
			`"Zoë \"Z\" Doe bought [{sku:a,qty:1},{sku:b,qty:2}]"`},
		{"reserved", Config{Template: ptr(`{"arn":<aws.events.rule-arn>,"name":"<aws.events.rule-name>","t":<aws.events.event.ingestion-time>}`)},
			`{"arn":"arn:aws:events:eu-west-1:123456789012:rule/shop/orders","name":"orders","t":"2024-06-11T08:33:11Z"}`},
		{"event object", Config{Template: ptr(`<aws.events.event>`)},
			`{"id":"e-1","account":"123456789012","detailType":"Order Placed","time":"2024-06-11T08:33:11Z","source":"shop","region":"eu-west-1","resources":["arn:1","arn:2"],"version":"0"}`},
		{"same path twice", Config{PathsMap: map[string]string{"a": "$.detail.id", "b": "$['detail'].id"}, Template: ptr(`[<a>,<b>,<a>]`)}, `[42,42,42]`},
		{"map without template use", Config{PathsMap: map[string]string{}, Template: ptr(`{"static": true}`)}, `{"static":true}`},
		{"text keeps white space", Config{Template: ptr(" a \n\t b ")}, " a \n\t b "},
		{"json string keeps escapes", Config{Template: ptr(`"tab\there \u00e9 \/"`)}, `"tab\there \u00e9 \/"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := Compile("t", tt.c)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tr.Apply([]byte(testEvent), testCtx)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	many := map[string]string{}
	for i := range 101 {
		many[fmt.Sprintf("k%03d", i)] = "$.a"
	}
	tests := []struct {
		name string
		c    Config
		want string
	}{
		{"input and path", Config{Input: ptr("{}"), InputPath: ptr("$")},
			"Only one of Input, InputPath, or InputTransformer must be provided for target T."},
		{"input and transformer", Config{Input: ptr("{}"), Template: ptr("x")},
			"Only one of Input, InputPath, or InputTransformer must be provided for target T."},
		{"path and paths map", Config{InputPath: ptr("$"), PathsMap: map[string]string{"a": "$.a"}, Template: ptr("<a>")},
			"Only one of Input, InputPath, or InputTransformer must be provided for target T."},
		{"all three", Config{Input: ptr("{}"), InputPath: ptr("$"), Template: ptr("x")},
			"Only one of Input, InputPath, or InputTransformer must be provided for target T."},
		{"undefined placeholder", Config{PathsMap: map[string]string{"a": "$.a"}, Template: ptr(`{"a": <a>, "b": <b>}`)},
			"InputTemplate for target T contains invalid placeholder b."},
		{"placeholder with spaces", Config{Template: ptr(`"<o que?>"`)},
			"InputTemplate for target T contains invalid placeholder o que?."},
		{"reserved-looking placeholder", Config{Template: ptr(`<aws.events.rule>`)},
			"InputTemplate for target T contains invalid placeholder aws.events.rule."},
		{"first invalid placeholder wins", Config{Template: ptr(`<x> <y>`)},
			"InputTemplate for target T contains invalid placeholder x."},
		{"input not json", Config{Input: ptr("env:dev")},
			`JSON syntax error in input for target T: [Source: (String)"env:dev"; line: 1, column: 4]`},
		{"input single quotes", Config{Input: ptr(`{'a': 1}`)},
			`JSON syntax error in input for target T: [Source: (String)"{'a': 1}"; line: 1, column: 2]`},
		{"input empty", Config{Input: ptr("")},
			`JSON syntax error in input for target T: [Source: (String)""; line: 1, column: 1]`},
		{"input second line", Config{Input: ptr("{\n  \"a\": tru\n}")},
			"JSON syntax error in input for target T: [Source: (String)\"{\n  \"a\": tru\n}\"; line: 2, column: 11]"},
		{"input trailing", Config{Input: ptr(`{"a":1} x`)},
			`JSON syntax error in input for target T: [Source: (String)"{"a":1} x"; line: 1, column: 10]`},
		{"input path no dollar", Config{InputPath: ptr("detail")},
			"Invalid InputPath for target T: detail (a path must start with $)."},
		{"input path trailing dot", Config{InputPath: ptr("$.detail.")},
			"Invalid InputPath for target T: $.detail. (a path must not end with '.')."},
		{"input path filter", Config{InputPath: ptr("$.a[?(@.b)]")},
			"Invalid InputPath for target T: $.a[?(@.b)] (filters and script expressions are not supported)."},
		{"input path slice", Config{InputPath: ptr("$.a[0:2]")},
			"Invalid InputPath for target T: $.a[0:2] (array slices and unions are not supported)."},
		{"input path unclosed", Config{InputPath: ptr("$['a")},
			"Invalid InputPath for target T: $['a (unclosed quoted member name)."},
		{"paths map path", Config{PathsMap: map[string]string{"a": "$.a", "b": "b"}, Template: ptr("<a>")},
			"Invalid InputPathsMap for target T: the path b of b is not supported (a path must start with $)."},
		{"template null", Config{PathsMap: map[string]string{"a": "$.a"}},
			"1 validation error detected: Value null at 'inputTransformer.inputTemplate' failed to satisfy constraint: Member must not be null"},
		{"template empty", Config{Template: ptr("")},
			"1 validation error detected: Value '' at 'inputTransformer.inputTemplate' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"template too long", Config{Template: ptr(strings.Repeat("x", 8193))},
			"1 validation error detected: Value '" + strings.Repeat("x", 8193) + "' at 'inputTransformer.inputTemplate' failed to satisfy constraint: Member must have length less than or equal to 8192"},
		{"input too long", Config{Input: ptr(strings.Repeat("1", 8193))},
			"1 validation error detected: Value '" + strings.Repeat("1", 8193) + "' at 'input' failed to satisfy constraint: Member must have length less than or equal to 8192"},
		{"input path too long", Config{InputPath: ptr("$." + strings.Repeat("a", 255))},
			"1 validation error detected: Value '$." + strings.Repeat("a", 255) + "' at 'inputPath' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{"too many paths", Config{PathsMap: many, Template: ptr("x")},
			"1 validation error detected: Value '" + renderMap(many) + "' at 'inputTransformer.inputPathsMap' failed to satisfy constraint: Member must have length less than or equal to 100"},
		{"bad key", Config{PathsMap: map[string]string{"o que?": "$.a"}, Template: ptr("x")},
			"1 validation error detected: Value '{o que?=$.a}' at 'inputTransformer.inputPathsMap' failed to satisfy constraint: " + keyConstraint},
		{"empty key", Config{PathsMap: map[string]string{"": "$.a"}, Template: ptr("x")},
			"1 validation error detected: Value '{=$.a}' at 'inputTransformer.inputPathsMap' failed to satisfy constraint: " + keyConstraint},
		{"long value", Config{PathsMap: map[string]string{"a": "$." + strings.Repeat("b", 300)}, Template: ptr("x")},
			"1 validation error detected: Value '{a=$." + strings.Repeat("b", 300) + "}' at 'inputTransformer.inputPathsMap' failed to satisfy constraint: " + valConstraint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile("T", tt.c)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a *ValidationError", err)
			}
			if ve.Code() != "ValidationException" || ve.TargetID != "T" {
				t.Fatalf("code %q target %q", ve.Code(), ve.TargetID)
			}
			if ve.Error() != tt.want {
				t.Fatalf("\n got: %s\nwant: %s", ve.Error(), tt.want)
			}
		})
	}
}

// The model-constraint text Compile repeats is the one AWS recorded for
// the same map (internal/awsapi/events/events_test.go).
func TestKeyConstraintMatchesRecording(t *testing.T) {
	const recorded = `1 validation error detected: Value '{de onde?=$.detail.sourceIPAddress, Quem foi?=$.detail.userIdentity.userName, o que?=$.detail.eventName}' at 'targets.1.member.inputTransformer.inputPathsMap' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [A-Za-z0-9\_\-]+]`
	if !strings.HasSuffix(recorded, keyConstraint) {
		t.Fatal("keyConstraint differs from AWS's wording")
	}
}

func TestCompileAccepts(t *testing.T) {
	maxMap := map[string]string{}
	for i := range 100 {
		maxMap[fmt.Sprintf("k%03d", i)] = "$.detail.k" + fmt.Sprint(i)
	}
	for name, c := range map[string]Config{
		"100 paths":          {PathsMap: maxMap, Template: ptr("x")},
		"8192 template":      {Template: ptr(strings.Repeat("é", 8192))},
		"256 key":            {PathsMap: map[string]string{strings.Repeat("k", 256): "$"}, Template: ptr("x")},
		"empty paths map":    {PathsMap: map[string]string{}, Template: ptr("{}")},
		"root path":          {InputPath: ptr("$")},
		"slash and dash":     {InputPath: ptr("$.detail.a/b.c-d_e")},
		"unicode member":     {InputPath: ptr("$.détail.名前")},
		"input array":        {Input: ptr(`[1, "two", {"three": null}]`)},
		"input deep escapes": {Input: ptr(`{"a":"\u00e9\n\"x\""}`)},
		"reserved only":      {Template: ptr("<aws.events.event.json>")},
	} {
		if _, err := Compile("T", c); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestJacksonLocations(t *testing.T) {
	for _, tt := range []struct {
		src  string
		line int
		col  int
	}{
		{"env:dev", 1, 4},        // recorded (aws/aws-cli#6711)
		{"this is json", 1, 5},   // as internal/pattern, recorded for patterns
		{`{'bad': 'q'}`, 1, 2},   // as internal/pattern, recorded for patterns
		{`{"a": closed}`, 1, 13}, // token read to its end
		{"", 1, 1},
		{"   ", 1, 4},
		{"{", 1, 2},
		{`{"a"`, 1, 5},
		{`{"a" 1}`, 1, 6},
		{`[1,]`, 1, 4},
		{`[1 2]`, 1, 4},
		{`01`, 1, 2},
		{`-x`, 1, 2},
		{`1.`, 1, 3},
		{`1e+`, 1, 4},
		{`"abc`, 1, 5},
		{"\"a\nb\"", 1, 3},
		{`"\x"`, 1, 3},
		{`"\u12G4"`, 1, 6},
		{`truex`, 1, 6},
		{`nul`, 1, 4},
		{"[\n1,\n}", 3, 1},
		{`{"a":1}}`, 1, 8},
		{`"😀" x`, 1, 7},
	} {
		off := jacksonError(tt.src)
		if off < 0 {
			t.Errorf("%q: accepted", tt.src)
			continue
		}
		want := fmt.Sprintf("line: %d, column: %d]", tt.line, tt.col)
		if got := sourceLocation(tt.src, off); !strings.HasSuffix(got, want) {
			t.Errorf("%q: %s, want %s", tt.src, got, want)
		}
	}
	for _, ok := range []string{`{}`, ` [ ] `, `"x"`, `-0.5e-3`, `null`, `{"a":[1,{"b":false}]}`, "\t\"\\u00e9\"\n"} {
		if off := jacksonError(ok); off >= 0 {
			t.Errorf("%q refused at %d", ok, off)
		}
	}
	long := strings.Repeat("x", 600)
	if got := sourceLocation(long, 0); !strings.Contains(got, `"[truncated 100 chars]; line: 1, column: 1]`) {
		t.Errorf("long source: %s", got[len(got)-60:])
	}
}

func TestFindPlaceholders(t *testing.T) {
	for _, tt := range []struct {
		tpl  string
		want []string
	}{
		{"<a> and <b>", []string{"a", "b"}},
		{"<>", nil},
		{"a < b", nil},
		{"<<a>", []string{"a"}},
		{"<a<b>c>", []string{"b"}},
		{"<a><b>", []string{"a", "b"}},
		{"x >< y", nil},
		{"<o que?>", []string{"o que?"}},
		{"<a\nb>", []string{"a\nb"}},
		{"<aws.events.event.json>", []string{"aws.events.event.json"}},
	} {
		var got []string
		for _, p := range findPlaceholders(tt.tpl) {
			got = append(got, p.name)
			if tt.tpl[p.start:p.end] != "<"+p.name+">" {
				t.Errorf("%q: span %d:%d", tt.tpl, p.start, p.end)
			}
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%q: got %q want %q", tt.tpl, got, tt.want)
		}
	}
}

func TestTemplateKind(t *testing.T) {
	paths := map[string]string{"a": "$.a"}
	for tpl, json := range map[string]bool{
		`{"x": <a>}`:        true,
		` [<a>, "<a>"] `:    true,
		`"text <a>"`:        true,
		`<a>`:               false,
		`<a> is <a>`:        false,
		`"<a>" is quoted`:   false,
		`{<a>: 1}`:          false,
		`{"x": <a> <a>}`:    false,
		`"\<a>"`:            false, // a backslash before a placeholder
		`42`:                false,
		"{\n\"x\":\n<a>\n}": true,
		`{"x": "<a>}`:       false,
	} {
		tr, err := Compile("t", Config{PathsMap: paths, Template: ptr(tpl)})
		if err != nil {
			t.Fatalf("%q: %v", tpl, err)
		}
		if tr.tpl.json != json {
			t.Errorf("%q: json=%v, want %v", tpl, tr.tpl.json, json)
		}
	}
}

func TestApplyInvalidEvent(t *testing.T) {
	tr, err := Compile("t", Config{InputPath: ptr("$.detail")})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []string{``, `{`, `{"detail":}`, `{"detail":1} x`, `{"a":"\q"}`, `[1,2`, `{"a" 1}`, "{\"a\":\"\x01\"}"} {
		if _, err := tr.Apply([]byte(ev), Context{}); err == nil || !errors.Is(err, errSyntax) {
			t.Errorf("%q: %v", ev, err)
		}
	}
	if _, err := tr.Apply([]byte(`{"other":1}`), Context{}); !errors.Is(err, ErrNothingSelected) {
		t.Errorf("missing path: %v", err)
	}
}

// Apply does not keep or modify the event, and concurrent use is safe.
func TestApplyConcurrent(t *testing.T) {
	tr, err := Compile("t", Config{
		PathsMap: map[string]string{"n": "$.detail.customer.name", "s": "$.detail.items[*].sku"},
		Template: ptr(`{"n": <n>, "s": "<s>", "e": <aws.events.event>}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	want, err := tr.Apply([]byte(testEvent), testCtx)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 500 {
				ev := []byte(testEvent)
				got, err := tr.Apply(ev, testCtx)
				if err != nil || string(got) != string(want) || string(ev) != testEvent {
					t.Errorf("got %s, %v", got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if !json.Valid(want) {
		t.Fatalf("invalid JSON: %s", want)
	}
}

// The returned payload is the caller's: changing it does not change the
// next one.
func TestApplyReturnsFreshInput(t *testing.T) {
	tr, _ := Compile("t", Config{Input: ptr(`{"a":1}`)})
	a, _ := tr.Apply([]byte(testEvent), testCtx)
	a[0] = 'X'
	b, _ := tr.Apply([]byte(testEvent), testCtx)
	if string(b) != `{"a":1}` {
		t.Fatalf("got %s", b)
	}
}

func TestString(t *testing.T) {
	for c, want := range map[*Config]string{
		{}:                             "whole event",
		{Input: ptr("1")}:              "Input",
		{InputPath: ptr("$")}:          "InputPath",
		{Template: ptr("{}")}:          "InputTransformer (JSON template)",
		{Template: ptr("plain words")}: "InputTransformer (text template)",
	} {
		tr, err := Compile("t", *c)
		if err != nil {
			t.Fatal(err)
		}
		if tr.String() != want {
			t.Errorf("got %q want %q", tr.String(), want)
		}
	}
}
