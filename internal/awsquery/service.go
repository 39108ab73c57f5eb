package awsquery

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"

	"github.com/switchyard/switchyard/internal/awsproto"
)

// Service serves one service's awsQuery requests with the same
// awsproto.Operation handlers as its awsJson service: the form is decoded
// into the JSON document of the input shape (Request.Body), the handler's
// result is marshalled to JSON and rendered as the XML response, and its
// errors as the awsQuery error response. It implements
// awsproto.QueryService.
type Service struct {
	Model *Model
	// AcceptsFunc reports whether a form request is for this service.
	AcceptsFunc func(r *http.Request, form url.Values) bool
	// Operations are the handlers by operation name.
	Operations map[string]awsproto.Operation
	// InternalCode is the code of internal errors (e.g. InternalError).
	InternalCode string
	// NotImplemented answers operations of the model without a handler;
	// nil answers InvalidAction.
	NotImplemented func(op string) *awsproto.Error
	// Log receives internal errors and panics (nil: discarded).
	Log *slog.Logger
}

var _ awsproto.QueryService = (*Service)(nil)

// NewService returns the awsQuery service of model: requests for which
// accepts is true are served by the handlers in ops. internalCode is the
// code of internal errors.
func NewService(model *Model, accepts func(*http.Request, url.Values) bool, ops map[string]awsproto.Operation, internalCode string) *Service {
	return &Service{Model: model, AcceptsFunc: accepts, Operations: ops, InternalCode: internalCode}
}

// Accepts implements awsproto.QueryService.
func (s *Service) Accepts(r *http.Request, form map[string][]string) bool {
	if s.AcceptsFunc == nil {
		return false
	}
	return s.AcceptsFunc(r, url.Values(form))
}

// ServeQuery implements awsproto.QueryService.
func (s *Service) ServeQuery(ctx context.Context, w http.ResponseWriter, req *awsproto.Request) {
	body, err := s.serve(ctx, req)
	if err != nil {
		e := awsproto.AsError(err, s.InternalCode)
		if e.HTTPStatus() >= 500 && s.Log != nil {
			s.Log.Error("internal error", "service", s.Model.ServiceID, "operation", req.Operation, "request_id", req.RequestID, "err", err)
		}
		s.Model.WriteError(w, e, req.RequestID)
		return
	}
	writeXML(w, http.StatusOK, body)
}

func (s *Service) serve(ctx context.Context, req *awsproto.Request) ([]byte, error) {
	op := req.Operation
	if op == "" {
		return nil, errMissingAction()
	}
	if !s.Model.HasOperation(op) {
		return nil, errInvalidAction(op)
	}
	h := s.Operations[op]
	if h == nil {
		if s.NotImplemented != nil {
			return nil, s.NotImplemented(op)
		}
		return nil, errInvalidAction(op)
	}
	in, err := s.Model.DecodeInput(op, url.Values(req.Form))
	if err != nil {
		return nil, err
	}
	req.Body = in
	resp, err := s.call(ctx, h, req)
	if err != nil {
		return nil, err
	}
	out, err := marshal(resp)
	if err != nil {
		return nil, err
	}
	return s.Model.EncodeOutput(op, out, req.RequestID)
}

// call runs a handler, turning a panic into an internal error.
func (s *Service) call(ctx context.Context, h awsproto.Operation, req *awsproto.Request) (resp any, err error) {
	defer func() {
		if p := recover(); p != nil {
			if s.Log != nil {
				s.Log.Error("panic in handler", "operation", req.Operation, "panic", p, "stack", string(debug.Stack()))
			}
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return h(ctx, req)
}

func marshal(v any) ([]byte, error) {
	if v == nil {
		return []byte("{}"), nil
	}
	if raw, ok := v.(json.RawMessage); ok {
		return raw, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
