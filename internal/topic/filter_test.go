package topic

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/switchyard/switchyard/internal/awsproto"
)

func attrsOf(kv ...string) map[string]Attribute {
	// name, type, value triples
	out := map[string]Attribute{}
	for i := 0; i+2 < len(kv); i += 3 {
		a := Attribute{DataType: kv[i+1], StringValue: kv[i+2]}
		if strings.HasPrefix(kv[i+1], "Binary") {
			a = Attribute{DataType: kv[i+1], BinaryValue: []byte(kv[i+2])}
		}
		out[kv[i]] = a
	}
	return out
}

// Filter semantics, attribute scope: a policy is matched against the
// attributes document (String -> string, Number -> number, String.Array ->
// array, Binary left out).
func TestFilterAttributes(t *testing.T) {
	cases := []struct {
		name   string
		policy string
		attrs  map[string]Attribute
		want   bool
	}{
		{"exact", `{"store":["example_corp"]}`, attrsOf("store", "String", "example_corp"), true},
		{"exact other", `{"store":["example_corp"]}`, attrsOf("store", "String", "other"), false},
		{"missing attribute", `{"store":["example_corp"]}`, nil, false},
		{"extra attributes ignored", `{"store":["a"]}`, attrsOf("store", "String", "a", "x", "String", "y"), true},
		{"AND of keys", `{"a":["1"],"b":["2"]}`, attrsOf("a", "String", "1", "b", "String", "3"), false},
		{"OR of values", `{"a":["1","2"]}`, attrsOf("a", "String", "2"), true},
		{"string array any element", `{"interests":["rugby"]}`, attrsOf("interests", "String.Array", `["soccer","rugby"]`), true},
		{"string array no element", `{"interests":["rugby"]}`, attrsOf("interests", "String.Array", `["soccer"]`), false},
		{"string array numbers", `{"n":[{"numeric":[">",5]}]}`, attrsOf("n", "String.Array", `[1, 7]`), true},
		{"string array not an array stays a string", `{"a":["[x"]}`, attrsOf("a", "String.Array", `[x`), true},
		{"number range", `{"price":[{"numeric":[">",0,"<=",100]}]}`, attrsOf("price", "Number", "99"), true},
		{"number range out", `{"price":[{"numeric":[">",0,"<=",100]}]}`, attrsOf("price", "Number", "100.5"), false},
		{"number exact compares numerically", `{"price":[100]}`, attrsOf("price", "Number", "1e2"), true},
		{"number with a label", `{"price":[{"numeric":["=",3]}]}`, attrsOf("price", "Number.int", "3"), true},
		{"numeric on a String attribute", `{"price":[{"numeric":[">",0]}]}`, attrsOf("price", "String", "150"), false},
		{"string value vs Number attribute", `{"price":["150"]}`, attrsOf("price", "Number", "150"), false},
		{"prefix", `{"event":[{"prefix":"order-"}]}`, attrsOf("event", "String", "order-placed"), true},
		{"suffix", `{"file":[{"suffix":".png"}]}`, attrsOf("file", "String", "a.png"), true},
		{"equals-ignore-case", `{"c":[{"equals-ignore-case":"RED"}]}`, attrsOf("c", "String", "rEd"), true},
		{"anything-but value", `{"c":[{"anything-but":["red","blue"]}]}`, attrsOf("c", "String", "green"), true},
		{"anything-but excluded", `{"c":[{"anything-but":"red"}]}`, attrsOf("c", "String", "red"), false},
		{"anything-but needs the attribute", `{"c":[{"anything-but":"red"}]}`, nil, false},
		{"anything-but prefix", `{"c":[{"anything-but":{"prefix":"int-"}}]}`, attrsOf("c", "String", "ext-1"), true},
		{"anything-but prefix excluded", `{"c":[{"anything-but":{"prefix":"int-"}}]}`, attrsOf("c", "String", "int-1"), false},
		{"anything-but number on Number", `{"n":[{"anything-but":[100]}]}`, attrsOf("n", "Number", "100.0"), false},
		{"anything-but string on Number", `{"n":[{"anything-but":["x"]}]}`, attrsOf("n", "Number", "5"), true},
		{"null does not match a missing attribute", `{"a":[null,{"anything-but":"whatever"}]}`, nil, false},
		{"exists true", `{"store":[{"exists":true}]}`, attrsOf("store", "Number", "99"), true},
		{"exists true missing", `{"store":[{"exists":true}]}`, attrsOf("def", "Number", "99"), false},
		{"exists false", `{"store":[{"exists":false}]}`, attrsOf("def", "Number", "99"), true},
		{"exists false present", `{"store":[{"exists":false}]}`, attrsOf("store", "String", "x"), false},
		{"binary attributes are not filtered on", `{"b":[{"exists":true}]}`, attrsOf("b", "Binary", "xyz"), false},
		{"cidr", `{"ip":[{"cidr":"10.0.0.0/24"}]}`, attrsOf("ip", "String", "10.0.0.255"), true},
		{"cidr out", `{"ip":[{"cidr":"10.0.0.0/24"}]}`, attrsOf("ip", "String", "10.0.1.1"), false},
		{"$or", `{"$or":[{"a":["1"]},{"b":["2"]}]}`, attrsOf("b", "String", "2"), true},
		{"$or none", `{"$or":[{"a":["1"]},{"b":["2"]}]}`, attrsOf("b", "String", "3"), false},
		{"nested $or", `{"c":["x"],"$or":[{"a":["1"]},{"$or":[{"b":["2"]},{"d":[{"exists":true}]}]}]}`, attrsOf("c", "String", "x", "d", "String", ""), true},
		{"empty policy matches all", `{}`, nil, true},
		{"dotted attribute name", `{"a.b":["x"]}`, attrsOf("a.b", "String", "x"), true},
		{"case-sensitive", `{"c":["Red"]}`, attrsOf("c", "String", "red"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := ParseFilterPolicy(c.policy, ScopeAttributes)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Match(AttributesDocument(c.attrs), "ignored"); got != c.want {
				t.Fatalf("Match(%s) = %v, want %v (document %s)", c.policy, got, c.want, AttributesDocument(c.attrs))
			}
		})
	}
}

// Body scope: EventBridge's semantics over the message body.
func TestFilterBody(t *testing.T) {
	cases := []struct {
		policy, body string
		want         bool
	}{
		{`{"object":{"key":[{"prefix":"auto-"}]}}`, `{"object":{"key":"auto-test"}}`, true},
		{`{"object":{"key":[{"prefix":"auto-"}]}}`, `{"object":{"key":"manual"}}`, false},
		{`{"object":{"key":[{"prefix":"auto-"}]}}`, `not json`, false},
		{`{"object":{"key":[{"prefix":"auto-"}]}}`, `["array"]`, false},
		{`{"object.nested":["string.value"]}`, `{"object":{"nested":"string.value"}}`, true},
		{`{"tags":["b"]}`, `{"tags":["a","b"]}`, true},
		{`{"total":[{"numeric":[">=",10]}]}`, `{"total":10.0}`, true},
		{`{"total":[{"numeric":[">=",10]}]}`, `{"total":"10"}`, false},
		{`{"e":{"f":["Anna"],"l":["Jones"]}}`, `{"e":[{"f":"Anna","l":"Smith"},{"f":"Peter","l":"Jones"}]}`, false},
		{`{"e":{"f":["Anna"],"l":["Jones"]}}`, `{"e":[{"f":"Anna","l":"Jones"}]}`, true},
		{`{"a":[null]}`, `{"a":null}`, true},
		{`{"a":[{"exists":false}]}`, `{"b":1}`, true},
		{`{"$or":[{"a":[1]},{"b":{"c":[true]}}]}`, `{"b":{"c":true}}`, true},
	}
	for _, c := range cases {
		f, err := ParseFilterPolicy(c.policy, ScopeBody)
		if err != nil {
			t.Fatalf("%s: %v", c.policy, err)
		}
		if got := f.Match(AttributesDocument(nil), c.body); got != c.want {
			t.Errorf("Match(%s, %s) = %v, want %v", c.policy, c.body, got, c.want)
		}
	}
}

// Errors as SNS words them. Texts and locations of the Event Ruler errors
// are the ones AWS returned (LocalStack's AWS-validated snapshots,
// test_sns_filter_policy.snapshot.json).
func TestFilterPolicyErrors(t *testing.T) {
	loc := func(p string, col int) string {
		return "\n at [Source: (String)\"" + p + "\"; line: 1, column: " + itoa(col) + "]"
	}
	many := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(itoa(i))
		}
		return b.String()
	}
	cases := []struct {
		policy, scope, want string
	}{
		{`{"key":[["value"]]}`, ScopeAttributes, "FilterPolicy: Match value must be String, number, true, false, or null" + loc(`{"key":[["value"]]}`, 10)},
		{`{"key":[{"wrong-operator":true}]}`, ScopeAttributes, "FilterPolicy: Unrecognized match type wrong-operator" + loc(`{"key":[{"wrong-operator":true}]}`, 31)},
		{`{"key":[{"suffix":"value","prefix":"value2"}]}`, ScopeAttributes, "FilterPolicy: Only one key allowed in match expression" + loc(`{"key":[{"suffix":"value","prefix":"value2"}]}`, 37)},
		{`{"key":[{"suffix":100}]}`, ScopeAttributes, "FilterPolicy: suffix match pattern must be a string" + loc(`{"key":[{"suffix":100}]}`, 22)},
		{`{"key":{"suffix":"value"}}`, ScopeBody, "FilterPolicy: \"suffix\" must be an object or an array" + loc(`{"key":{"suffix":"value"}}`, 19)},
		{`{"key":[{"numeric":[]}]}`, ScopeAttributes, "FilterPolicy: Invalid member in numeric match: ]" + loc(`{"key":[{"numeric":[]}]}`, 22)},
		{`{"key":[{"numeric":["=","000"]}]}`, ScopeAttributes, "FilterPolicy: Value of equals must be numeric" + loc(`{"key":[{"numeric":["=","000"]}]}`, 26)},
		{`{"key":[{"numeric":[">",3,"<",1]}]}`, ScopeAttributes, "FilterPolicy: Bottom must be less than top" + loc(`{"key":[{"numeric":[">",3,"<",1]}]}`, 33)},
		{`{"key":[{"numeric":[">",20,"<",30,"<",50]}]}`, ScopeAttributes, "FilterPolicy: Too many terms in numeric range expression" + loc(`{"key":[{"numeric":[">",20,"<",30,"<",50]}]}`, 38)},
		{`{"key":[{"exists":"no"}]}`, ScopeAttributes, "FilterPolicy: exists match pattern must be either true or false." + loc(`{"key":[{"exists":"no"}]}`, 20)},
		{`{"key_a":"value_one"}`, ScopeAttributes, "FilterPolicy: \"key_a\" must be an object or an array" + loc(`{"key_a":"value_one"}`, 11)},
		{`{"key":[]}`, ScopeAttributes, "FilterPolicy: Empty arrays are not allowed" + loc(`{"key":[]}`, 10)},
		{`{"a":[1],"b":[1],"c":[1],"d":[1],"e":[1],"f":[1]}`, ScopeAttributes, "FilterPolicy: Filter policy can not have more than 5 keys"},
		{`{"key":[` + many(151) + `]}`, ScopeAttributes, "FilterPolicy: Filter policy is too complex"},
		{`{"a":[` + many(15) + `],"b":[` + many(11) + `]}`, ScopeAttributes, "FilterPolicy: Filter policy is too complex"},
		{`{"$or":[{"a":[` + many(100) + `]},{"b":[` + many(51) + `]}]}`, ScopeAttributes, "FilterPolicy: Filter policy is too complex"},
		// 4 values at depth 3 and 3 at depth 2: 4*3 * 3*2 = 72, accepted;
		// one more value at depth 3 makes 5*3*3*2 = 90, still fine; the
		// depth factor shows with more.
		{`{"a":{"b":{"c":[` + many(9) + `]}},"d":{"e":[` + many(3) + `]}}`, ScopeBody, "FilterPolicy: Filter policy is too complex"},
		{`{"object":{"key":["x"]}}`, ScopeAttributes, "Filter policy scope MessageAttributes does not support nested filter policy"},
		{`{"key":[{"wildcard":"x*"}]}`, ScopeAttributes, "FilterPolicy: Unrecognized match type wildcard" + loc(`{"key":[{"wildcard":"x*"}]}`, 22)},
		{`{"key":[{"anything-but":{"suffix":"x"}}]}`, ScopeAttributes, "FilterPolicy: Unsupported anything-but pattern: suffix" + loc(`{"key":[{"anything-but":{"suffix":"x"}}]}`, 36)},
	}
	for _, c := range cases {
		_, err := ParseFilterPolicy(c.policy, c.scope)
		var ae *awsproto.Error
		if !errors.As(err, &ae) {
			t.Errorf("%s: want an error, got %v", c.policy, err)
			continue
		}
		if want := "Invalid parameter: " + c.want; ae.Message != want || ae.QueryCode != "InvalidParameter" {
			t.Errorf("%s:\n got %s %q\nwant %q", c.policy, ae.QueryCode, ae.Message, want)
		}
		// Subscribe words it with "Attributes Reason:".
		_, err = parseFilterPolicy(c.policy, c.scope, true)
		if errors.As(err, &ae); !strings.HasPrefix(ae.Message, "Invalid parameter: Attributes Reason: ") {
			t.Errorf("Subscribe wording: %q", ae.Message)
		}
	}
	// Accepted at the limits.
	for _, p := range []string{
		`{"key":[` + many(150) + `]}`,
		`{"a":{"b":{"c":[` + many(4) + `]}},"d":{"e":[` + many(3) + `]}}`,
		`{"a":[1],"b":[1],"c":[1],"d":[1],"e":[1]}`,
	} {
		if _, err := ParseFilterPolicy(p, ScopeBody); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
