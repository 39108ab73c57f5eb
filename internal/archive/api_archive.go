package archive

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/switchyard/switchyard/internal/awsapi/events"
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
	s := catalog.ScopeOf(r)
	name := str(in.ArchiveName)
	bus, isBus, found, err := a.busOf(ctx, s, str(in.EventSourceArn))
	if err != nil {
		return nil, err
	}
	if !isBus || !found {
		if !isBus {
			bus = str(in.EventSourceArn)
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
		Scope: s, Name: name, ID: newID(), Bus: bus, Description: str(in.Description),
		Pattern: str(in.EventPattern), RetentionDays: in.RetentionDays,
		KmsKeyIdentifier: str(in.KmsKeyIdentifier), State: StateCreating, Created: time.Now().UTC(),
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
	ar, err = a.finishArchive(ctx, ar, rev, StateCreateFailed)
	if err != nil {
		return nil, err
	}
	return &events.CreateArchiveResponse{
		ArchiveArn: ptr(ar.Arn()), State: ptr(events.ArchiveState(ar.State)),
		StateReason: optional(ar.StateReason), CreationTime: ts(ar.Created),
	}, nil
}

// finishArchive makes an archive's stream match its record and moves the
// record from CREATING or UPDATING to ENABLED (or to failed).
func (a *Archives) finishArchive(ctx context.Context, ar *Archive, rev uint64, failed string) (*Archive, error) {
	next := *ar
	next.State, next.StateReason = StateEnabled, ""
	if err := a.st.EnsureStream(ctx, a.streamConfig(ar)); err != nil {
		a.log.Error("archive stream", "archive", ar.Arn(), "err", err)
		next.State, next.StateReason = failed, "The archive's storage could not be set up: "+err.Error()
		if len(next.StateReason) > 512 {
			next.StateReason = next.StateReason[:512]
		}
	}
	data, _ := json.Marshal(&next)
	if _, err := a.update(ctx, archiveKey(ar.Scope, ar.Name), data, rev); err != nil {
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			return nil, awsproto.Errorf("ConcurrentModificationException", "Archive %s was modified concurrently; retry.", ar.Name)
		}
		return nil, err
	}
	return &next, nil
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
		if _, err := a.finishArchive(ctx, ae.a, ae.rev, failed); err != nil {
			a.log.Warn("reconciling archive", "archive", ae.a.Arn(), "err", err)
		}
	}
}

func (a *Archives) describeArchive(ctx context.Context, r *awsproto.Request, in *events.DescribeArchiveRequest) (any, error) {
	s := catalog.ScopeOf(r)
	ar, _, ok := a.Archive(s, str(in.ArchiveName))
	if !ok {
		return nil, errArchiveNotFound(str(in.ArchiveName))
	}
	o := a.archiveOut(ctx, ar)
	return &events.DescribeArchiveResponse{
		ArchiveArn: ptr(ar.Arn()), ArchiveName: o.ArchiveName, EventSourceArn: o.EventSourceArn,
		Description: optional(ar.Description), EventPattern: optional(ar.Pattern),
		State: o.State, StateReason: o.StateReason, KmsKeyIdentifier: optional(ar.KmsKeyIdentifier),
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
		ArchiveName: ptr(ar.Name), EventSourceArn: ptr(catalog.BusArn(ar.Scope, ar.Bus)),
		State: ptr(events.ArchiveState(state)), StateReason: optional(reason),
		RetentionDays: ar.RetentionDays, SizeBytes: &size, EventCount: &count, CreationTime: ts(ar.Created),
	}
}

func (a *Archives) updateArchive(ctx context.Context, r *awsproto.Request, in *events.UpdateArchiveRequest) (any, error) {
	s := catalog.ScopeOf(r)
	name := str(in.ArchiveName)
	if in.EventPattern == nil && in.RetentionDays == nil && in.Description == nil && in.KmsKeyIdentifier == nil {
		return nil, errUpdateNothing
	}
	if err := validPattern(in.EventPattern); err != nil {
		return nil, err
	}
	for attempt := 0; attempt < 10; attempt++ {
		old, rev, ok := a.Archive(s, name)
		if !ok {
			return nil, errArchiveNotFound(name)
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
		var final *Archive
		if retention(ar.RetentionDays, a.opts.Day) != retention(old.RetentionDays, a.opts.Day) || !archiving(old.State) {
			// The stream changes: UPDATING until it has.
			ar.State = StateUpdating
			data, _ := json.Marshal(&ar)
			n, err := a.update(ctx, archiveKey(s, name), data, rev)
			if errors.Is(err, store.ErrConflict) {
				continue
			}
			if err != nil {
				return nil, err
			}
			failed := StateUpdateFailed
			if old.State == StateCreating || old.State == StateCreateFailed {
				failed = StateCreateFailed
			}
			if final, err = a.finishArchive(ctx, &ar, n, failed); err != nil {
				return nil, err
			}
		} else {
			data, _ := json.Marshal(&ar)
			_, err := a.update(ctx, archiveKey(s, name), data, rev)
			if errors.Is(err, store.ErrConflict) {
				continue
			}
			if err != nil {
				return nil, err
			}
			final = &ar
		}
		return &events.UpdateArchiveResponse{
			ArchiveArn: ptr(final.Arn()), State: ptr(events.ArchiveState(final.State)),
			StateReason: optional(final.StateReason), CreationTime: ts(final.Created),
		}, nil
	}
	return nil, awsproto.Errorf("ConcurrentModificationException", "Archive %s was modified concurrently; retry.", name)
}

func (a *Archives) deleteArchive(ctx context.Context, r *awsproto.Request, in *events.DeleteArchiveRequest) (any, error) {
	s := catalog.ScopeOf(r)
	name := str(in.ArchiveName)
	ar, rev, ok := a.Archive(s, name)
	if !ok {
		return nil, errArchiveNotFound(name)
	}
	// The record goes first, so no node archives into a deleted stream for
	// longer than it takes the deletion to reach it.
	if err := a.remove(ctx, archiveKey(s, name), rev); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, awsproto.Errorf("ConcurrentModificationException", "Archive %s was modified concurrently; retry.", name)
		}
		return nil, err
	}
	if err := a.st.DeleteStream(ctx, ar.Stream()); err != nil && !errors.Is(err, store.ErrNotFound) {
		a.log.Warn("deleting archive stream", "archive", ar.Arn(), "err", err)
	}
	return &events.DeleteArchiveResponse{}, nil
}

func (a *Archives) listArchives(ctx context.Context, r *awsproto.Request, in *events.ListArchivesRequest) (any, error) {
	s := catalog.ScopeOf(r)
	bus := ""
	if src := str(in.EventSourceArn); src != "" {
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
		if !strings.HasPrefix(ar.Name, str(in.NamePrefix)) || (bus != "" && ar.Bus != bus) {
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
	pg, next, err := page(rendered, func(o events.Archive) string { return *o.ArchiveName }, in.NextToken, in.Limit, 100)
	if err != nil {
		return nil, err
	}
	out.Archives = append(out.Archives, pg...)
	out.NextToken = next
	return out, nil
}
