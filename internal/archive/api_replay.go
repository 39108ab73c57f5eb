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
	"github.com/switchyard/switchyard/internal/store"
)

// StartInput describes a replay to start.
type StartInput struct {
	Name        string
	Description string
	// Archive is the archive's ARN (or, for Switchyard's own endpoint,
	// its name).
	Archive    string
	Start, End time.Time
	// Destination is the bus ARN (or name) to replay into.
	Destination string
	FilterArns  []string
	// Speed paces the replay at this multiple of the original rate
	// (0: as fast as possible). Switchyard only.
	Speed float64
	// AnyBus allows a destination other than the archive's bus, in the
	// same account and region. Switchyard only: AWS refuses it.
	AnyBus bool
}

// StartReplay validates and records a replay in state STARTING; a runner
// (on this node or another) picks it up. The checks follow AWS's order
// and wording.
func (a *Archives) StartReplay(ctx context.Context, s catalog.Scope, in StartInput) (*Replay, error) {
	if !in.Start.Before(in.End) {
		return nil, errWindow
	}
	archiveName, ok := archiveOfArn(s, in.Archive)
	if !strings.HasPrefix(in.Archive, "arn:") {
		archiveName, ok = in.Archive, true
	}
	var ar *Archive
	if ok {
		ar, _, ok = a.Archive(s, archiveName)
	}
	if !ok {
		return nil, errArchiveArn(archiveName)
	}
	bus, isBus, found, err := a.busOf(ctx, s, in.Destination)
	if err != nil {
		return nil, err
	}
	switch {
	case !isBus && !in.AnyBus:
		return nil, errCrossBus
	case !isBus:
		return nil, errBusNotFound(in.Destination)
	case !found:
		return nil, errBusNotFound(bus)
	case bus != ar.Bus && !in.AnyBus:
		return nil, errCrossBus
	}
	if _, _, exists := a.Replay(s, in.Name); exists {
		return nil, errReplayExists(in.Name)
	}
	if err := a.admitReplay(ctx, s, in.Name); err != nil {
		return nil, err
	}
	rec := &Replay{
		Scope: s, Name: in.Name, Description: in.Description,
		Archive: ar.Name, ArchiveID: ar.ID, DestinationArn: in.Destination, Bus: bus,
		FilterArns: in.FilterArns, Start: in.Start.UTC(), End: in.End.UTC(), Speed: in.Speed,
		State: ReplayStarting, ReplayStart: time.Now().UTC(),
	}
	for _, f := range in.FilterArns {
		rec.Rules = append(rec.Rules, ruleName(f))
	}
	data, _ := json.Marshal(rec)
	if _, err := a.update(ctx, replayKey(s, in.Name), data, 0); err != nil {
		if errors.Is(err, store.ErrExists) {
			return nil, errReplayExists(in.Name)
		}
		return nil, err
	}
	a.wakeRunner()
	return rec, nil
}

// admitGrace is how long an admitted replay counts toward the limit
// before its record is visible; past it, the admission is taken to have
// failed (the node crashed before creating the record).
const admitGrace = time.Minute

// admitReplay counts a new replay toward the limit of active replays of
// its account and region, or fails with LimitExceededException. The count
// is exact across nodes: every admission rewrites the scope's admitted
// record with compare-and-set, so two nodes admitting at once are
// serialized, and the one that loses the race counts again with the
// other's admission included. The count is the active replays (STARTING
// or RUNNING) this node sees plus the admitted ones whose records it does
// not see yet: once the compare-and-set succeeds, this node has applied
// every write up to the admitted record's revision, so a replay created
// before it is seen, and one created after it was admitted in it.
func (a *Archives) admitReplay(ctx context.Context, s catalog.Scope, name string) error {
	return a.retry(ctx, "Replay", name, func() (uint64, error) {
		now := time.Now().UTC()
		pending := map[string]time.Time{}
		var rev uint64
		active := 0
		a.mu.RLock()
		for id, re := range a.replays {
			if id.Scope == s && re.r.Active() {
				active++
			}
		}
		if ae := a.admitted[s]; ae != nil {
			rev = ae.rev
			for n, at := range ae.ad.Pending {
				if _, seen := a.replays[nameID{s, n}]; !seen && now.Sub(at) < admitGrace {
					pending[n] = at
				}
			}
		}
		a.mu.RUnlock()
		delete(pending, name) // an earlier attempt at the same replay
		if active+len(pending) >= a.opts.MaxActiveReplays {
			return 0, errTooMany
		}
		pending[name] = now
		data, _ := json.Marshal(&admitted{Pending: pending})
		if rev == 0 {
			return a.kv.Create(ctx, admittedKey(s), data)
		}
		return a.kv.Update(ctx, admittedKey(s), data, rev)
	})
}

func (a *Archives) startReplay(ctx context.Context, r *awsproto.Request, in *events.StartReplayRequest) (any, error) {
	rec, err := a.StartReplay(ctx, handler.ScopeOf(r), StartInput{
		Name: awsapi.Value(in.ReplayName), Description: awsapi.Value(in.Description), Archive: awsapi.Value(in.EventSourceArn),
		Start: in.EventStartTime.Time, End: in.EventEndTime.Time,
		Destination: awsapi.Value(in.Destination.Arn), FilterArns: in.Destination.FilterArns,
	})
	if err != nil {
		return nil, err
	}
	return &events.StartReplayResponse{
		ReplayArn: awsapi.Ptr(rec.Arn()), State: awsapi.Ptr(events.ReplayState(rec.State)), ReplayStartTime: awsapi.OptionalTimestamp(rec.ReplayStart),
	}, nil
}

func destinationOut(r *Replay) *events.ReplayDestination {
	d := &events.ReplayDestination{Arn: awsapi.Ptr(r.DestinationArn)}
	if len(r.FilterArns) > 0 {
		d.FilterArns = r.FilterArns
	}
	return d
}

func (a *Archives) describeReplay(ctx context.Context, r *awsproto.Request, in *events.DescribeReplayRequest) (any, error) {
	rec, _, ok := a.Replay(handler.ScopeOf(r), awsapi.Value(in.ReplayName))
	if !ok {
		return nil, errReplayNotFound(awsapi.Value(in.ReplayName))
	}
	return &events.DescribeReplayResponse{
		ReplayName: awsapi.Ptr(rec.Name), ReplayArn: awsapi.Ptr(rec.Arn()), Description: awsapi.Optional(rec.Description),
		State: awsapi.Ptr(events.ReplayState(rec.State)), StateReason: awsapi.Optional(rec.StateReason),
		EventSourceArn: awsapi.Ptr(ArchiveArn(rec.Scope, rec.Archive)), Destination: destinationOut(rec),
		EventStartTime: awsapi.OptionalTimestamp(rec.Start), EventEndTime: awsapi.OptionalTimestamp(rec.End), EventLastReplayedTime: awsapi.OptionalTimestamp(rec.LastReplayed),
		ReplayStartTime: awsapi.OptionalTimestamp(rec.ReplayStart), ReplayEndTime: awsapi.OptionalTimestamp(rec.ReplayEnd),
	}, nil
}

func (a *Archives) listReplays(ctx context.Context, r *awsproto.Request, in *events.ListReplaysRequest) (any, error) {
	s := handler.ScopeOf(r)
	var list []events.Replay
	for _, rec := range a.Replays(s) {
		arn := ArchiveArn(rec.Scope, rec.Archive)
		if !strings.HasPrefix(rec.Name, awsapi.Value(in.NamePrefix)) || (in.State != nil && string(*in.State) != rec.State) ||
			(in.EventSourceArn != nil && *in.EventSourceArn != arn) {
			continue
		}
		list = append(list, events.Replay{
			ReplayName: awsapi.Ptr(rec.Name), EventSourceArn: awsapi.Ptr(arn), State: awsapi.Ptr(events.ReplayState(rec.State)),
			StateReason: awsapi.Optional(rec.StateReason), EventStartTime: awsapi.OptionalTimestamp(rec.Start), EventEndTime: awsapi.OptionalTimestamp(rec.End),
			EventLastReplayedTime: awsapi.OptionalTimestamp(rec.LastReplayed), ReplayStartTime: awsapi.OptionalTimestamp(rec.ReplayStart), ReplayEndTime: awsapi.OptionalTimestamp(rec.ReplayEnd),
		})
	}
	pg, next, err := handler.Page(list, func(r events.Replay) string { return *r.ReplayName }, in.NextToken, in.Limit, 100)
	if err != nil {
		return nil, err
	}
	return &events.ListReplaysResponse{Replays: append([]events.Replay{}, pg...), NextToken: next}, nil
}

// CancelReplay moves a replay that has not finished to CANCELLING; the
// node running it stops and records CANCELLED.
func (a *Archives) CancelReplay(ctx context.Context, s catalog.Scope, name string) (*Replay, error) {
	var next Replay
	err := a.retry(ctx, "Replay", name, func() (uint64, error) {
		cur, rev, ok := a.Replay(s, name)
		if !ok {
			return 0, errReplayNotFound(name)
		}
		if cur.Finished() || cur.State == ReplayCancelling {
			return 0, events.ErrIllegalStatusException("Replay %s is not in a valid state for this operation.", name)
		}
		next = *cur
		next.State = ReplayCancelling
		data, _ := json.Marshal(&next)
		return a.kv.Update(ctx, replayKey(s, name), data, rev)
	})
	if err != nil {
		return nil, err
	}
	a.wakeRunner()
	return &next, nil
}

func (a *Archives) cancelReplay(ctx context.Context, r *awsproto.Request, in *events.CancelReplayRequest) (any, error) {
	rec, err := a.CancelReplay(ctx, handler.ScopeOf(r), awsapi.Value(in.ReplayName))
	if err != nil {
		return nil, err
	}
	return &events.CancelReplayResponse{ReplayArn: awsapi.Ptr(rec.Arn()), State: awsapi.Ptr(events.ReplayState(rec.State))}, nil
}
