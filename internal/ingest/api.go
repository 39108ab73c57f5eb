package ingest

import (
	"context"

	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/catalog"
)

// Operations returns the PutEvents handler.
func (in *Ingester) Operations() map[string]awsproto.Operation {
	return map[string]awsproto.Operation{"PutEvents": catalog.Handle(in.putEvents)}
}

func (in *Ingester) putEvents(ctx context.Context, r *awsproto.Request, req *events.PutEventsRequest) (any, error) {
	entries := make([]Entry, len(req.Entries))
	for i, e := range req.Entries {
		entries[i] = Entry{
			Source: deref(e.Source), DetailType: deref(e.DetailType), Detail: deref(e.Detail),
			Resources: e.Resources, EventBusName: deref(e.EventBusName), TraceHeader: deref(e.TraceHeader),
		}
		if e.Time != nil {
			t := e.Time.Time
			entries[i].Time = &t
		}
	}
	results, err := in.Put(ctx, catalog.ScopeOf(r), entries)
	if err != nil {
		return nil, err
	}
	out := &events.PutEventsResponse{Entries: make([]events.PutEventsResultEntry, len(results))}
	failed := int32(0)
	for i, res := range results {
		if res.ErrorCode != "" {
			failed++
			out.Entries[i] = events.PutEventsResultEntry{ErrorCode: ptr(res.ErrorCode), ErrorMessage: ptr(res.ErrorMessage)}
		} else {
			out.Entries[i] = events.PutEventsResultEntry{EventId: ptr(res.EventID)}
		}
	}
	out.FailedEntryCount = &failed
	return out, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }
