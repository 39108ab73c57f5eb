package store

import (
	"context"
	"sync"
	"testing"
	"time"
)

// BenchmarkPublish measures stored (acknowledged) publishes: one at a
// time, and pipelined batches of ten as PutEvents sends them.
func BenchmarkPublish(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, Options{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.EnsureStream(ctx, StreamConfig{Name: "B", Subjects: []string{"b.>"}, MaxAge: time.Hour}); err != nil {
		b.Fatal(err)
	}
	data := make([]byte, 500)
	for _, c := range []struct {
		name           string
		workers, batch int
	}{{"sync", 1, 1}, {"sync16", 16, 1}, {"batch10x16", 16, 10}} {
		b.Run(c.name, func(b *testing.B) {
			var wg sync.WaitGroup
			per := b.N/(c.workers*c.batch) + 1
			b.ResetTimer()
			for w := 0; w < c.workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					msgs := make([]*Msg, c.batch)
					for i := 0; i < per; i++ {
						for j := range msgs {
							msgs[j] = &Msg{Subject: "b.x", Data: data}
						}
						if err := s.Publish(ctx, msgs...); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(per*c.workers*c.batch)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
