package pattern

import (
	"reflect"
	"testing"
)

func TestExplain(t *testing.T) {
	cases := []struct {
		pattern, event string
		want           Explanation
	}{
		{`{"a":["x"]}`, `{"a":"x"}`, Explanation{Matched: true}},
		{`{"a":["x","y"]}`, `{"a":"z"}`, Explanation{Reasons: []string{`a: "z" is not one of ["x","y"]`}}},
		{`{"a":["x"]}`, `{"a":["p","q"]}`, Explanation{Reasons: []string{`a: none of ["p","q"] is one of ["x"]`}}},
		{`{"a":["x"],"b":["y"]}`, `{"a":"x"}`, Explanation{Reasons: []string{`b: field is missing`}}},
		{`{"n":[{"numeric":[">", 5]}]}`, `{"n":3}`, Explanation{Reasons: []string{`n: 3 does not match [{"numeric":[">",5]}]`}}},
		{`{"n":[{"exists":false}]}`, `{"n":3}`, Explanation{Reasons: []string{`n: has the value 3, but the pattern requires the field to be absent`}}},
		{`{"$or":[{"a":["x"]},{"b":["y"]}]}`, `{"a":"y"}`, Explanation{Reasons: []string{`a: "y" is not one of ["x"]`, `b: field is missing`}}},
		{`{"e":{"f":["A"],"l":["B"]}}`, `{"e":[{"f":"A"},{"l":"B"}]}`, Explanation{Reasons: []string{`e.f, e.l: each field has a matching value, but not within one element of the same array`}}},
	}
	for _, c := range cases {
		x, err := MustParse(c.pattern).Explain([]byte(c.event))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(x, c.want) {
			t.Errorf("Explain(%s, %s) = %#v, want %#v", c.pattern, c.event, x, c.want)
		}
	}
}

func TestMatcherExplain(t *testing.T) {
	m := NewMatcher()
	_ = m.AddPattern("b", `{"a":["x"]}`)
	_ = m.AddPattern("a", `{"a":["y"]}`)
	got, err := m.Explain([]byte(`{"a":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []RuleExplanation{
		{Rule: "a", Explanation: Explanation{Reasons: []string{`a: "x" is not one of ["y"]`}}},
		{Rule: "b", Explanation: Explanation{Matched: true}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v", got)
	}
}
