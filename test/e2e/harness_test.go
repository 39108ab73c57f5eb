// Package e2e drives a whole Switchyard server, started in-process, with
// the official AWS SDK for Go v2 clients.
package e2e

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/switchyard/switchyard/internal/config"
	"github.com/switchyard/switchyard/internal/sdkhttp"
	"github.com/switchyard/switchyard/internal/server"
)

const testAccount = "123456789012"

type env struct {
	t   *testing.T
	srv *server.Server
	cfg aws.Config
	eb  *eventbridge.Client
	sqs *sqs.Client
}

// start runs a server on a random port with a fresh data directory.
func start(t *testing.T, opts ...func(*config.Config)) *env {
	t.Helper()
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Delivery.MinBackoff = 20 * time.Millisecond
	cfg.Delivery.MaxBackoff = 200 * time.Millisecond
	for _, o := range opts {
		o(&cfg)
	}
	return startWith(t, cfg)
}

func startWith(t *testing.T, cfg config.Config) *env {
	t.Helper()
	var w io.Writer = io.Discard
	if os.Getenv("SWITCHYARD_TEST_LOG") != "" {
		w = os.Stderr
	}
	log := server.NewLogger(w, "debug", "text")
	srv := server.New(cfg, log)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	return clients(t, srv, srv.URL(), testAccount, "us-east-1")
}

func clients(t *testing.T, srv *server.Server, url, account, region string) *env {
	awsCfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(account, "secret", ""),
		HTTPClient:  sdkhttp.New(64), // every client made from the config
	}
	e := &env{t: t, srv: srv, cfg: awsCfg}
	e.eb = eventbridge.NewFromConfig(awsCfg, func(o *eventbridge.Options) { o.BaseEndpoint = aws.String(url) })
	e.sqs = sqs.NewFromConfig(awsCfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(url) })
	return e
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

var _ = slog.LevelInfo
