// Command switchyard runs the Switchyard event router.
//
//	switchyard serve [flags]   run the server (see switchyard serve -h)
//	switchyard archive export|import --archive NAME   move an archive as JSON lines
//	switchyard version         print the version
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/switchyard/switchyard/internal/config"
	"github.com/switchyard/switchyard/internal/server"
)

var version = "dev"

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help" {
		fmt.Fprintln(os.Stderr, "usage: switchyard serve [flags] | switchyard archive export|import --archive NAME | switchyard version")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "version":
		fmt.Println("switchyard", version)
	case "serve":
		os.Exit(serve(os.Args[2:]))
	case "archive":
		os.Exit(archiveCmd(os.Args[2:]))
	default:
		fmt.Fprintf(os.Stderr, "switchyard: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
}

// defaultGCPercent is the garbage collector's target when GOGC is not
// set. The server's live heap is small (tens of MiB: catalog, queue and
// connection state; message data lives in the store's files) and almost
// every allocation is per request, so the collector's default of 100 made
// it run often: with 200, SQS send+receive+delete in batches of ten took
// 52-53 µs of server CPU per message instead of 59 and moved 9% more
// messages (bench/sqs, 64 clients, 2 cores), for a peak heap of about
// three times the live heap instead of two. GOGC and GOMEMLIMIT in the
// environment still decide when set.
const defaultGCPercent = 200

func serve(args []string) int {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	cfg, err := config.Load(args, os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "switchyard:", err)
		return 2
	}
	log := server.NewLogger(os.Stderr, cfg.LogLevel, cfg.LogFormat)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := server.New(cfg, log)
	if err := srv.Start(ctx); err != nil {
		log.Error("could not start", "err", err)
		return 1
	}
	<-ctx.Done()
	log.Info("shutting down")
	if err := srv.Close(context.Background()); err != nil {
		log.Error("shutdown", "err", err)
		return 1
	}
	return 0
}
