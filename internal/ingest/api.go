package ingest

import (
	"context"

	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsapi/handler"
	"github.com/switchyard/switchyard/internal/awsproto"
)

// Operations returns the PutEvents handler.
func (in *Ingester) Operations() map[string]awsproto.Operation {
	return map[string]awsproto.Operation{"PutEvents": handler.Handle(in.putEvents)}
}

func (in *Ingester) putEvents(ctx context.Context, r *awsproto.Request, req *events.PutEventsRequest) (any, error) {
	entries := make([]Entry, len(req.Entries))
	for i, e := range req.Entries {
		entries[i] = Entry{
			Source: awsapi.Value(e.Source), DetailType: awsapi.Value(e.DetailType), Detail: awsapi.Value(e.Detail),
			Resources: e.Resources, EventBusName: awsapi.Value(e.EventBusName), TraceHeader: awsapi.Value(e.TraceHeader),
		}
		if e.Time != nil {
			t := e.Time.Time
			entries[i].Time = &t
		}
	}
	results, err := in.Put(ctx, handler.ScopeOf(r), entries)
	if err != nil {
		return nil, err
	}
	out := &events.PutEventsResponse{Entries: make([]events.PutEventsResultEntry, len(results))}
	failed := int32(0)
	for i, res := range results {
		if res.ErrorCode != "" {
			failed++
			out.Entries[i] = events.PutEventsResultEntry{ErrorCode: awsapi.Ptr(res.ErrorCode), ErrorMessage: awsapi.Ptr(res.ErrorMessage)}
		} else {
			out.Entries[i] = events.PutEventsResultEntry{EventId: awsapi.Ptr(res.EventID)}
		}
	}
	out.FailedEntryCount = &failed
	return out, nil
}
