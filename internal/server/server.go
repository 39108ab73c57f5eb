// Package server wires Switchyard together: the store, the catalog and
// the connections, the API handlers, the router and the delivery workers,
// behind one HTTP listener. Tests start a whole server in-process with New
// and Start.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/switchyard/switchyard/internal/archive"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/config"
	"github.com/switchyard/switchyard/internal/connection"
	"github.com/switchyard/switchyard/internal/delivery"
	"github.com/switchyard/switchyard/internal/ingest"
	"github.com/switchyard/switchyard/internal/queue"
	"github.com/switchyard/switchyard/internal/router"
	"github.com/switchyard/switchyard/internal/scheduler"
	"github.com/switchyard/switchyard/internal/store"
	"github.com/switchyard/switchyard/internal/target"
	"github.com/switchyard/switchyard/internal/topic"
)

// Server is a running Switchyard node.
type Server struct {
	cfg config.Config
	log *slog.Logger

	st        *store.Store
	cat       *catalog.Catalog
	conns     *connection.Catalog
	ingest    *ingest.Ingester
	router    *router.Router
	deliver   *delivery.Deliverer
	targets   *target.Registry
	queues    *queue.Service
	topics    *topic.Service
	scheduler *scheduler.Scheduler
	archives  *archive.Archives
	api       *awsproto.Mux

	ln     net.Listener
	http   *http.Server
	ready  atomic.Bool
	cancel context.CancelFunc
	done   chan struct{}
	clock  scheduler.Clock
}

// New returns a server for cfg; Start runs it.
func New(cfg config.Config, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, log: log, done: make(chan struct{})}
}

// SetClock replaces the scheduler's clock (tests); call before Start.
func (s *Server) SetClock(c scheduler.Clock) { s.clock = c }

// Start opens the store, starts the workers and begins serving. It returns
// once the server is ready.
func (s *Server) Start(ctx context.Context) error {
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	if err := s.start(ctx, runCtx); err != nil {
		cancel()
		s.shutdown()
		return err
	}
	return nil
}

func (s *Server) start(ctx, runCtx context.Context) error {
	dur, err := store.ParseDurability(s.cfg.Durability)
	if err != nil {
		return err
	}
	s.st, err = store.Open(ctx, store.Options{
		DataDir: s.cfg.DataDir, NATSURL: s.cfg.NATSURL, Durability: dur, Logger: s.log,
	})
	if err != nil {
		return err
	}
	if err := ingest.Setup(ctx, s.st); err != nil {
		return err
	}
	if err := delivery.Setup(ctx, s.st); err != nil {
		return err
	}
	s.cat, err = catalog.Open(runCtx, s.st, s.log)
	if err != nil {
		return err
	}
	s.conns, err = connection.Open(runCtx, s.st, s.log)
	if err != nil {
		return err
	}
	s.ingest = ingest.New(s.st, s.cat, s.log)
	if err := s.wire(ctx, runCtx); err != nil {
		return err
	}
	if err := s.deliver.Start(runCtx); err != nil {
		return err
	}
	s.router = router.New(s.st, s.cat, s.deliver, s.log, router.Options{Archiver: s.archives})
	if err := s.router.Start(runCtx); err != nil {
		return err
	}
	s.archives.Start(runCtx)
	s.scheduler = scheduler.New(s.st, s.cat, s.log, scheduler.Options{Clock: s.clock})
	if err := s.scheduler.Start(runCtx); err != nil {
		return err
	}
	s.ln, err = net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Listen, err)
	}
	s.http = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 30 * time.Second}
	go func() {
		defer close(s.done)
		if err := s.http.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", "err", err)
		}
	}()
	s.ready.Store(true)
	s.log.Info("switchyard ready", "listen", s.ln.Addr().String(), "data_dir", s.cfg.DataDir, "embedded_store", s.st.Embedded(), "durability", dur)
	return nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// URL returns the server's base URL.
func (s *Server) URL() string { return "http://" + s.Addr() }

// Handler is the server's HTTP handler: Switchyard's own endpoints under
// /_switchyard/, and the AWS APIs everywhere else.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_switchyard/health", s.health)
	s.internalRoutes(mux)
	mux.Handle("/", s.api)
	return limitBodies(mux)
}

// MaxBody bounds every request body (10 MiB, the AWS APIs' own limit),
// except archive imports, which have their own (archive.Options).
const MaxBody = 10 << 20

// limitBodies applies MaxBody to every route, so a route added later
// cannot be sent an unbounded body.
func limitBodies(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !(r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/_switchyard/archives/") && strings.HasSuffix(r.URL.Path, "/import")) {
			r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if !s.ready.Load() || !s.st.Healthy() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"status":"starting"}`))
		return
	}
	_, _ = w.Write([]byte(`{"status":"ok"}`))
}

// Close stops serving and releases everything, waiting up to the
// configured shutdown timeout for requests and deliveries in progress.
func (s *Server) Close(ctx context.Context) error {
	s.ready.Store(false)
	if s.http != nil {
		sctx, cancel := context.WithTimeout(ctx, s.cfg.ShutdownTimeout)
		_ = s.http.Shutdown(sctx)
		cancel()
		<-s.done
	}
	s.shutdown()
	return nil
}

func (s *Server) shutdown() {
	if s.archives != nil {
		s.archives.Stop()
	}
	if s.scheduler != nil {
		s.scheduler.Stop()
	}
	if s.router != nil {
		s.router.Stop()
	}
	if s.deliver != nil {
		s.deliver.Stop()
	}
	if s.topics != nil {
		s.topics.Close()
	}
	if s.queues != nil {
		_ = s.queues.Close()
	}
	if s.cancel != nil {
		s.cancel()
	}
	if s.st != nil {
		s.st.Close()
	}
}
