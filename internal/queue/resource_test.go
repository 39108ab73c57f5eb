package queue

import (
	"context"
	"fmt"
	"os"
	goruntime "runtime"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// usage is what the process holds: open descriptors, goroutines and the
// live heap after a collection.
type usage struct {
	fds, goroutines int
	heap            uint64
}

func measure(t testing.TB) usage {
	t.Helper()
	var u usage
	for i := 0; i < 3; i++ {
		goruntime.GC()
	}
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	u.heap = ms.HeapAlloc
	u.goroutines = goruntime.NumGoroutine()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	u.fds = len(fds)
	return u
}

func (u usage) String() string {
	return fmt.Sprintf("%d descriptors, %d goroutines, %.1f MiB heap", u.fds, u.goroutines, float64(u.heap)/(1<<20))
}

// parallel runs f(0..n-1) on 16 goroutines.
func parallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			f(i)
		}()
	}
	wg.Wait()
}

// TestThousandQueuesCostMemoryOnly: 1,000 queues, some with a message, one
// in ten received from, hold no descriptor or goroutine each once they are
// idle, and deleting them gives their memory back.
func TestThousandQueuesCostMemoryOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 1,000 queues")
	}
	const queues = 1000
	e := newEnv(t)
	// Receive consumers go once idle for this long (five minutes by
	// default).
	e.svc.idle.Store(int64(2 * time.Second))
	ctx := context.Background()
	// Warm up what every queue service does once (the first queue, the
	// HTTP connections, the SDK's caches).
	warm := e.createQueue("warm-up", nil)
	e.send(warm, "x")
	e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(warm)})
	if _, err := e.client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(warm)}); err != nil {
		t.Fatal(err)
	}
	base := measure(t)
	t.Logf("0 queues: %v", base)

	urls := make([]string, queues)
	parallel(queues, func(i int) {
		name := fmt.Sprintf("q-%04d", i)
		var attrs map[string]string
		if i%10 == 9 {
			name += ".fifo"
			attrs = map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}
		}
		urls[i] = e.createQueue(name, attrs)
		switch {
		case i%10 == 9:
			e.sendFifo(urls[i], "m", "g", "")
		case i%10 == 0:
			e.send(urls[i], "m")
		}
	})
	created := measure(t)
	t.Logf("%d queues, one in five with a message: %v", queues, created)

	// Receiving creates what serves receives; once the queues are idle
	// again it must be gone.
	parallel(queues, func(i int) {
		if i%10 == 0 || i%10 == 9 {
			for _, m := range e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(urls[i]), WaitTimeSeconds: 1}) {
				if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(urls[i]), ReceiptHandle: m.ReceiptHandle}); err != nil {
					t.Error(err)
				}
			}
		}
	})
	received := measure(t)
	t.Logf("after receiving from one in five: %v", received)
	idle := waitFor(t, func(u usage) bool { return u.goroutines <= base.goroutines+100 })
	t.Logf("idle again: %v", idle)

	parallel(queues, func(i int) {
		if _, err := e.client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(urls[i])}); err != nil {
			t.Error(err)
		}
	})
	t.Logf("all deleted: %v", measure(t))
	// The embedded server keeps recently written blocks cached for a few
	// seconds; the test's 16 connections hold their buffers.
	e.client = e.newClient(1)
	heapLimit := base.heap + base.heap/4 + 2<<20
	deleted := waitFor(t, func(u usage) bool { return u.heap <= heapLimit })
	t.Logf("all deleted, caches expired: %v", deleted)

	// Margins: a few descriptors and goroutines come and go with
	// connections and timers, never one per queue.
	for _, u := range []struct {
		name string
		u    usage
	}{{"created", created}, {"idle", idle}, {"deleted", deleted}} {
		if u.u.fds > base.fds+50 {
			t.Errorf("%s: %d descriptors, %d at the start", u.name, u.u.fds, base.fds)
		}
		if u.u.goroutines > base.goroutines+100 {
			t.Errorf("%s: %d goroutines, %d at the start", u.name, u.u.goroutines, base.goroutines)
		}
	}
	if deleted.heap > heapLimit {
		t.Errorf("heap %.1f MiB after deleting every queue, %.1f MiB at the start", float64(deleted.heap)/(1<<20), float64(base.heap)/(1<<20))
	}
}

// waitFor measures until ok holds or a minute has passed, and returns the
// last measurement (the caller checks it).
func waitFor(t *testing.T, ok func(usage) bool) usage {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		u := measure(t)
		if ok(u) || time.Now().After(deadline) {
			return u
		}
		time.Sleep(500 * time.Millisecond)
	}
}
