package archive

import (
	"context"
	"errors"
	"strings"

	"github.com/switchyard/switchyard/internal/arn"
	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsapi/handler"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/store"
)

// Operations returns the archive and replay API handlers by name.
func (a *Archives) Operations() map[string]awsproto.Operation {
	return map[string]awsproto.Operation{
		"CreateArchive":   handler.Handle(a.createArchive),
		"DescribeArchive": handler.Handle(a.describeArchive),
		"UpdateArchive":   handler.Handle(a.updateArchive),
		"DeleteArchive":   handler.Handle(a.deleteArchive),
		"ListArchives":    handler.Handle(a.listArchives),
		"StartReplay":     handler.Handle(a.startReplay),
		"DescribeReplay":  handler.Handle(a.describeReplay),
		"ListReplays":     handler.Handle(a.listReplays),
		"CancelReplay":    handler.Handle(a.cancelReplay),
	}
}

// AWS's errors for archives and replays (conformance/aws-error-samples.txt).
func errArchiveExists(name string) error {
	return events.ErrResourceAlreadyExistsException("Archive %s already exists.", name)
}

func errArchiveNotFound(name string) error {
	return events.ErrResourceNotFoundException("Archive %s does not exist.", name)
}

func errBusNotFound(name string) error {
	return events.ErrResourceNotFoundException("Event bus %s does not exist.", name)
}

func errReplayExists(name string) error {
	return events.ErrResourceAlreadyExistsException("Replay %s already exists.", name)
}

func errReplayNotFound(name string) error {
	return events.ErrResourceNotFoundException("Replay %s does not exist.", name)
}

var (
	errUpdateNothing = events.ErrValidationException("At least one of EventPattern, RetentionDays or Description must be provided.")
	errCrossBus      = events.ErrValidationException("Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.")
	errWindow        = events.ErrValidationException("Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.")
	errTooMany       = events.ErrLimitExceededException("The requested resource exceeds the maximum number allowed.")
)

func errArchiveArn(name string) error {
	return events.ErrValidationException("Parameter EventSourceArn is not valid. Reason: Archive %s does not exist.", name)
}

// eventsARN parses an ARN of an EventBridge resource.
func eventsARN(v string) (arn.ARN, bool) {
	a, err := arn.Parse(v)
	return a, err == nil && a.Service == "events"
}

// busOf resolves an event bus ARN (or name) of the caller's scope to a bus
// name. ok is false when the ARN names no event bus; found is false when it
// names one that does not exist (another account's or region's buses do
// not exist for the caller).
func (a *Archives) busOf(ctx context.Context, s catalog.Scope, arnOrName string) (name string, ok, found bool, err error) {
	name = arnOrName
	if strings.HasPrefix(arnOrName, "arn:") {
		a, valid := eventsARN(arnOrName)
		bus, isBus := a.ResourceOf("event-bus")
		if !valid || !isBus || !strings.HasPrefix(a.Resource, "event-bus/") {
			return "", false, false, nil
		}
		name = bus
		if a.Scope() != s {
			return name, true, false, nil
		}
	}
	if name == catalog.DefaultBus {
		if _, err := a.cat.EnsureDefaultBus(ctx, s); err != nil {
			return name, true, false, err
		}
		return name, true, true, nil
	}
	_, found = a.cat.Bus(s, name)
	return name, true, found, nil
}

// archiveOfArn resolves an archive ARN of the caller's scope to a name.
func archiveOfArn(s catalog.Scope, v string) (string, bool) {
	a, ok := eventsARN(v)
	name, isArchive := strings.CutPrefix(a.Resource, "archive/")
	if !ok || !isArchive || a.Scope() != s {
		if i := strings.LastIndex(v, "/"); i >= 0 {
			return v[i+1:], false
		}
		return v, false
	}
	return name, true
}

// ruleName returns the name in a rule ARN (rule/NAME or rule/BUS/NAME),
// or what follows the last "/" of anything else.
func ruleName(v string) string {
	if _, _, name, ok := catalog.RuleOfArn(v); ok {
		return name
	}
	if i := strings.LastIndex(v, "/"); i >= 0 {
		return v[i+1:]
	}
	return v
}

// update stores a record with compare-and-set on rev (0: create) and waits
// until this node has applied it.
func (a *Archives) update(ctx context.Context, key string, data []byte, rev uint64) (uint64, error) {
	var n uint64
	var err error
	if rev == 0 {
		n, err = a.kv.Create(ctx, key, data)
	} else {
		n, err = a.kv.Update(ctx, key, data, rev)
	}
	if err != nil {
		return 0, err
	}
	return n, a.mirror.Wait(ctx, n)
}

// remove deletes a record (with rev > 0, only at that revision) and waits
// until this node has applied it. A record already gone is no error.
func (a *Archives) remove(ctx context.Context, key string, rev uint64) error {
	n, err := a.kv.Delete(ctx, key, rev)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return a.mirror.Wait(ctx, n)
}

// retry is store.Mirror.Write for the records of the API: write reads the
// record from the local copy and stores it with compare-and-set; a lost
// race is retried after catching up, and losing it every time is AWS's
// ConcurrentModificationException for the resource named.
func (a *Archives) retry(ctx context.Context, resource, name string, write func() (uint64, error)) error {
	lost := 0
	err := a.mirror.Write(ctx, "archive: "+resource+" "+name, func() (uint64, error) {
		n, err := write()
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrExists) {
			lost++
		}
		return n, err
	})
	if err != nil && lost >= store.MaxWriteAttempts {
		return events.ErrConcurrentModificationException("%s %s was modified concurrently; retry.", resource, name)
	}
	return err
}
