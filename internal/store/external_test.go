package store

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// A store can use an external NATS server (what --nats-url does) exactly
// like the embedded one.
func TestExternalServer(t *testing.T) {
	ns, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("external server not ready")
	}
	defer ns.Shutdown()
	ctx := context.Background()
	s, err := Open(ctx, Options{NATSURL: ns.ClientURL()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Embedded() {
		t.Fatal("store claims to be embedded")
	}
	if err := s.EnsureStream(ctx, StreamConfig{Name: "X", Subjects: []string{"x.>"}, WorkQueue: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.Publish(ctx, &Msg{Subject: "x.1", Data: []byte("hi")}); err != nil {
		t.Fatal(err)
	}
	c, err := s.EnsureConsumer(ctx, ConsumerConfig{Stream: "X", Durable: "c", AckWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Fetch(ctx, 1, time.Second)
	if err != nil || len(got) != 1 || string(got[0].Data()) != "hi" {
		t.Fatalf("fetch %v %v", got, err)
	}
	kv, err := s.KV(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "a", []byte("1")); err != nil {
		t.Fatal(err)
	}
}
