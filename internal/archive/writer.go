package archive

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchyard/switchyard/internal/store"
)

// Archive copies are written in batches: the router hands each event to
// the writer, which stores the events that arrived while its previous
// write was in flight as one message per archive subject (group commit:
// no waiting for a batch to fill, so an idle bus pays one round trip per
// event as before). A batch message's subject ends in its event count
// (archive.<id>.e.<n>) and its data is the events separated by newlines;
// an event that contains a newline is stored alone (n = 1). Messages on
// the bare subjects (archive.<id>.e, .o and .r) hold one event.
const (
	// maxBatchEvents bounds the events of one batch message, and so the
	// number of subjects an archive stream uses (EventCount adds up the
	// per-subject counts).
	maxBatchEvents = 256
	// maxBatchBytes bounds a batch message's size (the stream accepts 2 MiB).
	maxBatchBytes = 1 << 20
	// maxRoundEvents bounds the events one write takes on.
	maxRoundEvents = 8192
)

// copyJob is one routed event to archive.
type copyJob struct {
	subjects []string // base subject in each archive that takes it
	event    []byte
	alone    bool // stored unbatched (a redelivered event, on .r)
	done     func(error)
}

// writer stores archive copies for the router until ctx ends.
type writer struct {
	ctx context.Context
	st  *store.Store

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []copyJob
	closed  error
	started bool
}

func newWriter(ctx context.Context, st *store.Store) *writer {
	w := &writer{ctx: ctx, st: st}
	w.cond = sync.NewCond(&w.mu)
	return w
}

// add queues a job, starting the writer on first use; after the writer's
// context ends the job fails at once.
func (w *writer) add(j copyJob) {
	ctx := w.ctx
	w.mu.Lock()
	if w.closed != nil {
		err := w.closed
		w.mu.Unlock()
		j.done(err)
		return
	}
	if !w.started {
		w.started = true
		context.AfterFunc(ctx, func() {
			w.mu.Lock()
			w.closed = ctx.Err()
			w.cond.Broadcast()
			w.mu.Unlock()
		})
		go w.loop(ctx)
	}
	w.queue = append(w.queue, j)
	w.cond.Signal()
	w.mu.Unlock()
}

func (w *writer) loop(ctx context.Context) {
	var jobs []copyJob
	for {
		w.mu.Lock()
		for len(w.queue) == 0 && w.closed == nil {
			w.cond.Wait()
		}
		if w.closed != nil {
			rest, err := w.queue, w.closed
			w.queue = nil
			w.mu.Unlock()
			for _, j := range rest {
				j.done(err)
			}
			return
		}
		n := 0
		take := 0
		for take < len(w.queue) && (take == 0 || n+len(w.queue[take].subjects) <= maxRoundEvents) {
			n += len(w.queue[take].subjects)
			take++
		}
		jobs = append(jobs[:0], w.queue[:take]...)
		w.queue = append(w.queue[:0], w.queue[take:]...)
		w.mu.Unlock()

		err := w.st.Publish(ctx, batchMessages(jobs)...)
		for i := range jobs {
			jobs[i].done(err)
			jobs[i] = copyJob{}
		}
	}
}

// batchMessages turns jobs into the messages to store, in job order
// within each subject.
func batchMessages(jobs []copyJob) []*store.Msg {
	type open struct {
		buf []byte
		n   int
	}
	var out []*store.Msg
	batches := map[string]*open{}
	var order []string
	emit := func(subject string, b *open) {
		if b.n > 0 {
			out = append(out, &store.Msg{Subject: subject + "." + strconv.Itoa(b.n), Data: b.buf})
			b.buf, b.n = nil, 0
		}
	}
	for _, j := range jobs {
		for _, subject := range j.subjects {
			if j.alone {
				out = append(out, &store.Msg{Subject: subject, Data: j.event})
				continue
			}
			if bytes.IndexByte(j.event, '\n') >= 0 {
				out = append(out, &store.Msg{Subject: subject + ".1", Data: j.event})
				continue
			}
			b := batches[subject]
			if b == nil {
				b = &open{}
				batches[subject] = b
				order = append(order, subject)
			}
			if b.n > 0 && (b.n == maxBatchEvents || len(b.buf)+1+len(j.event) > maxBatchBytes) {
				emit(subject, b)
			}
			if b.n > 0 {
				b.buf = append(b.buf, '\n')
			}
			b.buf = append(b.buf, j.event...)
			b.n++
		}
	}
	for _, subject := range order {
		emit(subject, batches[subject])
	}
	return out
}

// batchCount returns how many events a message on subject holds: the
// count that ends a batch subject, else 1.
func batchCount(subject string) int {
	i := strings.LastIndexByte(subject, '.')
	if i < 0 {
		return 1
	}
	n, err := strconv.Atoi(subject[i+1:])
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// eachEvent calls fn for each event of an archive message until fn returns
// false; it reports whether fn always returned true.
func eachEvent(m *store.Msg, fn func(event []byte) bool) bool {
	n := batchCount(m.Subject)
	if n == 1 {
		return fn(m.Data)
	}
	data := m.Data
	for i := 0; i < n-1; i++ {
		j := bytes.IndexByte(data, '\n')
		if j < 0 {
			break // a malformed batch: what is left is the last event
		}
		if !fn(data[:j]) {
			return false
		}
		data = data[j+1:]
	}
	return fn(data)
}

// redelivered holds the ids of the events stored again on an archive's .r
// subject (normally none), so that a read that meets such an event more
// than once (its first copy, then the .r one) passes it on once.
type redelivered struct {
	marked, seen map[string]bool
}

// readRedelivered reads the ids of the events on the .r subject of an
// archive whose time passes in.
func (a *Archives) readRedelivered(ctx context.Context, stream, archiveID string, in func(time.Time) bool) (redelivered, error) {
	marked := map[string]bool{}
	err := a.st.Read(ctx, stream, store.ReadOptions{Filter: subjectRedelivered(archiveID)}, func(m *store.Msg) bool {
		if t, ok := eventTime(m.Data); ok && in(t) {
			marked[eventID(m.Data)] = true
		}
		return ctx.Err() == nil
	})
	if len(marked) == 0 {
		return redelivered{}, err
	}
	return redelivered{marked: marked, seen: map[string]bool{}}, err
}

// first reports whether an event is to be passed on: it was not stored
// again, or this is the first of its copies the read meets.
func (r redelivered) first(event []byte) bool {
	if len(r.marked) == 0 {
		return true
	}
	id := eventID(event)
	if !r.marked[id] {
		return true
	}
	if r.seen[id] {
		return false
	}
	r.seen[id] = true
	return true
}
