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
	rt := &runtime{layout: newLayout("0123456789abcdef0123456789abcdef"), handleKey: []byte("key")}
	stream, consumer := rt.stream, rt.consumer
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	v1 := "$JS.ACK." + stream + "." + consumer + ".1.42.7.1700000000000000000.0"
	h := rt.encodeReceipt(receipt{subject: v1})
	if rc, ok := rt.parseReceipt(h); !ok || rc.seq != 42 || rc.subject != v1 {
		t.Fatalf("v1 handle: %+v %v", rc, ok)
	}
	v2 := "$JS.ACK._.ABCDEFabcdef123." + stream + "." + consumer + ".1.42.7.1700000000000000000.0.RaNd0m"
	if rc, ok := rt.parseReceipt(rt.encodeReceipt(receipt{subject: v2})); !ok || rc.seq != 42 {
		t.Fatalf("v2 handle: %+v %v", rc, ok)
	}
	// Another queue's key does not accept it; nor does the same subject
	// without the MAC, or with another's.
	other := &runtime{layout: rt.layout, handleKey: []byte("other")}
	if _, ok := other.parseReceipt(h); ok {
		t.Fatal("a handle accepted under another key")
	}
	raw, _ := base64.StdEncoding.DecodeString(h)
	bad := []string{
		"not base64 !",
		b64(v1),
		b64(v1 + " 00000000000000000000000000000000"),
		b64(string(raw[:len(raw)-1]) + "0"),
		rt.encodeReceipt(receipt{subject: "$JS.ACK._.ABCDEFabcdef123.receive.1.2.3.4.5"}), // 10 tokens
		rt.encodeReceipt(receipt{subject: "$JS.ACK.OTHER." + consumer + ".1.42.7.1.0"}),
		rt.encodeReceipt(receipt{subject: "$JS.ACK." + stream + ".delay.1.42.7.1.0"}),
		rt.encodeReceipt(receipt{subject: "$JS.ACK." + stream + "." + consumer + ".1.x.7.1.0"}),
		rt.encodeReceipt(receipt{subject: "$JS.ACK." + stream + "." + consumer + ".1.0.7.1.0"}),
		rt.encodeReceipt(receipt{subject: "$JS.API.STREAM.DELETE." + stream}),
		rt.encodeReceipt(receipt{subject: "$JS.ACK._.acc." + stream + "." + consumer + ".1.42.7.1.0.a b"}),
		// A FIFO receipt on a standard queue.
		rt.encodeReceipt(receipt{subject: v1, group: "abc", member: 2, first: 1, last: 3}),
		b64(""),
	}
	for _, h := range bad {
		if rc, ok := rt.parseReceipt(h); ok {
			t.Errorf("accepted %q: %+v", h, rc)
		}
	}
	// FIFO receipts carry the group and the sequences handed out.
	fifo := &runtime{layout: rt.layout, handleKey: []byte("key"), fifo: newFifoState()}
	f := receipt{subject: v1, group: "0a1b2c", member: 50, first: 43, last: 60}
	if rc, ok := fifo.parseReceipt(fifo.encodeReceipt(f)); !ok || rc.seq != 42 || rc.group != "0a1b2c" || rc.member != 50 || rc.first != 43 || rc.last != 60 {
		t.Fatalf("FIFO handle: %+v %v", rc, ok)
	}
	if _, ok := fifo.parseReceipt(fifo.encodeReceipt(receipt{subject: v1, group: "0a1b2c", member: 70, first: 43, last: 60})); ok {
		t.Fatal("FIFO handle with its message outside the range handed out")
	}
	if _, ok := fifo.parseReceipt(h); ok {
		t.Fatal("standard handle accepted by a FIFO queue")
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
	c.set("s", 1, 10)
	c.set("s", 1, 20) // first time wins
	c.set("s", 2, 30)
	if v, ok := c.get("s", 1); !ok || v != 10 {
		t.Fatalf("get 1: %d %v", v, ok)
	}
	c.set("s", 3, 40) // evicts 1
	if _, ok := c.get("s", 1); ok {
		t.Fatal("not evicted")
	}
	c.del("s", 2)
	if _, ok := c.get("s", 2); ok {
		t.Fatal("not deleted")
	}
	// A deleted queue's entries go with it.
	c = newFirstReceiveCache(8)
	c.set("a", 1, 1)
	c.set("b", 1, 2)
	c.set("a", 2, 3)
	c.dropQueue("a")
	if _, ok := c.get("a", 1); ok {
		t.Fatal("dropQueue left an entry")
	}
	if v, ok := c.get("b", 1); !ok || v != 2 {
		t.Fatal("dropQueue took another queue's entry")
	}
}
