package queue

import (
	"encoding/base64"
	"testing"
)

func TestMD5OfAttributes(t *testing.T) {
	str := func(v string) Attribute { return Attribute{DataType: "String", StringValue: v} }
	cases := []struct {
		name  string
		attrs map[string]Attribute
		want  string
	}{
		// Recorded against AWS (LocalStack's aws-validated snapshots).
		{"three strings", map[string]Attribute{"General": str("Kenobi"), "Hello": str("There"), "Help.Me": str("Me")}, "4c360f3fdafd970e05fae2f149d997f5"},
		{"two strings", map[string]Attribute{"General": str("Kenobi"), "Hello": str("There")}, "fca026605781cb4126a1e9044df24232"},
		{"one string", map[string]Attribute{"Hello": str("There")}, "a311262e065454b75da111d535b8dacd"},
		{"Foo", map[string]Attribute{"Foo": str("Bar")}, "ae7155c6026991b6d54b11589678bf9c"},
		{"binary", map[string]Attribute{"attr1": {DataType: "Binary", BinaryValue: []byte("traceparent\x1e00-774062d6c37081a5a0b9b5b88e30627c-2d2482211f6489da-01")}}, "8cbe4db156db8a94db8b801b7addb984"},
		// From an SDK-driven emulator test suite (same algorithm).
		{"custom number", map[string]Attribute{"UserId": {DataType: "Number.bigint", StringValue: "1234567890123456789012"}}, "797ab158d73dcb5242dedc4412c8e855"},
		{"hello world", map[string]Attribute{"Hello": str("World")}, "7db7fb1ba7f41366a8ea5eb18220b26d"},
		{"none", nil, ""},
	}
	for _, c := range cases {
		if got := md5OfAttributes(c.attrs, sortedNames(c.attrs)); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	if got := md5Hex("msg"); got != "6e2baaf3b97dbeef01c0043275f9a0e7" {
		t.Errorf("body MD5 %s", got)
	}
}

func TestParseReceipt(t *testing.T) {
	const stream = "SQS_0123456789abcdef0123456789abcdef"
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	v1 := "$JS.ACK." + stream + ".receive.1.42.7.1700000000000000000.0"
	if rc, ok := parseReceipt(b64(v1), stream); !ok || rc.seq != 42 || rc.subject != v1 {
		t.Fatalf("v1 handle: %+v %v", rc, ok)
	}
	v2 := "$JS.ACK._.ABCDEFabcdef123." + stream + ".receive.1.42.7.1700000000000000000.0.RaNd0m"
	if rc, ok := parseReceipt(b64(v2), stream); !ok || rc.seq != 42 {
		t.Fatalf("v2 handle: %+v %v", rc, ok)
	}
	bad := []string{
		"not base64 !",
		b64("$JS.ACK._.ABCDEFabcdef123.receive.1.2.3.4.5"), // 10 tokens
		b64("$JS.ACK.OTHER.receive.1.42.7.1.0"),
		b64("$JS.ACK." + stream + ".delay.1.42.7.1.0"),
		b64("$JS.ACK." + stream + ".receive.1.x.7.1.0"),
		b64("$JS.ACK." + stream + ".receive.1.0.7.1.0"),
		b64("$JS.API.STREAM.DELETE." + stream),
		b64("$JS.ACK.*.>." + stream + ".receive.1.42.7.1.0"),
		b64("$JS.ACK._.acc." + stream + ".receive.1.42.7.1.0.a b"),
		b64(""),
	}
	for _, h := range bad {
		if rc, ok := parseReceipt(h, stream); ok {
			t.Errorf("accepted %q: %+v", h, rc)
		}
	}
}

func TestParseQueueURL(t *testing.T) {
	cases := map[string]string{
		"http://localhost:4010/000000000000/orders":                "000000000000/orders",
		"https://sqs.us-east-1.amazonaws.com/123456789012/q.fifo":  "123456789012/q.fifo",
		"http://localhost:4566/queue/us-east-1/000000000000/local": "000000000000/local",
		"http://h/000000000000/orders/":                            "000000000000/orders",
		"orders":                                                   "",
		"http://h/orders":                                          "",
		"://bad":                                                   "",
	}
	for raw, want := range cases {
		account, name, ok := parseQueueURL(raw)
		got := ""
		if ok {
			got = account + "/" + name
		}
		if got != want {
			t.Errorf("%q: %q, want %q", raw, got, want)
		}
	}
}

func TestFirstReceiveCache(t *testing.T) {
	c := newFirstReceiveCache(2)
	c.set(firstReceiveKey{"s", 1}, 10)
	c.set(firstReceiveKey{"s", 1}, 20) // first time wins
	c.set(firstReceiveKey{"s", 2}, 30)
	if v, ok := c.get(firstReceiveKey{"s", 1}); !ok || v != 10 {
		t.Fatalf("get 1: %d %v", v, ok)
	}
	c.set(firstReceiveKey{"s", 3}, 40) // evicts 1
	if _, ok := c.get(firstReceiveKey{"s", 1}); ok {
		t.Fatal("not evicted")
	}
	c.del(firstReceiveKey{"s", 2})
	if _, ok := c.get(firstReceiveKey{"s", 2}); ok {
		t.Fatal("not deleted")
	}
}
