package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Stream is a handle on one stream, for reading, deleting and purging its
// messages by sequence and subject in one round trip each (Store.GetMsg
// and Store.DeleteMsg look the stream up first, which costs a second).
// A handle stays valid while the stream exists; it is safe for concurrent
// use.
type Stream struct {
	s    *Store
	name string
	st   jetstream.Stream
}

// OpenStream returns a handle on an existing stream (ErrNotFound if there
// is none).
func (s *Store) OpenStream(ctx context.Context, name string) (*Stream, error) {
	st, err := s.js.Stream(ctx, name)
	if err != nil {
		return nil, mapErr(err)
	}
	return &Stream{s: s, name: name, st: st}, nil
}

// Name returns the stream's name.
func (t *Stream) Name() string { return t.name }

func rawMsg(raw *jetstream.RawStreamMsg) *Msg {
	return &Msg{Subject: raw.Subject, Data: raw.Data, Header: raw.Header, Seq: raw.Sequence, Time: raw.Time}
}

// GetMsg returns the message at sequence seq, or ErrNotFound.
func (t *Stream) GetMsg(ctx context.Context, seq uint64) (*Msg, error) {
	raw, err := t.st.GetMsg(ctx, seq)
	if err != nil {
		return nil, mapErr(err)
	}
	return rawMsg(raw), nil
}

// NextMsg returns the first message at or after sequence seq whose subject
// matches filter (a subject or a wildcard), or ErrNotFound.
func (t *Stream) NextMsg(ctx context.Context, filter string, seq uint64) (*Msg, error) {
	raw, err := t.st.GetMsg(ctx, max(seq, 1), jetstream.WithGetMsgSubject(filter))
	if err != nil {
		return nil, mapErr(err)
	}
	return rawMsg(raw), nil
}

// LastMsg returns the last message stored on subject, or ErrNotFound.
func (t *Stream) LastMsg(ctx context.Context, subject string) (*Msg, error) {
	raw, err := t.st.GetLastMsgForSubject(ctx, subject)
	if err != nil {
		return nil, mapErr(err)
	}
	return rawMsg(raw), nil
}

// FirstSince returns the sequence of the first message stored at or after
// since whose subject matches filter, or ErrNotFound.
func (t *Stream) FirstSince(ctx context.Context, filter string, since time.Time) (uint64, error) {
	req, err := json.Marshal(struct {
		StartTime time.Time `json:"start_time"`
		NextFor   string    `json:"next_by_subj"`
	}{since.UTC(), filter})
	if err != nil {
		return 0, err
	}
	resp, err := t.s.nc.RequestWithContext(ctx, "$JS.API.STREAM.MSG.GET."+t.name, req)
	if err != nil {
		return 0, err
	}
	var r struct {
		Message *struct {
			Seq uint64 `json:"seq"`
		} `json:"message"`
		Error *jetstream.APIError `json:"error"`
	}
	if err := json.Unmarshal(resp.Data, &r); err != nil {
		return 0, err
	}
	switch {
	case r.Error != nil && r.Error.ErrorCode == jetstream.JSErrCodeMessageNotFound:
		return 0, fmt.Errorf("%w: %v", ErrNotFound, r.Error)
	case r.Error != nil:
		return 0, r.Error
	case r.Message == nil:
		return 0, errors.New("store: message get without a message")
	}
	return r.Message.Seq, nil
}

// DeleteMsg removes the message at sequence seq (ErrNotFound if there is
// none).
func (t *Stream) DeleteMsg(ctx context.Context, seq uint64) error {
	err := t.st.DeleteMsg(ctx, seq)
	// The client reports the server's refusal as text only: "no message
	// found", or "sequence N not found" once the sequence was removed.
	if errors.Is(err, jetstream.ErrMsgDeleteUnsuccessful) &&
		(strings.Contains(err.Error(), "no message found") || strings.Contains(err.Error(), "not found")) {
		return fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	return mapErr(err)
}

// Purge removes the messages whose subject matches filter; with below > 0,
// only those whose sequence is lower than below.
func (t *Stream) Purge(ctx context.Context, filter string, below uint64) error {
	opts := []jetstream.StreamPurgeOpt{jetstream.WithPurgeSubject(filter)}
	if below > 0 {
		opts = append(opts, jetstream.WithPurgeSequence(below))
	}
	return mapErr(t.st.Purge(ctx, opts...))
}

// Count returns how many messages the stream holds whose subject matches
// filter.
func (t *Stream) Count(ctx context.Context, filter string) (uint64, error) {
	info, err := t.st.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return 0, mapErr(err)
	}
	var n uint64
	for _, c := range info.State.Subjects {
		n += c
	}
	return n, nil
}
