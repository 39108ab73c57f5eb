package awsapi

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/switchyard/switchyard/internal/awsproto"
)

func TestValidationErrorMessage(t *testing.T) {
	var p Problems
	if p.Err() != nil {
		t.Fatal("empty Problems must give a nil error")
	}
	p.Null("name")
	if got, want := p.Err().Error(), "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	p.Add("a.b", "x", MaxLengthConstraint(3))
	p.AddSensitive("c", MinLengthConstraint(1))
	want := "3 validation errors detected: Value null at 'name' failed to satisfy constraint: Member must not be null; " +
		"Value 'x' at 'a.b' failed to satisfy constraint: Member must have length less than or equal to 3; " +
		"Value at 'c' failed to satisfy constraint: Member must have length greater than or equal to 1"
	if got := p.Err().Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if ve := p.Err().(*ValidationError); len(ve.Problems) != 3 {
		t.Errorf("Problems = %q", ve.Problems)
	}
}

func TestPaths(t *testing.T) {
	if got := Member("", "name"); got != "name" {
		t.Errorf("Member = %q", got)
	}
	if got := Member(Element(Member("", "targets"), 0), "id"); got != "targets.1.member.id" {
		t.Errorf("path = %q", got)
	}
	if got := MapValue("tags", "k"); got != "tags.k.member" {
		t.Errorf("MapValue = %q", got)
	}
}

func TestStringRuleOrder(t *testing.T) {
	r := &StringRule{
		Pattern:      NewPattern(`[a-z]+`, `^(?:[a-z]+)$`),
		HasMinLength: true, MinLength: 2,
		HasMaxLength: true, MaxLength: 3,
		Enum: []string{"ab", "abc"},
	}
	var p Problems
	r.Check(&p, "x", "ABCD")
	want := []string{
		"Value 'ABCD' at 'x' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+",
		"Value 'ABCD' at 'x' failed to satisfy constraint: Member must have length less than or equal to 3",
		"Value 'ABCD' at 'x' failed to satisfy constraint: Member must satisfy enum value set: [ab, abc]",
	}
	got := p.Err().(*ValidationError).Problems
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !r.Valid("ab") || r.Valid("a") || r.Valid("abcd") || r.Valid("bc") {
		t.Error("Valid is wrong")
	}
	if got, want := r.Describe(), "[Member must have length less than or equal to 3, Member must have length greater than or equal to 2, Member must satisfy regular expression pattern: [a-z]+, Member must satisfy enum value set: [ab, abc]]"; got != want {
		t.Errorf("Describe = %s", got)
	}
	// Length counts code points, not bytes.
	if !r.Valid("ab") || StringLength("é€😀") != 3 {
		t.Error("StringLength")
	}
	// An untranslatable pattern (empty Go expression) is never checked.
	if !NewPattern(`^(?!\s*$).+`, "").MatchString("") {
		t.Error("unchecked pattern must match")
	}
}

func TestIntAndFloatRules(t *testing.T) {
	var p Problems
	ir := &IntRule{HasMin: true, Min: 1, HasMax: true, Max: 100}
	ir.Check(&p, "limit", 0)
	ir.Check(&p, "limit", 101)
	ir.Check(&p, "limit", 50)
	fr := &FloatRule{Bits: 64, HasMin: true, Min: 0.5, HasMax: true, Max: 100}
	fr.Check(&p, "f", 100.5)
	fr.Check(&p, "f", 0.25)
	want := "4 validation errors detected: " +
		"Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
		"Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100; " +
		"Value '100.5' at 'f' failed to satisfy constraint: Member must have value less than or equal to 100.0; " +
		"Value '0.25' at 'f' failed to satisfy constraint: Member must have value greater than or equal to 0.5"
	if got := p.Err().Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestFormatJavaDouble(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{
		{1.5, "1.5"}, {100, "100.0"}, {0, "0.0"}, {math.Copysign(0, -1), "-0.0"}, {-3, "-3.0"},
		{1e7, "1.0E7"}, {1.234e10, "1.234E10"}, {9999999, "9999999.0"}, {0.001, "0.001"},
		{1e-4, "1.0E-4"}, {0.1, "0.1"}, {123456.789, "123456.789"}, {math.Inf(1), "Infinity"},
		{math.NaN(), "NaN"}, {1.7976931348623157e308, "1.7976931348623157E308"},
	} {
		if got := FormatJavaDouble(c.f); got != c.want {
			t.Errorf("FormatJavaDouble(%v) = %s, want %s", c.f, got, c.want)
		}
	}
	if got := FormatJavaFloat(0.1); got != "0.1" {
		t.Errorf("FormatJavaFloat(0.1) = %s", got)
	}
}

func TestJavaRendering(t *testing.T) {
	list := []string{"a", "b"}
	if got := JavaList(&list, JavaStr[string]); got != "[a, b]" {
		t.Errorf("JavaList = %s", got)
	}
	var nilList []string
	if got := JavaList(&nilList, JavaStr[string]); got != "null" {
		t.Errorf("nil JavaList = %s", got)
	}
	empty := []int32{}
	if got := JavaList(&empty, JavaInt[int32]); got != "[]" {
		t.Errorf("empty JavaList = %s", got)
	}
	m := map[string]int64{"b": 2, "a": 1}
	if got := JavaMap(&m, JavaInt[int64]); got != "{a=1, b=2}" {
		t.Errorf("JavaMap = %s", got)
	}
	b := true
	if JavaBool(&b) != "true" || JavaBool(nil) != "null" || JavaStr[string](nil) != "null" {
		t.Error("scalar rendering")
	}
	blob := []byte("abc")
	if got := JavaBlob(&blob); got != "java.nio.HeapByteBuffer[pos=0 lim=3 cap=3]" {
		t.Errorf("JavaBlob = %s", got)
	}
	ts := NewTimestamp(time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC))
	if got := JavaTimestamp(&ts); got != "Tue Nov 14 22:13:20 UTC 2023" {
		t.Errorf("JavaTimestamp = %s", got)
	}
}

func TestJavaMapKeysHashMapOrder(t *testing.T) {
	// Order recorded from AWS for these keys.
	m := map[string]string{"o que?": "", "Quem foi?": "", "de onde?": ""}
	if got := strings.Join(JavaMapKeys(m), "|"); got != "de onde?|Quem foi?|o que?" {
		t.Errorf("JavaMapKeys = %s", got)
	}
	// String.hashCode as Java computes it.
	for s, want := range map[string]int32{"": 0, "a": 97, "hello": 99162322, "polygenelubricants": math.MinInt32, "😀": 1772899} {
		if got := int32(javaStringHash(s)); got != want {
			t.Errorf("hash(%q) = %d, want %d", s, got, want)
		}
	}
	// The table grows like HashMap's: 12 entries fit in 16 buckets ('p' =
	// 112 lands in bucket 0), 13 need 32 (then 'p' is in bucket 16).
	keys := func(s string) map[string]int {
		m := map[string]int{}
		for _, r := range s {
			m[string(r)] = 0
		}
		return m
	}
	if got := strings.Join(JavaMapKeys(keys("efghijklmnop")), ""); got != "pefghijklmno" {
		t.Errorf("12 keys: %s", got)
	}
	if got := strings.Join(JavaMapKeys(keys("defghijklmnop")), ""); got != "defghijklmnop" {
		t.Errorf("13 keys: %s", got)
	}
}

func TestTimestampJSON(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Time
		out  string
	}{
		{`1700000000`, time.Unix(1700000000, 0), `1700000000`},
		{`1700000000.5`, time.Unix(1700000000, 5e8), `1700000000.5`},
		{`1700000000.123`, time.Unix(1700000000, 123e6), `1700000000.123`},
		{`1.700000000123E9`, time.Unix(1700000000, 123e6), `1700000000.123`},
		{`"1700000000"`, time.Unix(1700000000, 0), `1700000000`},
		{`"1700000000.25"`, time.Unix(1700000000, 25e7), `1700000000.25`},
		{`"2023-11-14T22:13:20Z"`, time.Unix(1700000000, 0), `1700000000`},
		{`"2023-11-14T22:13:20.5Z"`, time.Unix(1700000000, 5e8), `1700000000.5`},
		{`"2023-11-14T23:13:20+01:00"`, time.Unix(1700000000, 0), `1700000000`},
		{`"2023-11-14T22:13:20"`, time.Unix(1700000000, 0), `1700000000`},
		{`"2023-11-14t22:13:20z"`, time.Unix(1700000000, 0), `1700000000`},
		{`"Tue, 14 Nov 2023 22:13:20 GMT"`, time.Unix(1700000000, 0), `1700000000`},
		{`"2023-11-14"`, time.Unix(1699920000, 0), `1699920000`},
		{`-1.5`, time.Unix(-2, 5e8), `-1.5`},
		{`-0.5`, time.Unix(-1, 5e8), `-0.5`},
		{`0`, time.Unix(0, 0), `0`},
	} {
		var ts Timestamp
		if err := json.Unmarshal([]byte(c.in), &ts); err != nil {
			t.Errorf("Unmarshal(%s): %v", c.in, err)
			continue
		}
		if !ts.Equal(c.want) {
			t.Errorf("Unmarshal(%s) = %v, want %v", c.in, ts.Time, c.want.UTC())
		}
		out, err := json.Marshal(ts)
		if err != nil || string(out) != c.out {
			t.Errorf("Marshal(%s) = %s, %v; want %s", c.in, out, err, c.out)
		}
		var back Timestamp
		if err := json.Unmarshal(out, &back); err != nil || !back.Equal(ts.Time) {
			t.Errorf("round trip of %s: %v %v", out, back.Time, err)
		}
	}
	for _, bad := range []string{`"yesterday"`, `true`, `{}`, `"1e999999999"`, `1e999999999`, `"0x10"`, `"1/2"`, `"NaN"`, `""`} {
		var ts Timestamp
		if err := json.Unmarshal([]byte(bad), &ts); err == nil {
			t.Errorf("Unmarshal(%s) accepted: %v", bad, ts.Time)
		}
	}
	// null leaves the value alone; in a struct, an absent or null member is nil.
	var s struct {
		T *Timestamp `json:"T,omitempty"`
	}
	if err := json.Unmarshal([]byte(`{"T":null}`), &s); err != nil || s.T != nil {
		t.Errorf("null: %v %v", s.T, err)
	}
	if out, _ := json.Marshal(s); string(out) != `{}` {
		t.Errorf("absent member marshals as %s", out)
	}
	// Nanosecond precision survives a round trip.
	ts := NewTimestamp(time.Unix(1700000000, 123456789))
	out, _ := json.Marshal(ts)
	var back Timestamp
	if err := json.Unmarshal(out, &back); err != nil || !back.Equal(ts.Time) || string(out) != "1700000000.123456789" {
		t.Errorf("nanoseconds: %s -> %v (%v)", out, back.Time, err)
	}
}

func TestPtrValue(t *testing.T) {
	p := Ptr(int32(3))
	if *p != 3 || Value(p) != 3 || Value[string](nil) != "" {
		t.Error("Ptr/Value")
	}
}

func TestValidationErrorCode(t *testing.T) {
	var p Problems
	p.Null("name")
	e := awsproto.AsError(p.Err(), "InternalFailure")
	if e.Code != "ValidationException" || e.HTTPStatus() != 400 || e.Message != "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null" {
		t.Errorf("AsError = %+v", e)
	}
}
