package awsproto

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
)

// Request is one decoded API call.
type Request struct {
	Service   string // the JSON target prefix or query service name
	Operation string
	Body      []byte
	// Form holds the parameters of an awsQuery request.
	Form      map[string][]string
	Caller    Caller
	RequestID string
	HTTP      *http.Request
}

// Operation handles one API operation and returns the response value
// (marshalled as JSON for awsJson services) or an error.
type Operation func(ctx context.Context, req *Request) (any, error)

// JSONService is an awsJson service: requests are POSTs whose X-Amz-Target
// header is "<TargetPrefix>.<Operation>".
type JSONService struct {
	TargetPrefix string // e.g. "AWSEvents"
	JSONVersion  string // "1.1" or "1.0"
	Operations   map[string]Operation
	// Known lists every operation of the service's model; a known but
	// unimplemented operation answers NotImplemented(op).
	Known          map[string]bool
	NotImplemented func(op string) *Error
	// InternalCode is the service's internal-error code.
	InternalCode string
	// TypePrefix is prepended to error codes in __type (awsJson1.0
	// services such as SQS use "com.amazonaws.sqs#").
	TypePrefix string
}

// QueryService handles awsQuery (form-encoded) requests for one service,
// recognised by the request (for example by its path or Version).
type QueryService interface {
	// Accepts reports whether this service handles the form request.
	Accepts(r *http.Request, form map[string][]string) bool
	ServeQuery(ctx context.Context, w http.ResponseWriter, req *Request)
}

// Mux routes AWS API requests to services.
type Mux struct {
	// MaxBody bounds a request body (bytes); larger requests are refused.
	MaxBody       int64
	DefaultRegion string
	Log           *slog.Logger
	json          map[string]*JSONService
	query         []QueryService
	// Fallback serves requests that are not AWS API calls (may be nil).
	Fallback http.Handler
}

// NewMux returns a Mux with a 10 MiB body limit.
func NewMux(log *slog.Logger) *Mux {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Mux{MaxBody: 10 << 20, DefaultRegion: DefaultRegion, Log: log, json: map[string]*JSONService{}}
}

// HandleJSON registers an awsJson service.
func (m *Mux) HandleJSON(s *JSONService) { m.json[s.TargetPrefix] = s }

// HandleQuery registers an awsQuery service.
func (m *Mux) HandleQuery(s QueryService) { m.query = append(m.query, s) }

// NewRequestID returns a random request id in AWS's UUID form.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := NewRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	target := r.Header.Get("X-Amz-Target")
	if target != "" {
		m.serveJSON(w, r, target, reqID)
		return
	}
	if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") && len(m.query) > 0 {
		m.serveQuery(w, r, reqID)
		return
	}
	if m.Fallback != nil {
		m.Fallback.ServeHTTP(w, r)
		return
	}
	writeJSONError(w, "", "1.1", &Error{Code: "UnknownOperationException", Message: "Request is not an AWS API call this server understands."})
}

func (m *Mux) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *Error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, m.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &Error{Code: "RequestEntityTooLarge", Message: fmt.Sprintf("Request body is larger than %d bytes.", m.MaxBody), Status: http.StatusRequestEntityTooLarge}
		}
		return nil, &Error{Code: "SerializationException", Message: "Could not read the request body."}
	}
	return body, nil
}

func (m *Mux) serveJSON(w http.ResponseWriter, r *http.Request, target, reqID string) {
	prefix, op, _ := strings.Cut(target, ".")
	svc := m.json[prefix]
	if svc == nil {
		writeJSONError(w, "", "1.1", &Error{Code: "UnknownOperationException", Message: "Unknown target " + target})
		return
	}
	if r.Method != http.MethodPost {
		writeJSONError(w, svc.TypePrefix, svc.JSONVersion, &Error{Code: "UnknownOperationException", Message: "Only POST is supported"})
		return
	}
	handler := svc.Operations[op]
	if handler == nil {
		if svc.Known[op] && svc.NotImplemented != nil {
			writeJSONError(w, svc.TypePrefix, svc.JSONVersion, svc.NotImplemented(op))
			return
		}
		writeJSONError(w, svc.TypePrefix, svc.JSONVersion, &Error{Code: "UnknownOperationException", Message: ""})
		return
	}
	body, perr := m.readBody(w, r)
	if perr != nil {
		writeJSONError(w, svc.TypePrefix, svc.JSONVersion, perr)
		return
	}
	req := &Request{
		Service: prefix, Operation: op, Body: body,
		Caller: ParseCaller(r, m.DefaultRegion), RequestID: reqID, HTTP: r,
	}
	if !ValidRegion(req.Caller.Region) {
		writeJSONError(w, svc.TypePrefix, svc.JSONVersion, errBadRegion)
		return
	}
	resp, err := m.call(r.Context(), handler, req)
	if err != nil {
		e := AsError(err, svc.InternalCode)
		if e.HTTPStatus() >= 500 {
			m.Log.Error("internal error", "operation", target, "request_id", reqID, "err", err)
		}
		writeJSONError(w, svc.TypePrefix, svc.JSONVersion, e)
		return
	}
	writeJSON(w, svc.JSONVersion, http.StatusOK, resp)
}

// call runs a handler, turning a panic into an internal error.
func (m *Mux) call(ctx context.Context, h Operation, req *Request) (resp any, err error) {
	defer func() {
		if p := recover(); p != nil {
			m.Log.Error("panic in handler", "operation", req.Operation, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return h(ctx, req)
}

func (m *Mux) serveQuery(w http.ResponseWriter, r *http.Request, reqID string) {
	body, perr := m.readBody(w, r)
	if perr != nil {
		http.Error(w, perr.Message, perr.HTTPStatus())
		return
	}
	form, err := parseForm(body, r.URL.RawQuery)
	if err != nil {
		http.Error(w, "malformed form body", http.StatusBadRequest)
		return
	}
	req := &Request{
		Operation: first(form["Action"]), Body: body, Form: form,
		Caller: ParseCaller(r, m.DefaultRegion), RequestID: reqID, HTTP: r,
	}
	if !ValidRegion(req.Caller.Region) {
		http.Error(w, errBadRegion.Message, http.StatusForbidden)
		return
	}
	for _, q := range m.query {
		if q.Accepts(r, form) {
			q.ServeQuery(r.Context(), w, req)
			return
		}
	}
	if m.Fallback != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		m.Fallback.ServeHTTP(w, r)
		return
	}
	http.Error(w, "no service for this request", http.StatusBadRequest)
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func contentType(version string) string {
	if version == "1.0" {
		return "application/x-amz-json-1.0"
	}
	return "application/x-amz-json-1.1"
}

func writeJSON(w http.ResponseWriter, version string, status int, v any) {
	var body []byte
	if v == nil {
		body = []byte("{}")
	} else {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			writeJSONError(w, "", version, &Error{Code: "InternalFailure", Message: err.Error(), Status: 500})
			return
		}
		body = bytes.TrimRight(buf.Bytes(), "\n")
	}
	w.Header().Set("Content-Type", contentType(version))
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeJSONError(w http.ResponseWriter, typePrefix, version string, e *Error) {
	if e.QueryCode != "" {
		fault := "Sender"
		if e.Receiver {
			fault = "Receiver"
		}
		w.Header().Set("x-amzn-query-error", e.QueryCode+";"+fault)
	}
	w.Header().Set("x-amzn-ErrorType", e.Code)
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message,omitempty"`
	}{typePrefix + e.Code, e.Message})
	w.Header().Set("Content-Type", contentType(version))
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write(body)
}

// DecodeJSON decodes an awsJson request body into v. An empty body is an
// empty object. Malformed JSON is a SerializationException.
func DecodeJSON(req *Request, v any) error {
	body := bytes.TrimSpace(req.Body)
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &Error{Code: "SerializationException", Message: fmt.Sprintf("Unexpected value for field %s", te.Field)}
		}
		return &Error{Code: "SerializationException", Message: "Could not parse the request body as JSON."}
	}
	return nil
}
