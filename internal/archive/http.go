package archive

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/pattern"
	"github.com/switchyard/switchyard/internal/store"
)

// HeaderArchived carries, on imported events, when they were first
// archived (RFC 3339); export reports it instead of the import time.
const HeaderArchived = "Sy-Archived"

// Routes adds Switchyard's own archive endpoints (beyond AWS):
//
//	POST /_switchyard/replays                   start a replay with pacing or into another bus
//	GET  /_switchyard/replays/{name}            a replay's record, with its position and count
//	GET  /_switchyard/archives/{name}/export    the archive as JSON lines (?start=&end= by event time)
//	POST /_switchyard/archives/{name}/import    JSON lines into the archive
//
// Each takes account and region as query parameters (or, for replays, in
// the body), or else from the request's signature, as the AWS APIs do.
func (a *Archives) Routes(mux *http.ServeMux, scopeOf func(r *http.Request, account, region string) catalog.Scope) {
	mux.HandleFunc("POST /_switchyard/replays", func(w http.ResponseWriter, r *http.Request) { a.httpReplay(w, r, scopeOf) })
	mux.HandleFunc("GET /_switchyard/replays/{name}", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		rec, _, ok := a.Replay(scopeOf(r, q.Get("account"), q.Get("region")), r.PathValue("name"))
		if !ok {
			writeAPIError(w, errReplayNotFound(r.PathValue("name")))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(rec)
	})
	mux.HandleFunc("GET /_switchyard/archives/{name}/export", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		a.httpExport(w, r, scopeOf(r, q.Get("account"), q.Get("region")))
	})
	mux.HandleFunc("POST /_switchyard/archives/{name}/import", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		a.httpImport(w, r, scopeOf(r, q.Get("account"), q.Get("region")))
	})
}

// ReplayRequest is the body of POST /_switchyard/replays.
type ReplayRequest struct {
	Account     string    `json:"account,omitempty"`
	Region      string    `json:"region,omitempty"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Archive     string    `json:"archive"` // name or ARN
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	// Destination is a bus name or ARN of the same account and region
	// (default: the archive's bus).
	Destination string   `json:"destination,omitempty"`
	FilterArns  []string `json:"filterArns,omitempty"`
	// Speed: 0 replays as fast as possible; s > 0 keeps the original
	// spacing of the events divided by s (1 = the original rate, 10 = ten
	// times faster).
	Speed float64 `json:"speed,omitempty"`
}

func httpError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]map[string]string{"error": {"code": code, "message": msg}})
}

func writeAPIError(w http.ResponseWriter, err error) {
	var ae *awsproto.Error
	if errors.As(err, &ae) {
		status := http.StatusBadRequest
		if ae.Code == "ResourceNotFoundException" {
			status = http.StatusNotFound
		}
		httpError(w, status, ae.Code, ae.Message)
		return
	}
	httpError(w, http.StatusInternalServerError, "InternalException", err.Error())
}

func (a *Archives) httpReplay(w http.ResponseWriter, r *http.Request, scopeOf func(*http.Request, string, string) catalog.Scope) {
	var req ReplayRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		httpError(w, http.StatusBadRequest, "ValidationException", "body must be JSON: "+err.Error())
		return
	}
	if req.Name == "" || req.Archive == "" || req.Speed < 0 {
		httpError(w, http.StatusBadRequest, "ValidationException", `"name" and "archive" are required and "speed" must not be negative`)
		return
	}
	s := scopeOf(r, req.Account, req.Region)
	dest := req.Destination
	if dest == "" {
		name, _ := archiveOfArn(s, req.Archive)
		if ar, _, ok := a.Archive(s, name); ok {
			dest = ar.Bus
		}
	}
	rec, err := a.StartReplay(r.Context(), s, StartInput{
		Name: req.Name, Description: req.Description, Archive: req.Archive, Start: req.Start, End: req.End,
		Destination: dest, FilterArns: req.FilterArns, Speed: req.Speed, AnyBus: true,
	})
	if err != nil {
		writeAPIError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"replayArn": rec.Arn(), "state": rec.State, "bus": rec.Bus})
}

func parseWindow(r *http.Request) (start, end time.Time, err error) {
	q := r.URL.Query()
	if v := q.Get("start"); v != "" {
		if start, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return start, end, fmt.Errorf("start: %w", err)
		}
	}
	if v := q.Get("end"); v != "" {
		if end, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return start, end, fmt.Errorf("end: %w", err)
		}
	}
	return start, end, nil
}

// Export writes an archive's events whose time is in [start, end) (zero
// times leave that side open) as JSON lines, in archive order. An event
// stored again after a redelivery (on .r) is written once.
func (a *Archives) Export(ctx context.Context, s catalog.Scope, name string, start, end time.Time, w func([]byte) error) (int, error) {
	ar, _, ok := a.Archive(s, name)
	if !ok {
		return 0, errArchiveNotFound(name)
	}
	inWindow := func(t time.Time) bool {
		return (start.IsZero() || !t.Before(start)) && (end.IsZero() || t.Before(end))
	}
	redel, err := a.readRedelivered(ctx, ar.Stream(), ar.ID, inWindow)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return 0, err
	}
	n := 0
	var werr error
	err = a.st.Read(ctx, ar.Stream(), store.ReadOptions{}, func(m *store.Msg) bool {
		archived := m.Time
		if v := m.Header.Get(HeaderArchived); v != "" {
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				archived = t
			}
		}
		return eachEvent(m, func(event []byte) bool {
			if !start.IsZero() || !end.IsZero() {
				if t, ok := eventTime(event); !ok || !inWindow(t) {
					return true
				}
			}
			if !redel.first(event) {
				return true
			}
			if werr = w(MarshalLine(Record{Archived: archived, Event: event})); werr != nil {
				return false
			}
			n++
			return true
		})
	})
	if err == nil {
		err = werr
	}
	if errors.Is(err, store.ErrNotFound) {
		err = nil // nothing archived yet
	}
	return n, err
}

func (a *Archives) httpExport(w http.ResponseWriter, r *http.Request, s catalog.Scope) {
	start, end, err := parseWindow(r)
	if err != nil {
		httpError(w, http.StatusBadRequest, "ValidationException", err.Error())
		return
	}
	name := r.PathValue("name")
	if _, _, ok := a.Archive(s, name); !ok {
		writeAPIError(w, errArchiveNotFound(name))
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	bw := bufio.NewWriterSize(w, 64<<10)
	_, err = a.Export(r.Context(), s, name, start, end, func(b []byte) error {
		_, err := bw.Write(b)
		return err
	})
	if err != nil {
		a.log.Warn("archive export ended early", "archive", name, "err", err)
	}
	_ = bw.Flush()
}

// ImportResult counts the events of an import.
type ImportResult struct {
	// Imported is how many events were stored.
	Imported int `json:"imported"`
	// Skipped is how many did not match the archive's event pattern and
	// were left out, as archiving leaves them out.
	Skipped int `json:"skipped"`
}

// Import stores the JSON lines read from sc into an archive, as events
// archived out of time order (their own times are kept). As when events
// are archived, an archive with an event pattern takes only the events
// that match it; the others are counted as skipped. A bad line stops the
// import with an error naming the line; the result then counts the events
// before it.
func (a *Archives) Import(ctx context.Context, s catalog.Scope, name string, sc *bufio.Scanner) (ImportResult, error) {
	var res ImportResult
	ar, _, ok := a.Archive(s, name)
	if !ok {
		return res, errArchiveNotFound(name)
	}
	if !archiving(ar.State) {
		return res, events.ErrValidationException("Archive %s is not enabled (state %s).", name, ar.State)
	}
	var p *pattern.Pattern
	if ar.Pattern != "" {
		var err error
		if p, err = pattern.Parse(ar.Pattern, pattern.WithMaxLength(0)); err != nil {
			return res, fmt.Errorf("archive %s: stored event pattern: %w", name, err)
		}
	}
	subject := subjectOutOfOrder(ar.ID)
	var batch []*store.Msg
	line := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		failed := store.PublishRetry(ctx, a.st, 3, batch)
		res.Imported += len(batch) - len(failed)
		batch = batch[:0]
		if len(failed) > 0 {
			return fmt.Errorf("%d events could not be stored", len(failed))
		}
		return nil
	}
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		rec, err := ParseLine(b)
		if err != nil {
			_ = flush()
			if tooBig := (*http.MaxBytesError)(nil); errors.As(sc.Err(), &tooBig) {
				return res, sc.Err() // the body was cut at the limit, mid-line
			}
			return res, events.ErrValidationException("line %d: %v", line, err)
		}
		if p != nil {
			// As ArchiveEvent: an event the pattern cannot be evaluated
			// on is not archived either.
			if match, err := p.Match(rec.Event); err != nil || !match {
				res.Skipped++
				continue
			}
		}
		m := &store.Msg{Subject: subject, ID: eventID(rec.Event), Data: rec.Event}
		if !rec.Archived.IsZero() {
			m.Header = store.Header{HeaderArchived: {rec.Archived.Format(time.RFC3339Nano)}}
		}
		batch = append(batch, m)
		if len(batch) >= replayBatch {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := sc.Err(); err != nil {
		_ = flush()
		if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
			return res, err
		}
		return res, events.ErrValidationException("line %d: %v", line+1, err)
	}
	return res, flush()
}

func (a *Archives) httpImport(w http.ResponseWriter, r *http.Request, s catalog.Scope) {
	limit := a.opts.MaxImportBytes
	sc := bufio.NewScanner(http.MaxBytesReader(w, r.Body, limit))
	sc.Buffer(make([]byte, 64<<10), MaxLine)
	res, err := a.Import(r.Context(), s, r.PathValue("name"), sc)
	if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
		httpError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			fmt.Sprintf("The import body is larger than %d bytes (%d events imported and %d skipped before the limit); import the rest in another request.", limit, res.Imported, res.Skipped))
		return
	}
	if err != nil {
		var ae *awsproto.Error
		if errors.As(err, &ae) {
			ae.Message = fmt.Sprintf("%s (%d events imported and %d skipped before it)", ae.Message, res.Imported, res.Skipped)
		}
		writeAPIError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(res)
}
