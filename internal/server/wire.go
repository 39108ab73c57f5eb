package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/pprof"
	"strconv"
	"strings"

	"github.com/switchyard/switchyard/internal/archive"
	"github.com/switchyard/switchyard/internal/arn"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/connection"
	"github.com/switchyard/switchyard/internal/delivery"
	"github.com/switchyard/switchyard/internal/queue"
	"github.com/switchyard/switchyard/internal/target"
	"github.com/switchyard/switchyard/internal/topic"
)

// wire builds the API, the queue service, the target kinds and the
// delivery workers.
func (s *Server) wire(ctx, runCtx context.Context) error {
	q, err := queue.Open(runCtx, s.st, s.log)
	if err != nil {
		return err
	}
	s.queues = q
	send := func(ctx context.Context, account, region, name string, m target.QueueMessage) error {
		qm := queue.Message{Body: m.Body, GroupID: m.GroupID, DeduplicationID: m.DeduplicationID}
		if len(m.Attributes) > 0 {
			qm.Attributes = map[string]queue.Attribute{}
			for k, v := range m.Attributes {
				qm.Attributes[k] = queue.Attribute{DataType: v.DataType, StringValue: v.StringValue}
			}
		}
		_, err := q.Send(ctx, queue.Scope{Account: account, Region: region}, name, qm)
		if errors.Is(err, queue.ErrQueueNotFound) {
			return target.ErrNoSuchQueue
		}
		return err
	}
	s.targets = target.NewRegistry()
	s.targets.Register("sqs", target.SQSKind(send))
	s.targets.Register("events", target.EventsKind(target.BusKind(s.st, s.cat), target.APIDestinationKind(s.conns, target.APIDestinationOptions{DataDir: s.cfg.DataDir, KeyFile: s.cfg.SecretsKeyFile, Log: s.log})))
	s.targets.Register("lambda", target.LambdaKind(s.cfg.Targets.Lambda, nil))
	for service, kind := range target.AWSKinds(s.cfg.Targets) {
		s.targets.Register(service, kind)
	}

	// Topics deliver to queues and Lambda functions through the same
	// code as EventBridge targets; EventBridge publishes to topics.
	s.topics, err = topic.Open(runCtx, s.st, q, s.log, topic.Options{
		BaseURL: s.cfg.PublicURL,
		Lambda: func(ctx context.Context, fn string, ev []byte) error {
			err := s.targets.Resolve(fn).Invoke(ctx, &target.Invocation{TargetArn: fn, Event: ev, Payload: ev})
			if err != nil && !target.Retryable(err) {
				return fmt.Errorf("%w: %v", topic.ErrPermanent, err)
			}
			return err
		},
	})
	if err != nil {
		return err
	}
	s.targets.Register("sns", target.SNSKind(func(ctx context.Context, account, region, name string, m target.TopicMessage) (string, error) {
		id, err := s.topics.Publish(ctx, topic.Scope{Account: account, Region: region}, name,
			topic.PublishInput{Message: m.Message, GroupID: m.GroupID, DeduplicationID: m.DeduplicationID})
		if errors.Is(err, topic.ErrTopicNotFound) {
			return "", target.ErrNoSuchTopic
		}
		return id, err
	}))

	dlq := func(ctx context.Context, v string, m target.QueueMessage) error {
		a, err := arn.Parse(v)
		if err != nil || a.Service != "sqs" {
			return errors.New("dead-letter queue ARN is not an SQS queue: " + v)
		}
		return send(ctx, a.Account, a.Region, a.Resource, m)
	}
	s.deliver = delivery.New(s.st, s.targets, dlq, s.log, delivery.Options{
		Workers:           s.cfg.Delivery.Workers,
		TargetConcurrency: s.cfg.Delivery.TargetConcurrency,
		MinBackoff:        s.cfg.Delivery.MinBackoff,
		MaxBackoff:        s.cfg.Delivery.MaxBackoff,
	})

	ops := catalog.NewAPI(s.cat).Operations()
	for name, op := range connection.NewAPI(s.conns).Operations() {
		ops[name] = op
	}
	for name, op := range s.ingest.Operations() {
		ops[name] = op
	}
	if s.archives, err = archive.Open(runCtx, s.st, s.cat, s.log, archive.Options{}); err != nil {
		return err
	}
	for name, op := range s.archives.Operations() {
		ops[name] = op
	}
	s.api = awsproto.NewMux(s.log)
	s.api.DefaultRegion = s.cfg.Region
	s.api.HandleJSON(catalog.Service(ops))
	s.api.HandleJSON(q.JSONService())
	s.api.HandleQuery(q.QueryService())
	s.api.HandleQuery(s.topics.QueryService())
	return nil
}

// internalRoutes adds Switchyard's own endpoints under /_switchyard/.
func (s *Server) internalRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /_switchyard/explain", s.explain)
	mux.HandleFunc("GET /_switchyard/stats", s.stats)
	mux.HandleFunc("POST /_switchyard/schedules/fire", s.fireSchedule)
	mux.HandleFunc("GET /_switchyard/schedules", s.listSchedules)
	s.archives.Routes(mux, s.scopeOf)
	mux.Handle(topic.URLPrefix, s.topics.Handler())
	mux.HandleFunc("/_switchyard/debug/pprof/", func(w http.ResponseWriter, r *http.Request) {
		if name := strings.TrimPrefix(r.URL.Path, "/_switchyard/debug/pprof/"); name != "" {
			pprof.Handler(name).ServeHTTP(w, r)
			return
		}
		pprof.Index(w, r)
	})
	mux.HandleFunc("/_switchyard/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/_switchyard/debug/pprof/trace", pprof.Trace)
}

// explain answers "which rules on this bus match this event, and why not
// the others". Body: {"account":..., "region":..., "bus":..., "event":{...}}.
func (s *Server) explain(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Account string          `json:"account"`
		Region  string          `json:"region"`
		Bus     string          `json:"bus"`
		Event   json.RawMessage `json:"event"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 2<<20)).Decode(&req); err != nil {
		http.Error(w, "body must be JSON: "+err.Error(), http.StatusBadRequest)
		return
	}
	scope := s.scopeOf(r, req.Account, req.Region)
	bus := firstNonEmpty(req.Bus, catalog.DefaultBus)
	event := []byte(req.Event)
	if len(event) > 0 && event[0] == '"' {
		var str string
		_ = json.Unmarshal(event, &str)
		event = []byte(str)
	}
	x, err := s.cat.Explain(scope, bus, event)
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"account": scope.Account, "region": scope.Region, "bus": bus, "rules": x})
}

// scopeOf takes the account and region from explicit values or, failing
// that, from the request's signature.
func (s *Server) scopeOf(r *http.Request, account, region string) catalog.Scope {
	caller := awsproto.ParseCaller(r, s.cfg.Region)
	return catalog.Scope{Account: firstNonEmpty(account, caller.Account), Region: firstNonEmpty(region, caller.Region)}
}

// fireSchedule fires a rule's targets now with a Scheduled Event marked as
// a manual fire. Body: {"rule": "...", "bus": "default"} (account and
// region as for explain).
func (s *Server) fireSchedule(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Account string `json:"account"`
		Region  string `json:"region"`
		Bus     string `json:"bus"`
		Rule    string `json:"rule"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil || req.Rule == "" {
		http.Error(w, `body must be JSON with "rule"`, http.StatusBadRequest)
		return
	}
	scope := s.scopeOf(r, req.Account, req.Region)
	id, n, err := s.scheduler.FireNow(r.Context(), scope, firstNonEmpty(req.Bus, catalog.DefaultBus), req.Rule)
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "rule " + req.Rule + " not found"})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"eventId": id, "targets": n})
}

// listSchedules lists scheduled rules with their next fire times:
// ?rule=name&n=5&account=...&region=...
func (s *Server) listSchedules(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n, _ := strconv.Atoi(q.Get("n"))
	if n <= 0 || n > 1000 {
		n = 5
	}
	plans := s.scheduler.Plans(s.scopeOf(r, q.Get("account"), q.Get("region")), q.Get("rule"), n)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"schedules": plans})
}

func (s *Server) stats(w http.ResponseWriter, r *http.Request) {
	ts := s.topics.Stats()
	topics := ts.Map()
	topics["filtered"] = ts.Filtered.Load()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"router": map[string]int64{
			"events": s.router.Stats.Events.Load(), "matched": s.router.Stats.Matched.Load(),
			"tasks": s.router.Stats.Tasks.Load(), "malformed": s.router.Stats.Malformed.Load(),
		},
		"delivery": s.deliver.Stats.Map(),
		"topics":   topics,
	})
}

func firstNonEmpty(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}
