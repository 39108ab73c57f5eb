package arn

import "testing"

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want ARN
		ok   bool
	}{
		{"arn:aws:events:us-east-1:123456789012:event-bus/orders", ARN{"aws", "events", "us-east-1", "123456789012", "event-bus/orders"}, true},
		{"arn:aws:events:us-east-1:123456789012:rule/bus/name", ARN{"aws", "events", "us-east-1", "123456789012", "rule/bus/name"}, true},
		{"arn:aws:lambda:eu-west-1:1:function:fn:prod", ARN{"aws", "lambda", "eu-west-1", "1", "function:fn:prod"}, true},
		{"arn:aws:s3:::bucket/key", ARN{"aws", "s3", "", "", "bucket/key"}, true},
		{"arn:aws-cn:sqs:cn-north-1:1:q", ARN{"aws-cn", "sqs", "cn-north-1", "1", "q"}, true},
		{"arn:aws:sqs:us-east-1:1:", ARN{}, false},
		{"arn:aws:sqs:us-east-1", ARN{}, false},
		{"arn::sqs:us-east-1:1:q", ARN{}, false},
		{"aws:sqs:us-east-1:1:q", ARN{}, false},
		{"", ARN{}, false},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("Parse(%q) = %+v, %v", c.in, got, err)
		}
		if c.ok && got.String() != c.in {
			t.Errorf("String() = %q, want %q", got.String(), c.in)
		}
	}
}

func TestResourceOf(t *testing.T) {
	a, _ := Parse("arn:aws:events:us-east-1:1:event-bus/orders")
	if n, ok := a.ResourceOf("event-bus"); !ok || n != "orders" {
		t.Errorf("ResourceOf(event-bus) = %q %v", n, ok)
	}
	if _, ok := a.ResourceOf("event"); ok {
		t.Error("ResourceOf(event) matched event-bus/")
	}
	f, _ := Parse("arn:aws:lambda:us-east-1:1:function:fn")
	if n, ok := f.ResourceOf("function"); !ok || n != "fn" {
		t.Errorf("ResourceOf(function) = %q %v", n, ok)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"arn:aws:events:us-east-1:1:event-bus/x", "arn:aws:s3:::b", "arn:::::", "arn:a:b:c:d:e:f:g"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			return
		}
		if a.String() != s {
			t.Fatalf("round trip %q -> %q", s, a.String())
		}
	})
}
