package topic

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/switchyard/switchyard/internal/awsproto"
)

// FuzzFilterPolicy parses arbitrary policies in both scopes: parsing never
// panics, a refusal is always an InvalidParameter worded "Invalid
// parameter: ...", an accepted policy matches any message without
// panicking, and a policy accepted in attribute scope is accepted in body
// scope too (attribute scope only adds restrictions). Seeds live in
// testdata/fuzz/FuzzFilterPolicy.
func FuzzFilterPolicy(f *testing.F) {
	for _, s := range []struct{ policy, msg string }{
		{`{"store":["example_corp"],"price":[{"numeric":[">",100]}]}`, `{"store":"example_corp","price":150}`},
		{`{"$or":[{"a":["1"]},{"b":[{"prefix":"x"}]}]}`, `{"b":"xyz"}`},
		{`{"a":{"b":[{"anything-but":{"prefix":"int-"}}]}}`, `{"a":{"b":"ext"}}`},
		{`{"ip":[{"cidr":"10.0.0.0/24"}],"c":[{"equals-ignore-case":"RED"}]}`, `{"ip":"10.0.0.1","c":"red"}`},
		{`{"k":[{"exists":false}],"n":[null,true,1.5e3]}`, `{"n":[true]}`},
		{`{"key":[{"wildcard":"x*"}]}`, `{}`},
		{`{"key":[]}`, `{}`},
		{`{"a":[1],"b":[1],"c":[1],"d":[1],"e":[1],"f":[1]}`, `{}`},
	} {
		f.Add(s.policy, s.msg)
	}
	f.Fuzz(func(t *testing.T, policy, msg string) {
		fa, errA := ParseFilterPolicy(policy, ScopeAttributes)
		fb, errB := ParseFilterPolicy(policy, ScopeBody)
		for _, err := range []error{errA, errB} {
			if err == nil {
				continue
			}
			var ae *awsproto.Error
			if !errors.As(err, &ae) || ae.QueryCode != "InvalidParameter" || !strings.HasPrefix(ae.Message, "Invalid parameter: ") {
				t.Fatalf("refusal %v is not SNS's InvalidParameter", err)
			}
		}
		if errA == nil && errB != nil {
			t.Fatalf("accepted in attribute scope, refused in body scope: %v", errB)
		}
		attrs := map[string]Attribute{}
		var doc map[string]any
		if json.Unmarshal([]byte(msg), &doc) == nil {
			for k, v := range doc {
				switch x := v.(type) {
				case string:
					attrs[k] = Attribute{DataType: "String", StringValue: x}
				case float64:
					b, _ := json.Marshal(x)
					attrs[k] = Attribute{DataType: "Number", StringValue: string(b)}
				default:
					b, _ := json.Marshal(x)
					attrs[k] = Attribute{DataType: "String.Array", StringValue: string(b)}
				}
			}
		}
		ad := AttributesDocument(attrs)
		if !json.Valid(ad) {
			t.Fatalf("attributes document is not JSON: %s", ad)
		}
		if fa != nil {
			fa.Match(ad, msg)
		}
		if fb != nil {
			fb.Match(ad, msg)
		}
	})
}
