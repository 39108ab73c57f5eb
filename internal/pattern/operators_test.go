package pattern

import (
	"strings"
	"testing"
)

// matchCase is one pattern against one event.
type matchCase struct {
	name    string
	pattern string
	event   string
	want    bool
}

func runMatchCases(t *testing.T, cases []matchCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse(c.pattern)
			if err != nil {
				t.Fatalf("Parse(%s): %v", c.pattern, err)
			}
			got, err := p.Match([]byte(c.event))
			if err != nil {
				t.Fatalf("Match: %v", err)
			}
			if got != c.want {
				x, _ := p.Explain([]byte(c.event))
				t.Fatalf("Match(%s, %s) = %v, want %v (%s)", c.pattern, c.event, got, c.want, x)
			}
			m := NewMatcher()
			m.Add("r", p)
			ids, err := m.Match([]byte(c.event))
			if err != nil {
				t.Fatal(err)
			}
			if (len(ids) == 1) != c.want {
				t.Fatalf("Matcher.Match = %v, want match=%v", ids, c.want)
			}
		})
	}
}

func TestExactValues(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"string", `{"a":["x"]}`, `{"a":"x"}`, true},
		{"string other", `{"a":["x"]}`, `{"a":"y"}`, false},
		{"one of list", `{"a":["x","y"]}`, `{"a":"y"}`, true},
		{"case sensitive", `{"a":["x"]}`, `{"a":"X"}`, false},
		{"number", `{"a":[300]}`, `{"a":300}`, true},
		{"number float form", `{"a":[300]}`, `{"a":300.0}`, true},
		{"number exponent form", `{"a":[300]}`, `{"a":3e2}`, true},
		{"number vs string", `{"a":[300]}`, `{"a":"300"}`, false},
		{"string vs number", `{"a":["300"]}`, `{"a":300}`, false},
		{"negative zero", `{"a":[0]}`, `{"a":-0.0}`, true},
		{"large number", `{"a":[1e300]}`, `{"a":1E+300}`, true},
		{"true", `{"a":[true]}`, `{"a":true}`, true},
		{"true vs string", `{"a":[true]}`, `{"a":"true"}`, false},
		{"false", `{"a":[false]}`, `{"a":false}`, true},
		{"null", `{"a":[null]}`, `{"a":null}`, true},
		{"null vs missing", `{"a":[null]}`, `{"b":1}`, false},
		{"null vs empty array", `{"a":[null]}`, `{"a":[]}`, false},
		{"null vs string", `{"a":[null]}`, `{"a":"null"}`, false},
		{"empty string", `{"a":[""]}`, `{"a":""}`, true},
		{"escaped in event", `{"a":["é\""]}`, `{"a":"\u00e9\""}`, true},
		{"surrogate pair", `{"a":["🚀"]}`, `{"a":"\ud83d\ude80"}`, true},
		{"array any element", `{"a":["x"]}`, `{"a":["w","x"]}`, true},
		{"array no element", `{"a":["x"]}`, `{"a":["w","z"]}`, false},
		{"nested arrays", `{"a":[3]}`, `{"a":[[1,2],[3]]}`, true},
		{"json string not parsed", `{"a":{"b":["c"]}}`, `{"a":"{\"b\":\"c\"}"}`, false},
		{"object is not a value", `{"a":["x"]}`, `{"a":{"x":1}}`, false},
		{"dotted pattern key", `{"a.b":["c"]}`, `{"a":{"b":"c"}}`, true},
		{"dotted event key", `{"a":{"b":["c"]}}`, `{"a.b":"c"}`, true},
		{"dotted both", `{"a":{"b.c":["d"]}}`, `{"a.b":{"c":"d"}}`, true},
		{"fields are anded", `{"a":["x"],"b":["y"]}`, `{"a":"x","b":"z"}`, false},
		{"fields anded ok", `{"a":["x"],"b":["y"]}`, `{"a":"x","b":"y"}`, true},
		{"ip exact other notation", `{"ip":["2001:db8::1"]}`, `{"ip":"2001:0db8:0:0:0:0:0:1"}`, true},
		{"ip exact leading zeros", `{"ip":["10.0.0.1"]}`, `{"ip":"010.0.0.1"}`, true},
		{"ip exact differs", `{"ip":["10.0.0.1"]}`, `{"ip":"10.0.0.2"}`, false},
		{"exactly", `{"a":[{"exactly":"x"}]}`, `{"a":"x"}`, true},
		{"duplicate key last wins", `{"a":["x"],"a":["y"]}`, `{"a":"y"}`, true},
		{"duplicate key first dropped", `{"a":["x"],"a":["y"]}`, `{"a":"x"}`, false},
	})
}

func TestStringOperators(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"prefix", `{"a":[{"prefix":"ab"}]}`, `{"a":"abc"}`, true},
		{"prefix no", `{"a":[{"prefix":"ab"}]}`, `{"a":"xabc"}`, false},
		{"prefix number", `{"a":[{"prefix":"1"}]}`, `{"a":12}`, false},
		{"empty prefix", `{"a":[{"prefix":""}]}`, `{"a":"anything"}`, true},
		{"empty prefix not number", `{"a":[{"prefix":""}]}`, `{"a":1}`, false},
		{"suffix", `{"a":[{"suffix":".png"}]}`, `{"a":"x.png"}`, true},
		{"suffix case", `{"a":[{"suffix":".png"}]}`, `{"a":"x.PNG"}`, false},
		{"empty suffix", `{"a":[{"suffix":""}]}`, `{"a":""}`, true},
		{"prefix ignore case", `{"a":[{"prefix":{"equals-ignore-case":"EventB"}}]}`, `{"a":"eventbridge"}`, true},
		{"suffix ignore case", `{"a":[{"suffix":{"equals-ignore-case":".png"}}]}`, `{"a":"A.PnG"}`, true},
		{"equals ignore case", `{"a":[{"equals-ignore-case":"Hello"}]}`, `{"a":"hELLO"}`, true},
		{"equals ignore case unicode", `{"a":[{"equals-ignore-case":"ÉTÉ"}]}`, `{"a":"été"}`, true},
		{"equals ignore case longer", `{"a":[{"equals-ignore-case":"Hello"}]}`, `{"a":"hello!"}`, false},
		{"wildcard", `{"a":[{"wildcard":"a*c"}]}`, `{"a":"abbbc"}`, true},
		{"wildcard empty run", `{"a":[{"wildcard":"a*c"}]}`, `{"a":"ac"}`, true},
		{"wildcard no", `{"a":[{"wildcard":"a*c"}]}`, `{"a":"abcd"}`, false},
		{"wildcard several", `{"a":[{"wildcard":"*/dir/*.txt"}]}`, `{"a":"/u/dir/x.txt"}`, true},
		{"wildcard overlap", `{"a":[{"wildcard":"*ab*ab"}]}`, `{"a":"abab"}`, true},
		{"wildcard escaped star", `{"a":[{"wildcard":"a\\*b"}]}`, `{"a":"a*b"}`, true},
		{"wildcard escaped star literal", `{"a":[{"wildcard":"a\\*b"}]}`, `{"a":"axb"}`, false},
		{"wildcard escaped backslash", `{"a":[{"wildcard":"a\\\\*"}]}`, `{"a":"a\\xyz"}`, true},
		{"wildcard empty", `{"a":[{"wildcard":""}]}`, `{"a":""}`, true},
		{"wildcard empty no", `{"a":[{"wildcard":""}]}`, `{"a":"x"}`, false},
		{"wildcard star", `{"a":[{"wildcard":"*"}]}`, `{"a":""}`, true},
		{"wildcard not number", `{"a":[{"wildcard":"*"}]}`, `{"a":5}`, false},
		{"cidr v4", `{"ip":[{"cidr":"10.0.0.0/24"}]}`, `{"ip":"10.0.0.255"}`, true},
		{"cidr v4 out", `{"ip":[{"cidr":"10.0.0.0/24"}]}`, `{"ip":"10.0.1.0"}`, false},
		{"cidr from given address", `{"ip":[{"cidr":"10.0.0.8/24"}]}`, `{"ip":"10.0.0.7"}`, false},
		{"cidr v6", `{"ip":[{"cidr":"2001:db8::/32"}]}`, `{"ip":"2001:db8:ffff::1"}`, true},
		{"cidr family", `{"ip":[{"cidr":"10.0.0.0/8"}]}`, `{"ip":"::1"}`, false},
		{"cidr mapped v4", `{"ip":[{"cidr":"10.0.0.0/8"}]}`, `{"ip":"::ffff:0a01:0203"}`, true},
		{"cidr not ip", `{"ip":[{"cidr":"10.0.0.0/8"}]}`, `{"ip":"ten"}`, false},
	})
}

func TestNumericAndExists(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"gt", `{"n":[{"numeric":[">",0]}]}`, `{"n":0.000001}`, true},
		{"gt edge", `{"n":[{"numeric":[">",0]}]}`, `{"n":0}`, false},
		{"ge edge", `{"n":[{"numeric":[">=",0]}]}`, `{"n":0}`, true},
		{"range", `{"n":[{"numeric":[">",0,"<=",5]}]}`, `{"n":5}`, true},
		{"range out", `{"n":[{"numeric":[">",0,"<=",5]}]}`, `{"n":5.0000001}`, false},
		{"lt", `{"n":[{"numeric":["<",-1e9]}]}`, `{"n":-1.5e9}`, true},
		{"eq", `{"n":[{"numeric":["=",301.8]}]}`, `{"n":3.018e2}`, true},
		{"full range", `{"n":[{"numeric":[">",1e20]}]}`, `{"n":1e21}`, true},
		{"string number", `{"n":[{"numeric":[">",0]}]}`, `{"n":"5"}`, false},
		{"null", `{"n":[{"numeric":[">",0]}]}`, `{"n":null}`, false},
		{"array any", `{"n":[{"numeric":[">",10]}]}`, `{"n":[1,20]}`, true},
		{"exists true", `{"a":[{"exists":true}]}`, `{"a":"x"}`, true},
		{"exists true null", `{"a":[{"exists":true}]}`, `{"a":null}`, true},
		{"exists true empty array", `{"a":[{"exists":true}]}`, `{"a":[]}`, false},
		{"exists true object", `{"a":[{"exists":true}]}`, `{"a":{"b":1}}`, false},
		{"exists true missing", `{"a":[{"exists":true}]}`, `{"b":1}`, false},
		{"exists false missing", `{"a":[{"exists":false}]}`, `{"b":1}`, true},
		{"exists false present", `{"a":[{"exists":false}]}`, `{"a":1}`, false},
		{"exists false null", `{"a":[{"exists":false}]}`, `{"a":null}`, false},
		{"exists false empty array", `{"a":[{"exists":false}]}`, `{"a":[]}`, true},
		{"exists false object", `{"a":[{"exists":false}]}`, `{"a":{"b":1}}`, true},
		{"exists false with other field", `{"a":[{"exists":false}],"b":["x"]}`, `{"b":"x"}`, true},
		{"exists false or value", `{"a":["x",{"exists":false}]}`, `{"a":"x"}`, true},
		{"exists false or value missing", `{"a":["x",{"exists":false}]}`, `{}`, true},
		{"exists false or value other", `{"a":["x",{"exists":false}]}`, `{"a":"y"}`, false},
	})
}

func TestAnythingBut(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"string", `{"a":[{"anything-but":"x"}]}`, `{"a":"y"}`, true},
		{"string excluded", `{"a":[{"anything-but":"x"}]}`, `{"a":"x"}`, false},
		{"string vs number", `{"a":[{"anything-but":"5"}]}`, `{"a":5}`, true},
		{"null matches", `{"a":[{"anything-but":"x"}]}`, `{"a":null}`, true},
		{"bool matches", `{"a":[{"anything-but":"x"}]}`, `{"a":true}`, true},
		{"missing does not", `{"a":[{"anything-but":"x"}]}`, `{"b":1}`, false},
		{"empty array does not", `{"a":[{"anything-but":"x"}]}`, `{"a":[]}`, false},
		{"list", `{"a":[{"anything-but":["x","y"]}]}`, `{"a":"y"}`, false},
		{"number", `{"a":[{"anything-but":123}]}`, `{"a":123.0}`, false},
		{"number other", `{"a":[{"anything-but":123}]}`, `{"a":124}`, true},
		{"number vs string", `{"a":[{"anything-but":123}]}`, `{"a":"123"}`, true},
		{"number list", `{"a":[{"anything-but":[100,200,300]}]}`, `{"a":3e2}`, false},
		{"array one element passes", `{"a":[{"anything-but":"x"}]}`, `{"a":["x","y"]}`, true},
		{"array all excluded", `{"a":[{"anything-but":"x"}]}`, `{"a":["x","x"]}`, false},
		{"prefix", `{"a":[{"anything-but":{"prefix":"in"}}]}`, `{"a":"out"}`, true},
		{"prefix excluded", `{"a":[{"anything-but":{"prefix":"in"}}]}`, `{"a":"init"}`, false},
		{"prefix number", `{"a":[{"anything-but":{"prefix":"1"}}]}`, `{"a":12}`, true},
		{"suffix list", `{"a":[{"anything-but":{"suffix":[".txt",".jpg"]}}]}`, `{"a":"a.jpg"}`, false},
		{"ignore case", `{"a":[{"anything-but":{"equals-ignore-case":["X","y"]}}]}`, `{"a":"Y"}`, false},
		{"ignore case other", `{"a":[{"anything-but":{"equals-ignore-case":["X","y"]}}]}`, `{"a":"z"}`, true},
		{"wildcard", `{"a":[{"anything-but":{"wildcard":"*/init/*"}}]}`, `{"a":"d/init/f"}`, false},
		{"wildcard other", `{"a":[{"anything-but":{"wildcard":"*/init/*"}}]}`, `{"a":"d/dir/f"}`, true},
		{"wildcard empty", `{"a":[{"anything-but":{"wildcard":""}}]}`, `{"a":""}`, false},
		{"empty prefix list matches all", `{"a":[{"anything-but":{"prefix":[]}}]}`, `{"a":"x"}`, true},
	})
}

func TestOrAndArrays(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"or first", `{"$or":[{"a":["x"]},{"b":["y"]}]}`, `{"a":"x"}`, true},
		{"or second", `{"$or":[{"a":["x"]},{"b":["y"]}]}`, `{"b":"y"}`, true},
		{"or none", `{"$or":[{"a":["x"]},{"b":["y"]}]}`, `{"a":"y","b":"x"}`, false},
		{"or with common field", `{"s":["1"],"$or":[{"a":["x"]},{"b":["y"]}]}`, `{"b":"y"}`, false},
		{"or with common field ok", `{"s":["1"],"$or":[{"a":["x"]},{"b":["y"]}]}`, `{"s":"1","b":"y"}`, true},
		{"or nested", `{"$or":[{"a":["x"]},{"$or":[{"b":["y"]},{"c":["z"]}]}]}`, `{"c":"z"}`, true},
		{"or in object", `{"d":{"$or":[{"a":["x"]},{"b":["y"]}]}}`, `{"d":{"b":"y"}}`, true},
		{"parallel or", `{"$or":[{"a":["1"]},{"b":["1"]}],"d":{"$or":[{"c":["2"]},{"e":["2"]}]}}`, `{"b":"1","d":{"e":"2"}}`, true},
		{"parallel or half", `{"$or":[{"a":["1"]},{"b":["1"]}],"d":{"$or":[{"c":["2"]},{"e":["2"]}]}}`, `{"b":"1","d":{"f":"2"}}`, false},
		{"or override later field", `{"a":["x"],"$or":[{"a":["y"]},{"b":["z"]}]}`, `{"a":"y"}`, true},
		{"array of objects same element", `{"e":{"f":["Anna"],"l":["Smith"]}}`, `{"e":[{"f":"John","l":"Doe"},{"f":"Anna","l":"Smith"}]}`, true},
		{"array of objects different elements", `{"e":{"f":["Anna"],"l":["Doe"]}}`, `{"e":[{"f":"John","l":"Doe"},{"f":"Anna","l":"Smith"}]}`, false},
		{"nested arrays different outer", `{"e":{"f":["A"],"l":["B"]}}`, `{"e":[[{"f":"A"}],[{"l":"B"}]]}`, false},
		{"nested arrays same inner", `{"e":{"f":["A"],"l":["B"]}}`, `{"e":[[{"f":"A","l":"B"}]]}`, true},
		{"different arrays independent", `{"a":["1"],"b":["2"]}`, `{"a":["0","1"],"b":["2","3"]}`, true},
		{"outside value free", `{"e":{"f":["A"]},"g":["B"]}`, `{"e":[{"f":"A"}],"g":"B"}`, true},
		{"one field several values in arrays", `{"e":{"f":["A","C"],"l":["D"]}}`, `{"e":[{"f":"A","l":"B"},{"f":"C","l":"D"}]}`, true},
		{"list within dict", `{"d":{"a":{"id":[{"exists":true}]}}}`, `{"d":{"a":[{"k":1},{"id":"x"}]}}`, true},
	})
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ pattern, reason string }{
		{`{}`, "Empty objects are not allowed"},
		{`{"a":{}}`, "Empty objects are not allowed"},
		{`{"a":[]}`, "Empty arrays are not allowed"},
		{`{"a":"x"}`, `"a" must be an object or an array`},
		{`{"a":[[1]]}`, "Match value must be String, number, true, false, or null"},
		{`{"a":[{}]}`, "Match expression name not found"},
		{`{"a":[{"prefix":"x","suffix":"y"}]}`, "Only one key allowed in match expression"},
		{`{"a":[{"numeric":5}]}`, "Value of numeric must be an array."},
		{`{"a":[{"numeric":[5]}]}`, "Invalid member in numeric match: 5"},
		{`{"a":[{"numeric":["!",5]}]}`, "Unrecognized numeric range operator: !"},
		{`{"a":[{"numeric":["=","5"]}]}`, "Value of equals must be numeric"},
		{`{"a":[{"numeric":["=",5,6]}]}`, "Too many elements in numeric expression"},
		{`{"a":[{"numeric":[">",5,"<"]}]}`, "Value of < must be numeric"},
		{`{"a":[{"numeric":[">",5,"<",3]}]}`, "Bottom must be less than top"},
		{`{"a":[{"numeric":[">",5,"<",5]}]}`, "Bottom must be less than top"},
		{`{"a":[{"numeric":[">",1,"<",5,6]}]}`, "Too many terms in numeric range expression"},
		{`{"a":[{"numeric":[">",1,5]}]}`, "Bad value in numeric range: 5"},
		{`{"a":[{"exists":"yes"}]}`, "exists match pattern must be either true or false."},
		{`{"a":[{"anything-but":[]}]}`, "Inside anything but list, either all values are number or string, mixed type is not supported"},
		{`{"a":[{"anything-but":["x",1]}]}`, "Inside anything but list, either all values are number or string, mixed type is not supported"},
		{`{"a":[{"anything-but":[null]}]}`, "Inside anything but list, start|null|boolean is not supported."},
		{`{"a":[{"anything-but":{"regex":"x"}}]}`, "Unsupported anything-but pattern: regex"},
		{`{"a":[{"anything-but":{}}]}`, "Anything-But expression name not found"},
		{`{"a":[{"anything-but":{"prefix":"x","suffix":"y"}}]}`, "Too many elements in numeric expression"},
		{`{"a":[{"prefix":{"foo":"x"}}]}`, "Unsupported prefix pattern: foo"},
		{`{"a":[{"suffix":{}}]}`, "Suffix expression name not found"},
		{`{"a":[{"wildcard":"a\\b"}]}`, "Invalid escape character at pos 2"},
		{`{"a":[{"wildcard":"x\\"}]}`, "Invalid escape character at pos 2"},
		{`{"a":[{"cidr":"10.0.0.0/33"}]}`, "IPv4 mask bits must be < 32"},
		{`{"a":[{"cidr":"10.0.0.0/-1"}]}`, "Malformed CIDR, mask bits must not be negative"},
		{`{"a":[{"cidr":"::/128"}]}`, "IPv6 mask bits must be < 128"},
		{`{"a":[{"cidr":"300.0.0.0/8"}]}`, "Invalid IP address: 300.0.0.0"},
		{`{"$or":[{"a":["x"]}]}`, "There must have at least 2 Objects in $or relationship."},
		{`{"$or":{"a":["x"]}}`, "It must be an Array followed with $or."},
		{`{"$or":[{"a":["x"]},"b"]}`, "Only JSON object is allowed in array of $or relationship."},
		{`{"$or":[{"prefix":["x"]},{"b":["y"]}]}`, "prefix is Ruler reserved fieldName which cannot be used inside $or."},
		{`{"a":[1,}`, "Unexpected character ('}' (code 125)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"},
		{`{"a":[1 2]}`, "Unexpected character ('2' (code 50)): was expecting comma to separate Array entries"},
		{`{"a" ["x"]}`, "Unexpected character ('[' (code 91)): was expecting a colon to separate field name and value"},
		{`{"a":["x"]`, "Unexpected end-of-input: expected close marker for Object"},
		{`{"a":[01]}`, "Invalid numeric value: Leading zeroes not allowed"},
		{`{"a":["x\q"]}`, "Unrecognized character escape 'q' (code 113)"},
		{`{"a":[tru]}`, "Unrecognized token 'tru': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"},
		{``, "Filter is not an object"},
		{`"x"`, "Filter is not an object"},
	}
	for _, c := range cases {
		t.Run(c.pattern, func(t *testing.T) {
			_, err := Parse(c.pattern)
			pe, ok := err.(*Error)
			if !ok {
				t.Fatalf("err = %v, want *Error", err)
			}
			if !strings.HasPrefix(pe.Reason, c.reason) {
				t.Fatalf("reason = %q, want %q", pe.Reason, c.reason)
			}
			if !strings.HasPrefix(pe.Error(), "Event pattern is not valid. Reason: ") {
				t.Fatalf("message = %q", pe.Error())
			}
		})
	}
}

func TestLimits(t *testing.T) {
	long := `{"a":["` + strings.Repeat("x", 2100) + `"]}`
	if _, err := Parse(long); err == nil {
		t.Fatal("2,100-character pattern accepted")
	}
	if _, err := Parse(long, WithMaxLength(4096)); err != nil {
		t.Fatalf("WithMaxLength(4096): %v", err)
	}
	if _, err := Parse(`{"a":["x"]}`, WithMaxLength(1), WithMaxLength(2)); err == nil || strings.Contains(err.Error(), "Event pattern") {
		t.Fatalf("option given twice: %v", err)
	}
	// 2^10 = 1024 combinations
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 10; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"f` + string(rune('a'+i)) + `":{"$or":[{"x":["1"]},{"y":["2"]}]}`)
	}
	b.WriteString("}")
	if _, err := Parse(b.String(), WithMaxLength(0)); err == nil {
		t.Fatal("1024 combinations accepted")
	}
	p, err := Parse(b.String(), WithMaxLength(0), WithMaxCombinations(2000))
	if err != nil {
		t.Fatal(err)
	}
	if p.Branches() != 1024 {
		t.Fatalf("branches = %d", p.Branches())
	}
}

func TestWildcardComplexity(t *testing.T) {
	for _, c := range []struct {
		patterns []string
		ok       bool
	}{
		{[]string{"*:*:*:*:*:event-bus/*"}, false},
		{[]string{"arn:aws:events:us-east-1:*:event-bus/*"}, true},
		{[]string{"/Users/*/dir/dir/dir/dir/dir/doc.txt"}, true},
		{[]string{"*.bif", "*.tiff", "*.tif", "*.svs"}, true},
		{[]string{"a*b*c"}, true},
	} {
		var alts []string
		for _, p := range c.patterns {
			alts = append(alts, `{"wildcard":"`+p+`"}`)
		}
		_, err := Parse(`{"k":[` + strings.Join(alts, ",") + `]}`)
		if (err == nil) != c.ok {
			t.Errorf("%v: err = %v, want ok=%v", c.patterns, err, c.ok)
		}
	}
}

func TestInvalidEvents(t *testing.T) {
	p := MustParse(`{"a":["x"]}`)
	for _, ev := range []string{``, `[]`, `"x"`, `{"a":`, `{"a":"x"`, `{"a":"x"} x`, `{"a":tru}`} {
		if _, err := p.Match([]byte(ev)); err != ErrInvalidEvent {
			t.Errorf("Match(%q) err = %v", ev, err)
		}
	}
	for _, ev := range []string{`{"id":"1"}`, `[1]`, `nope`} {
		if _, err := TestEventPattern(`{"a":["x"]}`, ev); err != ErrInvalidEvent {
			t.Errorf("TestEventPattern(%q) err = %v", ev, err)
		}
	}
}
