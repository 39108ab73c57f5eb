package target

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard/switchyard/internal/connection"
	"github.com/switchyard/switchyard/internal/store"
)

// benchEnv is a connection catalog with one API_KEY connection and n API
// destinations (rate limit 1,000,000/s: unlimited) pointing at a local
// receiver that answers 200 at once and measures its own handling time.
type benchEnv struct {
	targets []Target
	arns    []string
	mu      sync.Mutex
	recv    []time.Duration
}

func newBenchEnv(b *testing.B, n int) *benchEnv {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	st, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	runCtx, cancel := context.WithCancel(ctx)
	b.Cleanup(cancel)
	log := slog.New(slog.DiscardHandler)
	conns, err := connection.Open(runCtx, st, log)
	if err != nil {
		b.Fatal(err)
	}
	env := &benchEnv{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(200)
		d := time.Since(t0)
		env.mu.Lock()
		env.recv = append(env.recv, d)
		env.mu.Unlock()
	}))
	b.Cleanup(srv.Close)
	reg := NewRegistry()
	ad := NewAPIDestinations(conns, APIDestinationOptions{DataDir: dir, Log: log})
	reg.Register("events", EventsKind(ad.Kind))
	box, err := conns.SecretBox()
	if err != nil {
		b.Fatal(err)
	}
	s := connection.Scope{Account: "123456789012", Region: "us-east-1"}
	conn := &connection.Connection{Scope: s, Name: "c", ID: "0000-1", AuthorizationType: connection.AuthAPIKey, State: connection.ConnectionAuthorized, AuthVersion: 1}
	conn.Auth.APIKey = &connection.APIKeyAuth{Name: "x-api-key", Value: box.Seal(conn.Arn(), "k")}
	if err := conns.CreateConnection(ctx, conn); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		d := &connection.APIDestination{Scope: s, Name: fmt.Sprintf("d%d", i), ID: "0000-2", ConnectionArn: conn.Arn(),
			InvocationEndpoint: srv.URL + "/hook/*", HTTPMethod: "POST", RateLimit: 1_000_000}
		if err := conns.CreateAPIDestination(ctx, d); err != nil {
			b.Fatal(err)
		}
		env.arns = append(env.arns, d.Arn())
		env.targets = append(env.targets, reg.Resolve(d.Arn()))
	}
	return env
}

var benchEvent = []byte(`{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"Order Placed","source":"com.example.orders","account":"123456789012","time":"2026-01-02T03:04:05Z","region":"us-east-1","resources":[],"detail":{"orderId":"1234567890","customer":{"id":"c-42","tier":"gold"},"items":[{"sku":"A-1","qty":2,"price":12.5},{"sku":"B-7","qty":1,"price":99.99}],"total":124.99,"currency":"EUR","notes":"leave at the door, ring twice, thanks"}}`)

var benchConfig = []byte(`{"Id":"t","Arn":"x","HttpParameters":{"PathParameterValues":["orders"],"HeaderParameters":{"X-Tenant":"acme"},"QueryStringParameters":{"v":"2"}}}`)

// run invokes the destinations from workers goroutines (the i-th
// invocation goes to destination i % n) and reports deliveries/s and the latency Switchyard
// adds: the invocation's duration minus the receiver's own handling.
func (env *benchEnv) run(b *testing.B, workers int) {
	var next atomic.Int64
	lat := make([][]time.Duration, workers)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			invs := make([]Invocation, len(env.targets))
			for i := range invs {
				invs[i] = Invocation{Account: "123456789012", Region: "us-east-1", EventID: "e", TargetArn: env.arns[i], Config: benchConfig, Event: benchEvent, Payload: benchEvent}
			}
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					break
				}
				i := int(n) % len(env.targets)
				tg, inv := env.targets[i], &invs[i]
				t0 := time.Now()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				err := tg.Invoke(ctx, inv)
				cancel()
				lat[w] = append(lat[w], time.Since(t0))
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	env.mu.Lock()
	recv := slices.Clone(env.recv)
	env.mu.Unlock()
	slices.Sort(recv)
	pct := func(d []time.Duration, p float64) float64 {
		if len(d) == 0 {
			return 0
		}
		return float64(d[min(len(d)-1, int(float64(len(d))*p))].Microseconds())
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(pct(all, 0.50), "p50-µs")
	b.ReportMetric(pct(all, 0.99), "p99-µs")
	b.ReportMetric(pct(recv, 0.99), "receiver-p99-µs")
	b.ReportMetric(pct(all, 0.99)-pct(recv, 0.99), "added-p99-µs")
	b.ReportMetric(0, "ns/op")
}

// One destination with the concurrency a delivery lane gives a target
// (16 invocations in flight).
func BenchmarkAPIDestinationOne(b *testing.B) {
	newBenchEnv(b, 1).run(b, 16)
}

// 100 destinations invoked in parallel, round robin (32 invocations in
// flight; the delivery lanes allow 16 per destination).
func BenchmarkAPIDestination100(b *testing.B) {
	newBenchEnv(b, 100).run(b, 32)
}
