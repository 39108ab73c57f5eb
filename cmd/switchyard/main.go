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

func serve(args []string) int {
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
