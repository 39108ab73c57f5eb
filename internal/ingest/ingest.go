package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/event"
	"github.com/switchyard/switchyard/internal/store"
)

// MaxRequestSize is the largest total entry size PutEvents accepts (1 MiB,
// counted as AWS counts it: see EntrySize).
const MaxRequestSize = 1 << 20

// Entry is one PutEvents entry.
type Entry struct {
	Time         *time.Time
	Source       string
	Resources    []string
	DetailType   string
	Detail       string
	EventBusName string
	TraceHeader  string
}

// Result is one entry's outcome: an EventId, or an error code and message.
type Result struct {
	EventID      string
	ErrorCode    string
	ErrorMessage string
}

// EntrySize is an entry's size as EventBridge counts it toward the request
// limit: the UTF-8 bytes of Source, DetailType, Detail and each resource,
// plus 14 bytes when Time is set.
func EntrySize(e *Entry) int {
	n := len(e.Source) + len(e.DetailType) + len(e.Detail)
	for _, r := range e.Resources {
		n += len(r)
	}
	if e.Time != nil {
		n += 14
	}
	return n
}

// Ingester validates and stores events.
type Ingester struct {
	st  *store.Store
	cat *catalog.Catalog
	log *slog.Logger
	now func() time.Time
}

// New returns an Ingester. Setup creates the EVENTS stream.
func New(st *store.Store, cat *catalog.Catalog, log *slog.Logger) *Ingester {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Ingester{st: st, cat: cat, log: log, now: time.Now}
}

// Setup creates the EVENTS stream: a work queue, so an event stays stored
// until the router has handed it on, however long that takes.
func Setup(ctx context.Context, st *store.Store) error {
	return st.EnsureStream(ctx, store.StreamConfig{
		Name:       event.Stream,
		Subjects:   []string{event.SubjectPrefix + ">"},
		WorkQueue:  true,
		Duplicates: 2 * time.Minute,
		MaxMsgSize: 2 << 20,
	})
}

// Put validates and stores entries for the caller's scope. Request-level
// problems (an unknown bus, too large a request) return an error; entry
// problems are reported per entry.
func (in *Ingester) Put(ctx context.Context, scope catalog.Scope, entries []Entry) ([]Result, error) {
	total := 0
	for i := range entries {
		total += EntrySize(&entries[i])
	}
	if total > MaxRequestSize {
		return nil, events.ErrValidationException("Total size of the entries in the request is over the limit.")
	}
	results := make([]Result, len(entries))
	msgs := make([]*store.Msg, 0, len(entries))
	idx := make([]int, 0, len(entries))
	now := in.now().UTC()
	for i := range entries {
		e := &entries[i]
		if code, msg := validate(e); code != "" {
			results[i] = Result{ErrorCode: code, ErrorMessage: msg}
			continue
		}
		busName, err := catalog.BusRef(scope, e.EventBusName, "PutEvents")
		if err != nil {
			// Another region's bus, or another account's (its policy is
			// not enforced yet, so it grants nothing).
			ae := awsproto.AsError(err, "ValidationException")
			results[i] = Result{ErrorCode: ae.Code, ErrorMessage: ae.Message}
			continue
		}
		target := scope
		if busName == catalog.DefaultBus {
			if _, err := in.cat.EnsureDefaultBus(ctx, target); err != nil {
				return nil, err
			}
		} else if _, ok := in.cat.Bus(target, busName); !ok {
			// As in EventBridge, an event for a bus that does not exist gets
			// an id and goes nowhere.
			results[i].EventID = event.NewID()
			continue
		}
		detail, ok := compact(e.Detail)
		if !ok {
			results[i] = Result{ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed."}
			continue
		}
		t := now
		if e.Time != nil {
			t = *e.Time
		}
		env := event.Envelope{
			Version: "0", ID: event.NewID(), DetailType: e.DetailType, Source: e.Source,
			Account: target.Account, Time: event.FormatTime(t), Region: target.Region,
			Resources: e.Resources, Detail: detail,
		}
		if env.Resources == nil {
			env.Resources = []string{}
		}
		results[i].EventID = env.ID
		meta := event.Meta{Account: target.Account, Region: target.Region, Bus: busName, Ingested: now}
		msgs = append(msgs, meta.Msg(env.ID, env.Marshal()))
		idx = append(idx, i)
	}
	if len(msgs) == 0 {
		return results, nil
	}
	// Nothing is reported accepted unless it is stored, and what is
	// stored is reported accepted: only the entries whose write failed
	// (after storeAttempts tries; the event id de-duplicates a write that
	// was stored but not acknowledged) fail, with InternalFailure.
	failed := store.PublishRetry(ctx, in.st, storeAttempts, msgs)
	for _, j := range failed {
		results[idx[j]] = Result{ErrorCode: "InternalFailure", ErrorMessage: "The event could not be stored; retry it."}
	}
	if len(failed) > 0 {
		in.log.Error("storing events failed", "failed", len(failed), "of", len(msgs))
	}
	return results, nil
}

// storeAttempts is how often an event's write is tried before its entry
// fails.
const storeAttempts = 3

// validate checks one entry as EventBridge does.
func validate(e *Entry) (code, msg string) {
	switch {
	case e.Source == "":
		return "InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument."
	case e.DetailType == "":
		return "InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument."
	case e.Detail == "":
		return "InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument."
	}
	if !isObjectStart(e.Detail) {
		return "MalformedDetail", "Detail is malformed."
	}
	if strings.HasPrefix(e.Source, "aws.") {
		return "NotAuthorizedForSourceException", "Not authorized for the source."
	}
	return "", ""
}

// isObjectStart reports whether s starts like a JSON object; compact
// checks the rest.
func isObjectStart(s string) bool {
	return strings.HasPrefix(strings.TrimLeft(s, " \t\r\n"), "{") // JSON's whitespace only
}

// compact returns the detail without insignificant whitespace, or false if
// it is not valid JSON.
func compact(s string) (json.RawMessage, bool) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b bytes.Buffer
	b.Grow(len(s))
	if err := json.Compact(&b, []byte(s)); err != nil {
		return nil, false
	}
	return b.Bytes(), true
}
