package archive

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsapi/handler"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/pattern"
	"github.com/switchyard/switchyard/internal/store"
)

func validPattern(p *string) error {
	if p == nil || *p == "" {
		return nil
	}
	if _, err := pattern.Parse(*p); err != nil {
		return catalog.PatternError(err)
	}
	return nil
}

// streamConfig is the stream of an archive: MaxAge is the retention.
func (a *Archives) streamConfig(ar *Archive) store.StreamConfig {
	age := retention(ar.RetentionDays, a.opts.Day)
	dup := 2 * time.Minute // JetStream wants it no longer than MaxAge
	if age > 0 && age < dup {
		dup = age
	}
	return store.StreamConfig{
		Name:       ar.Stream(),
		Subjects:   []string{"archive." + ar.ID + ".>"},
		MaxAge:     age,
		Duplicates: dup,
		MaxMsgSize: 2 << 20,
	}
}

func (a *Archives) createArchive(ctx context.Context, r *awsproto.Request, in *events.CreateArchiveRequest) (any, error) {
	s := handler.ScopeOf(r)
	name := awsapi.Value(in.ArchiveName)
	bus, isBus, found, err := a.busOf(ctx, s, awsapi.Value(in.EventSourceArn))
	if err != nil {
		return nil, err
	}
	if !isBus || !found {
		if !isBus {
			bus = awsapi.Value(in.EventSourceArn)
		}
		return nil, errBusNotFound(bus)
	}
	if err := validPattern(in.EventPattern); err != nil {
		return nil, err
	}
	if _, _, ok := a.Archive(s, name); ok {
		return nil, errArchiveExists(name)
	}
	ar := &Archive{
		Scope: s, Name: name, ID: newID(), Bus: bus, Description: awsapi.Value(in.Description),
		Pattern: awsapi.Value(in.EventPattern), RetentionDays: in.RetentionDays,
		KmsKeyIdentifier: awsapi.Value(in.KmsKeyIdentifier), State: StateCreating, Created: time.Now().UTC(),
	}
	// The record is written first (CREATING), then the stream, then the
	// record again (ENABLED): the router archives into the stream only
	// once the record says it exists.
	data, _ := json.Marshal(ar)
	rev, err := a.update(ctx, archiveKey(s, name), data, 0)
	if errors.Is(err, store.ErrExists) {
		return nil, errArchiveExists(name)
	}
	if err != nil {
		return nil, err
	}
	ar, _, err = a.finishArchive(ctx, ar, rev, StateCreateFailed)
	if err != nil {
		return nil, err
	}
	return &events.CreateArchiveResponse{
		ArchiveArn: awsapi.Ptr(ar.Arn()), State: awsapi.Ptr(events.ArchiveState(ar.State)),
		StateReason: awsapi.Optional(ar.StateReason), CreationTime: awsapi.OptionalTimestamp(ar.Created),
	}, nil
}

// streamSetupTimeout bounds the creation or update of an archive's stream,
// well within dropGrace: a stream set up for an archive deleted meanwhile
// is then in place before the sweep deletes it again.
const streamSetupTimeout = 20 * time.Second

// finishArchive makes an archive's stream match its record and moves the
// record from CREATING or UPDATING to ENABLED (or to failed), returning
// the record and its revision. When the archive was deleted meanwhile,
// the stream just set up is dropped again.
func (a *Archives) finishArchive(ctx context.Context, ar *Archive, rev uint64, failed string) (*Archive, uint64, error) {
	next := *ar
	next.State, next.StateReason = StateEnabled, ""
	sctx, cancel := context.WithTimeout(ctx, streamSetupTimeout)
	err := a.st.EnsureStream(sctx, a.streamConfig(ar))
	cancel()
	if err != nil {
		a.log.Error("archive stream", "archive", ar.Arn(), "err", err)
		next.State, next.StateReason = failed, "The archive's storage could not be set up: "+err.Error()
		if len(next.StateReason) > 512 {
			next.StateReason = next.StateReason[:512]
		}
	}
	data, _ := json.Marshal(&next)
	n, err := a.update(ctx, archiveKey(ar.Scope, ar.Name), data, rev)
	if err != nil {
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			// Deleted meanwhile (or replaced by a new archive of the same
			// name): the stream is no one's. Dropped even if the caller
			// has gone.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), streamSetupTimeout)
			if _, owned := a.owner(cctx, ar.ID); !owned {
				a.dropStream(cctx, ar)
			}
			cancel()
			return nil, 0, events.ErrConcurrentModificationException("Archive %s was modified concurrently; retry.", ar.Name)
		}
		return nil, 0, err
	}
	return &next, n, nil
}

// owner returns, once this node has caught up with the writes made so far,
// the archive record whose stream is the one of archive id, if any. Ids
// are never reused: a new archive of the same name has another.
func (a *Archives) owner(ctx context.Context, id string) (*Archive, bool) {
	if err := a.mirror.CatchUp(ctx); err != nil {
		return nil, true // unknown: keep the stream
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	for _, ae := range a.archives {
		if ae.a.ID == id {
			return ae.a, true
		}
	}
	return nil, false
}

// Reconcile finishes archives left CREATING or UPDATING by a node that
// stopped half way.
func (a *Archives) Reconcile(ctx context.Context) {
	a.mu.RLock()
	var todo []archiveEntry
	for _, ae := range a.archives {
		if ae.a.State == StateCreating || ae.a.State == StateUpdating {
			todo = append(todo, *ae)
		}
	}
	a.mu.RUnlock()
	for _, ae := range todo {
		if time.Since(ae.a.Created) < time.Minute && ae.a.State == StateCreating {
			continue // probably still being created
		}
		failed := StateUpdateFailed
		if ae.a.State == StateCreating {
			failed = StateCreateFailed
		}
		if _, _, err := a.finishArchive(ctx, ae.a, ae.rev, failed); err != nil {
			a.log.Warn("reconciling archive", "archive", ae.a.Arn(), "err", err)
		}
	}
}

func (a *Archives) describeArchive(ctx context.Context, r *awsproto.Request, in *events.DescribeArchiveRequest) (any, error) {
	s := handler.ScopeOf(r)
	ar, _, ok := a.Archive(s, awsapi.Value(in.ArchiveName))
	if !ok {
		return nil, errArchiveNotFound(awsapi.Value(in.ArchiveName))
	}
	o := a.archiveOut(ctx, ar)
	return &events.DescribeArchiveResponse{
		ArchiveArn: awsapi.Ptr(ar.Arn()), ArchiveName: o.ArchiveName, EventSourceArn: o.EventSourceArn,
		Description: awsapi.Optional(ar.Description), EventPattern: awsapi.Optional(ar.Pattern),
		State: o.State, StateReason: o.StateReason, KmsKeyIdentifier: awsapi.Optional(ar.KmsKeyIdentifier),
		RetentionDays: o.RetentionDays, SizeBytes: o.SizeBytes, EventCount: o.EventCount,
		CreationTime: o.CreationTime,
	}, nil
}

// archiveOut renders an archive for the API. An archive whose bus no
// longer exists takes no events: it is reported DISABLED.
func (a *Archives) archiveOut(ctx context.Context, ar *Archive) events.Archive {
	count, size := a.Counts(ctx, ar)
	state, reason := ar.State, ar.StateReason
	if state == StateEnabled && ar.Bus != catalog.DefaultBus {
		if _, ok := a.cat.Bus(ar.Scope, ar.Bus); !ok {
			state, reason = StateDisabled, "Event bus "+ar.Bus+" does not exist."
		}
	}
	return events.Archive{
		ArchiveName: awsapi.Ptr(ar.Name), EventSourceArn: awsapi.Ptr(catalog.BusArn(ar.Scope, ar.Bus)),
		State: awsapi.Ptr(events.ArchiveState(state)), StateReason: awsapi.Optional(reason),
		RetentionDays: ar.RetentionDays, SizeBytes: &size, EventCount: &count, CreationTime: awsapi.OptionalTimestamp(ar.Created),
	}
}

func (a *Archives) updateArchive(ctx context.Context, r *awsproto.Request, in *events.UpdateArchiveRequest) (any, error) {
	s := handler.ScopeOf(r)
	name := awsapi.Value(in.ArchiveName)
	if in.EventPattern == nil && in.RetentionDays == nil && in.Description == nil && in.KmsKeyIdentifier == nil {
		return nil, errUpdateNothing
	}
	if err := validPattern(in.EventPattern); err != nil {
		return nil, err
	}
	var final *Archive
	err := a.retry(ctx, "Archive", name, func() (uint64, error) {
		old, rev, ok := a.Archive(s, name)
		if !ok {
			return 0, errArchiveNotFound(name)
		}
		ar := *old
		if in.Description != nil {
			ar.Description = *in.Description
		}
		if in.EventPattern != nil {
			ar.Pattern = *in.EventPattern
		}
		if in.RetentionDays != nil {
			ar.RetentionDays = in.RetentionDays
		}
		if in.KmsKeyIdentifier != nil {
			ar.KmsKeyIdentifier = *in.KmsKeyIdentifier
		}
		data, _ := json.Marshal(&ar)
		if retention(ar.RetentionDays, a.opts.Day) == retention(old.RetentionDays, a.opts.Day) && archiving(old.State) {
			final = &ar
			return a.kv.Update(ctx, archiveKey(s, name), data, rev)
		}
		// The stream changes: UPDATING until it has.
		ar.State = StateUpdating
		data, _ = json.Marshal(&ar)
		n, err := a.update(ctx, archiveKey(s, name), data, rev)
		if err != nil {
			return 0, err
		}
		failed := StateUpdateFailed
		if old.State == StateCreating || old.State == StateCreateFailed {
			failed = StateCreateFailed
		}
		final, n, err = a.finishArchive(ctx, &ar, n, failed)
		return n, err
	})
	if err != nil {
		return nil, err
	}
	return &events.UpdateArchiveResponse{
		ArchiveArn: awsapi.Ptr(final.Arn()), State: awsapi.Ptr(events.ArchiveState(final.State)),
		StateReason: awsapi.Optional(final.StateReason), CreationTime: awsapi.OptionalTimestamp(final.Created),
	}, nil
}

func (a *Archives) deleteArchive(ctx context.Context, r *awsproto.Request, in *events.DeleteArchiveRequest) (any, error) {
	s := handler.ScopeOf(r)
	name := awsapi.Value(in.ArchiveName)
	ar, rev, ok := a.Archive(s, name)
	if !ok {
		return nil, errArchiveNotFound(name)
	}
	// A drop record first, so the stream is removed even if this node
	// stops before it has done so (see sweep); then the archive record, so
	// no node archives into a deleted stream for longer than it takes the
	// deletion to reach it; then the stream.
	if err := a.putDrop(ctx, ar); err != nil {
		return nil, err
	}
	if err := a.remove(ctx, archiveKey(s, name), rev); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, events.ErrConcurrentModificationException("Archive %s was modified concurrently; retry.", name)
		}
		return nil, err
	}
	if err := a.st.DeleteStream(ctx, ar.Stream()); err != nil && !errors.Is(err, store.ErrNotFound) {
		a.log.Warn("deleting archive stream", "archive", ar.Arn(), "err", err)
	}
	return &events.DeleteArchiveResponse{}, nil
}

// dropGrace is how old a drop record must be before sweep acts on it: a
// deletion in progress has removed the archive record by then, and an
// archive creation or update that raced with the deletion has set up its
// stream (see streamSetupTimeout), so the sweep's deletion is the last.
const dropGrace = time.Minute

// putDrop records that the stream of ar is to be removed once no archive
// record owns it, and waits until this node has applied it.
func (a *Archives) putDrop(ctx context.Context, ar *Archive) error {
	data, _ := json.Marshal(&drop{Archive: ar.Name, Since: time.Now().UTC()})
	n, err := a.kv.Put(ctx, dropKey(ar.Scope, ar.ID), data)
	if err != nil {
		return err
	}
	return a.mirror.Wait(ctx, n)
}

// dropStream removes the stream of an archive whose record is gone,
// leaving a drop record so that sweep removes it again should it have
// been set up once more meanwhile (or should this fail).
func (a *Archives) dropStream(ctx context.Context, ar *Archive) {
	if err := a.putDrop(ctx, ar); err != nil {
		a.log.Warn("recording the removal of an archive stream", "archive", ar.Arn(), "err", err)
	}
	if err := a.st.DeleteStream(ctx, ar.Stream()); err != nil && !errors.Is(err, store.ErrNotFound) {
		a.log.Warn("deleting archive stream", "archive", ar.Arn(), "err", err)
	}
}

// sweep finishes the deletions of archive streams: for each drop record
// older than dropGrace at now, it deletes the stream unless an archive
// record owns it (a deletion that lost a race, or stopped before removing
// the record: the archive still exists), then the drop record. A stream is
// thus left behind neither by a node that stops between removing an
// archive record and its stream, nor by a creation or update of an
// archive that a deletion overtook. Every node sweeps; they agree, as
// deleting a stream twice is harmless and each drop record is removed
// with compare-and-set.
func (a *Archives) sweep(ctx context.Context, now time.Time) {
	type old struct {
		id  nameID
		rev uint64
	}
	var todo []old
	a.mu.RLock()
	for id, de := range a.drops {
		if now.Sub(de.d.Since) >= dropGrace {
			todo = append(todo, old{id, de.rev})
		}
	}
	a.mu.RUnlock()
	for _, d := range todo {
		if ctx.Err() != nil {
			return
		}
		archiveID := d.id.name
		if _, owned := a.owner(ctx, archiveID); !owned {
			err := a.st.DeleteStream(ctx, StreamName(archiveID))
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				a.log.Warn("deleting the stream of a deleted archive", "stream", StreamName(archiveID), "err", err)
				continue
			}
		}
		if err := a.remove(ctx, dropKey(d.id.Scope, archiveID), d.rev); err != nil && !errors.Is(err, store.ErrConflict) {
			a.log.Warn("removing an archive drop record", "stream", StreamName(archiveID), "err", err)
		}
	}
}

func (a *Archives) listArchives(ctx context.Context, r *awsproto.Request, in *events.ListArchivesRequest) (any, error) {
	s := handler.ScopeOf(r)
	bus := ""
	if src := awsapi.Value(in.EventSourceArn); src != "" {
		name, isBus, found, err := a.busOf(ctx, s, src)
		if err != nil {
			return nil, err
		}
		if !isBus || !found {
			if !isBus {
				name = src
			}
			return nil, errBusNotFound(name)
		}
		bus = name
	}
	var list []*Archive
	for _, ar := range a.List(s) {
		if !strings.HasPrefix(ar.Name, awsapi.Value(in.NamePrefix)) || (bus != "" && ar.Bus != bus) {
			continue
		}
		list = append(list, ar)
	}
	out := &events.ListArchivesResponse{Archives: []events.Archive{}}
	rendered := make([]events.Archive, 0, len(list))
	for _, ar := range list {
		o := a.archiveOut(ctx, ar)
		if in.State != nil && *o.State != *in.State {
			continue
		}
		rendered = append(rendered, o)
	}
	pg, next, err := handler.Page(rendered, func(o events.Archive) string { return *o.ArchiveName }, in.NextToken, in.Limit, 100)
	if err != nil {
		return nil, err
	}
	out.Archives = append(out.Archives, pg...)
	out.NextToken = next
	return out, nil
}
