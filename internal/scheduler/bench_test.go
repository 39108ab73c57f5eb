package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/delivery"
	"github.com/switchyard/switchyard/internal/store"
	"github.com/switchyard/switchyard/internal/target"
)

// recorder is a target that notes when each delivery arrives.
type recorder struct {
	mu   sync.Mutex
	at   []time.Time
	want int
	done chan struct{}
}

func (r *recorder) Invoke(ctx context.Context, inv *target.Invocation) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.at = append(r.at, time.Now())
	if len(r.at) == r.want {
		close(r.done)
	}
	return nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTenThousandDue: 10,000 rules scheduled on one node, all due at
// the same minute. Reports the memory the schedules take, CPU used while
// idle, and the lateness of the fires (due time -> delivered to the
// target) at p50, p99 and max.
func BenchmarkTenThousandDue(b *testing.B) {
	const rules = 10000
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := delivery.Setup(ctx, st); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cat, err := catalog.Open(ctx, st, log)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := cat.EnsureDefaultBus(ctx, scope); err != nil {
		b.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 30, 0, time.UTC)
	for i := 0; i < rules; i++ {
		name := fmt.Sprintf("r%05d", i)
		_, err := cat.UpdateRule(ctx, scope, catalog.DefaultBus, name, func(*catalog.Rule) (*catalog.Rule, error) {
			return &catalog.Rule{Scope: scope, Name: name, Bus: catalog.DefaultBus, State: catalog.StateEnabled,
				ScheduleExpression: "cron(* * * * ? *)", Created: t0, ScheduleAnchor: t0,
				Targets: []catalog.Target{{ID: "t", Arn: "arn:aws:test:us-east-1:123456789012:sink", Raw: json.RawMessage(`{}`)}}}, nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	rec := &recorder{want: rules, done: make(chan struct{})}
	reg := target.NewRegistry()
	reg.Register("test", func(target.ARN) target.Target { return rec })
	d := delivery.New(st, reg,
		func(context.Context, string, target.QueueMessage) error { return nil }, log,
		delivery.Options{TargetConcurrency: 64})
	if err := d.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer d.Stop()

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	clock := newFakeClock(t0)
	s := New(st, cat, log, Options{Clock: clock})
	if err := s.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer s.Stop()
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)

	cpu0 := cpuTime()
	time.Sleep(2 * time.Second)
	idle := cpuTime() - cpu0

	b.ResetTimer()
	due := time.Now()
	clock.Set(time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC))
	select {
	case <-rec.done:
	case <-time.After(60 * time.Second):
		b.Fatalf("only %d of %d fires delivered", len(rec.at), rules)
	}
	b.StopTimer()
	lat := make([]time.Duration, len(rec.at))
	for i, t := range rec.at {
		lat[i] = t.Sub(due)
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(q(1), "max-ms")
	b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/(1<<20), "sched-heap-MB")
	b.ReportMetric(float64(idle.Microseconds())/1000/2, "idle-cpu-ms/s")
}
