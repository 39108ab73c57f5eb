package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchyard/switchyard/internal/event"
	"github.com/switchyard/switchyard/internal/store"
)

// retainReplays is how long finished replays stay listed (as in AWS).
const retainReplays = 90 * 24 * time.Hour

// sweepInterval is how often each node sweeps the streams of deleted
// archives (see sweep).
const sweepInterval = 15 * time.Second

// Start runs the replay runner until Stop: it claims replays that no live
// node runs and runs them. It also finishes archives left half created or
// updated (at start) and removes the streams of deleted archives that a
// node left behind (at start, then every sweepInterval).
func (a *Archives) Start(ctx context.Context) {
	ctx, a.stop = context.WithCancel(ctx)
	a.Reconcile(ctx)
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		var swept time.Time
		for {
			if now := time.Now(); now.Sub(swept) >= sweepInterval {
				a.sweep(ctx, now)
				swept = now
			}
			a.scan(ctx)
			select {
			case <-ctx.Done():
				return
			case <-a.kick:
			case <-tick.C:
			}
		}
	}()
}

// Stop ends the runner; replays in progress record their position and
// give up their lease, so the next node (or this one restarted) resumes
// them at once.
func (a *Archives) Stop() {
	if a.stop != nil {
		a.stop()
		a.wg.Wait()
		a.stop = nil
	}
}

func (a *Archives) wakeRunner() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// scan claims the replays that need a runner.
func (a *Archives) scan(ctx context.Context) {
	now := time.Now()
	type cand struct {
		id  nameID
		r   Replay
		rev uint64
	}
	var todo []cand
	var expired []cand
	a.mu.RLock()
	for id, re := range a.replays {
		r := re.r
		if r.Finished() {
			if !r.ReplayEnd.IsZero() && now.Sub(r.ReplayEnd) > retainReplays {
				expired = append(expired, cand{id, *r, re.rev})
			}
			continue
		}
		if r.Owner != "" && now.Before(r.LeaseUntil) {
			continue
		}
		todo = append(todo, cand{id, *r, re.rev})
	}
	a.mu.RUnlock()
	for _, c := range expired {
		_ = a.remove(ctx, replayKey(c.id.Scope, c.id.name), c.rev)
	}
	for _, c := range todo {
		a.runMu.Lock()
		_, busy := a.running[c.id]
		a.runMu.Unlock()
		if busy || ctx.Err() != nil {
			continue
		}
		a.claim(ctx, c.id, c.r, c.rev)
	}
}

// claim takes a replay with compare-and-set and runs it; a replay being
// cancelled is just marked CANCELLED.
func (a *Archives) claim(ctx context.Context, id nameID, r Replay, rev uint64) {
	now := time.Now().UTC()
	if r.State == ReplayCancelling {
		r.State, r.ReplayEnd, r.Owner, r.LeaseUntil = ReplayCancelled, now, "", time.Time{}
		data, _ := json.Marshal(&r)
		_, _ = a.update(ctx, replayKey(id.Scope, id.name), data, rev)
		return
	}
	r.Owner, r.LeaseUntil = a.opts.Node, now.Add(a.opts.Lease)
	r.State = ReplayRunning
	data, _ := json.Marshal(&r)
	n, err := a.update(ctx, replayKey(id.Scope, id.name), data, rev)
	if err != nil {
		return // another node won, or the record changed: next scan
	}
	rctx, cancel := context.WithCancel(ctx)
	a.runMu.Lock()
	a.running[id] = cancel
	a.runMu.Unlock()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer func() {
			a.runMu.Lock()
			delete(a.running, id)
			a.runMu.Unlock()
			cancel()
		}()
		rs := &run{a: a, id: id, rec: r, rev: n}
		rs.run(rctx)
	}()
}

// run is one replay in progress on this node.
type run struct {
	a   *Archives
	id  nameID
	rec Replay
	rev uint64

	batch     []*store.Msg
	header    store.Header
	readSeq   uint64 // last sequence read in this phase
	lastFlush time.Time
	cancelled bool
	lost      bool

	// Re-injection is pipelined: up to sendWindow batches are in flight;
	// the position advances as they are stored, in order.
	inflight []chan sendResult

	// redel knows the events in the window that were stored again on .r
	// (see Archives.ArchiveEvent), so each is replayed once.
	redel redelivered

	// pacing
	refOrig, refWall time.Time
}

const (
	replayBatch   = 1000
	flushInterval = 250 * time.Millisecond
	sendWindow    = 2
	// phases: .e, .o, then .r (see subject functions in model.go)
	phases = 3
)

// sendResult is the outcome of one re-injected batch.
type sendResult struct {
	n   int
	seq uint64 // the position once the batch is stored
	err error
}

func (rs *run) run(ctx context.Context) {
	a := rs.a
	err := rs.replay(ctx)
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for attempt := 0; attempt < 3 && !rs.lost; attempt++ {
		now := time.Now().UTC()
		switch {
		case rs.cancelled:
			rs.rec.State, rs.rec.ReplayEnd = ReplayCancelled, now
		case ctx.Err() != nil:
			// Stopping: keep the position, give up the lease.
			rs.rec.Owner, rs.rec.LeaseUntil = "", time.Time{}
		case err != nil:
			a.log.Error("replay failed", "replay", rs.rec.Arn(), "err", err)
			rs.rec.State, rs.rec.ReplayEnd = ReplayFailed, now
			rs.rec.StateReason = "The events could not be replayed: " + err.Error()
			if errors.Is(err, store.ErrNotFound) {
				rs.rec.StateReason = "Archive " + rs.rec.Archive + " does not exist."
			}
			if len(rs.rec.StateReason) > 512 {
				rs.rec.StateReason = rs.rec.StateReason[:512]
			}
		default:
			rs.rec.State, rs.rec.ReplayEnd = ReplayCompleted, now
		}
		if rs.rec.Finished() {
			rs.rec.Owner, rs.rec.LeaseUntil = "", time.Time{}
		}
		ferr := rs.flush(fctx)
		if ferr == nil {
			return
		}
		if !errors.Is(ferr, errStop) {
			a.log.Warn("recording the end of a replay", "replay", rs.rec.Arn(), "err", ferr)
			return
		}
		// A cancel arrived meanwhile: record CANCELLED instead.
	}
}

// replay reads the phases from the recorded position.
func (rs *run) replay(ctx context.Context) error {
	a := rs.a
	stream := StreamName(rs.rec.ArchiveID)
	rs.header = store.Header{
		event.HeaderAccount: {rs.rec.Account}, event.HeaderRegion: {rs.rec.Region},
		event.HeaderBus: {rs.rec.Bus}, event.HeaderReplay: {rs.rec.Name},
	}
	if len(rs.rec.Rules) > 0 {
		rs.header[HeaderReplayRules] = []string{strings.Join(rs.rec.Rules, ",")}
	}
	if err := rs.loadMarked(ctx, stream); err != nil {
		return err
	}
	stopAt := rs.rec.End.Add(a.opts.Slack)
	for rs.rec.Phase < phases {
		phase := rs.rec.Phase
		var o store.ReadOptions
		switch phase {
		case 0:
			o.Filters = batchFilters(subjectInOrder(rs.rec.ArchiveID))
		case 1:
			o.Filters = batchFilters(subjectOutOfOrder(rs.rec.ArchiveID))
		default:
			o.Filter = subjectRedelivered(rs.rec.ArchiveID)
		}
		if rs.rec.Seq > 0 {
			o.StartSeq = rs.rec.Seq + 1
		} else if phase == 0 {
			o.StartTime = rs.rec.Start.Add(-a.opts.Slack)
		}
		rs.readSeq = rs.rec.Seq
		rs.refOrig = time.Time{}
		var stepErr error
		err := a.st.Read(ctx, stream, o, func(m *store.Msg) bool {
			if phase == 0 && !m.Time.Before(stopAt) {
				return false
			}
			eachEvent(m, func(event []byte) bool {
				t, ok := eventTime(event)
				if !ok || t.Before(rs.rec.Start) || !t.Before(rs.rec.End) {
					return true
				}
				if !rs.redel.first(event) {
					return true
				}
				orig := m.Time
				if phase > 0 {
					orig = t
				}
				if stepErr = rs.pace(ctx, orig); stepErr != nil {
					return false
				}
				rs.add(m.Seq, event, t)
				return true
			})
			if stepErr != nil {
				return false
			}
			rs.readSeq = m.Seq
			if len(rs.batch) >= replayBatch {
				if stepErr = rs.send(ctx); stepErr != nil {
					return false
				}
			}
			if stepErr = rs.maybeFlush(ctx); stepErr != nil {
				return false
			}
			return !rs.cancelled && ctx.Err() == nil
		})
		if err == nil {
			err = stepErr
		}
		if err == nil || errors.Is(err, errStop) {
			err = rs.publish(ctx)
		} else {
			rs.drain() // what is in flight, then stop
		}
		if errors.Is(err, errStop) || rs.cancelled || ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		rs.rec.Phase, rs.rec.Seq = phase+1, 0
		if err := rs.flush(ctx); err != nil {
			if errors.Is(err, errStop) {
				return nil
			}
			return err
		}
	}
	return nil
}

// batchFilters selects the single events and the batches of a subject.
func batchFilters(subject string) []string { return []string{subject, subject + ".*"} }

// loadMarked reads the ids of the events in the replay's window that were
// stored again on .r (normally none).
func (rs *run) loadMarked(ctx context.Context, stream string) error {
	rs.redel = redelivered{}
	if rs.rec.Phase >= phases {
		return nil
	}
	redel, err := rs.a.readRedelivered(ctx, stream, rs.rec.ArchiveID, func(t time.Time) bool {
		return !t.Before(rs.rec.Start) && t.Before(rs.rec.End)
	})
	if err != nil {
		return err
	}
	rs.redel = redel
	return nil
}

// errStop ends a run that was cancelled or lost its lease.
var errStop = errors.New("replay stopped")

// add appends an event to the batch to re-inject, with an id that the
// EVENTS stream de-duplicates (a resumed replay re-sends what it had not
// recorded).
func (rs *run) add(seq uint64, event []byte, t time.Time) {
	orig := eventID(event)
	id := replayID(rs.rec.Name, orig)
	body, err := replayed(event, rs.rec.Name, id)
	if err != nil {
		// An archived event that is not a JSON object cannot be replayed.
		rs.a.log.Warn("skipping an archived event that is not JSON", "replay", rs.rec.Arn(), "seq", seq)
		return
	}
	rs.batch = append(rs.batch, &store.Msg{Subject: subjectOf(rs.rec), ID: id, Data: body})
	if t.After(rs.rec.LastReplayed) {
		rs.rec.LastReplayed = t
	}
}

// send starts storing the batch in EVENTS; with sendWindow batches in
// flight it first waits for the oldest.
func (rs *run) send(ctx context.Context) error {
	if len(rs.inflight) >= sendWindow {
		if err := rs.receive(); err != nil {
			return err
		}
	}
	batch, seq := rs.batch, rs.readSeq
	rs.batch = make([]*store.Msg, 0, replayBatch)
	if len(batch) == 0 && len(rs.inflight) == 0 {
		rs.rec.Seq = seq
		return nil
	}
	h := store.Header{}
	for k, v := range rs.header {
		h[k] = v
	}
	h[event.HeaderIngested] = []string{time.Now().UTC().Format(time.RFC3339Nano)}
	for _, m := range batch {
		m.Header = h
	}
	done := make(chan sendResult, 1)
	rs.inflight = append(rs.inflight, done)
	go func() {
		var err error
		if len(batch) > 0 {
			if err = rs.a.st.Publish(ctx, batch...); err != nil {
				err = fmt.Errorf("re-injecting events: %w", err)
			}
		}
		done <- sendResult{n: len(batch), seq: seq, err: err}
	}()
	return nil
}

// receive waits for the oldest batch in flight and advances the position.
func (rs *run) receive() error {
	r := <-rs.inflight[0]
	rs.inflight = rs.inflight[1:]
	if r.err != nil {
		for _, c := range rs.inflight {
			<-c // stored or not, the position stays before the failed batch
		}
		rs.inflight = rs.inflight[:0]
		return r.err
	}
	rs.rec.Replayed += int64(r.n)
	rs.rec.Seq = r.seq
	return nil
}

// drain waits for the batches in flight, advancing the position past
// those stored before the first that failed.
func (rs *run) drain() {
	failed := false
	for _, c := range rs.inflight {
		r := <-c
		if r.err != nil {
			failed = true
		}
		if !failed {
			rs.rec.Replayed += int64(r.n)
			rs.rec.Seq = r.seq
		}
	}
	rs.inflight = rs.inflight[:0]
}

// publish stores the batch and everything in flight, and advances the
// position to what has been read.
func (rs *run) publish(ctx context.Context) error {
	if err := rs.send(ctx); err != nil {
		return err
	}
	for len(rs.inflight) > 0 {
		if err := rs.receive(); err != nil {
			return err
		}
	}
	return nil
}

func (rs *run) maybeFlush(ctx context.Context) error {
	if rs.a.replayCancelling(rs.id) {
		rs.cancelled = true
		return errStop
	}
	if time.Since(rs.lastFlush) < flushInterval {
		return nil
	}
	if err := rs.publish(ctx); err != nil {
		return err
	}
	return rs.flush(ctx)
}

// flush writes the record (position, progress, renewed lease) with
// compare-and-set. A conflict means someone else wrote it: a cancel (the
// run stops and records CANCELLED) or another node that took over after
// the lease expired (the run stops and writes nothing more).
func (rs *run) flush(ctx context.Context) error {
	rs.lastFlush = time.Now()
	for attempt := 0; attempt < 5; attempt++ {
		rec := rs.rec
		if !rec.Finished() && rec.Owner != "" {
			rec.LeaseUntil = time.Now().UTC().Add(rs.a.opts.Lease)
		}
		data, _ := json.Marshal(&rec)
		n, err := rs.a.kv.Update(ctx, replayKey(rs.id.Scope, rs.id.name), data, rs.rev)
		if err == nil {
			rs.rev, rs.rec = n, rec
			return nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
		e, gerr := rs.a.kv.Get(ctx, replayKey(rs.id.Scope, rs.id.name))
		if gerr != nil {
			rs.lost = true
			return errStop
		}
		var cur Replay
		if json.Unmarshal(e.Value, &cur) != nil || (cur.Owner != rs.a.opts.Node && !(cur.Owner == "" && rs.rec.Owner == "")) {
			rs.lost = true
			return errStop
		}
		rs.rev = e.Revision
		if cur.State == ReplayCancelling && !rs.rec.Finished() {
			rs.cancelled = true
			rs.rec.State = ReplayCancelling
			return errStop
		}
	}
	return errors.New("replay record: too many concurrent writes")
}

// pace waits until an event is due when the replay has a speed.
func (rs *run) pace(ctx context.Context, orig time.Time) error {
	if rs.rec.Speed <= 0 {
		return nil
	}
	if rs.refOrig.IsZero() {
		rs.refOrig, rs.refWall = orig, time.Now()
		return nil
	}
	due := rs.refWall.Add(time.Duration(float64(orig.Sub(rs.refOrig)) / rs.rec.Speed))
	for {
		wait := time.Until(due)
		if wait <= 0 {
			return nil
		}
		if err := rs.maybeFlush(ctx); err != nil {
			return err
		}
		if len(rs.batch) > 0 {
			if err := rs.publish(ctx); err != nil {
				return err
			}
		}
		t := time.NewTimer(min(wait, flushInterval))
		select {
		case <-ctx.Done():
			t.Stop()
			return errStop
		case <-t.C:
		}
	}
}

func (a *Archives) replayCancelling(id nameID) bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	re := a.replays[id]
	return re != nil && re.r.State == ReplayCancelling
}

func subjectOf(r Replay) string { return event.Subject(r.Account, r.Region, r.Bus) }
