package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// archiveCmd runs `switchyard archive export|import`: JSON lines (one
// event per line with the time it was archived, its own time inside)
// through a running server's /_switchyard/archives endpoints, so the same
// commands move an archive from a laptop to a cluster:
//
//	switchyard archive export --archive NAME [--start T --end T] > file.jsonl
//	switchyard archive import --archive NAME < file.jsonl
func archiveCmd(args []string) int {
	if len(args) < 1 || (args[0] != "export" && args[0] != "import") {
		fmt.Fprintln(os.Stderr, "usage: switchyard archive export|import --archive NAME [--url URL] [--account ID] [--region R] [--start T --end T]")
		return 2
	}
	verb := args[0]
	fs := flag.NewFlagSet("archive "+verb, flag.ContinueOnError)
	name := fs.String("archive", "", "archive name (required)")
	base := fs.String("url", envOr("SWITCHYARD_URL", "http://127.0.0.1:4010"), "server URL (env SWITCHYARD_URL)")
	account := fs.String("account", "", "account (default: the server's)")
	region := fs.String("region", "", "region (default: the server's)")
	start := fs.String("start", "", "export: first event time, RFC 3339 (inclusive)")
	end := fs.String("end", "", "export: last event time, RFC 3339 (exclusive)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *name == "" {
		fmt.Fprintln(os.Stderr, "switchyard archive: --archive is required")
		return 2
	}
	q := url.Values{}
	for k, v := range map[string]string{"account": *account, "region": *region, "start": *start, "end": *end} {
		if v == "" {
			continue
		}
		if k == "start" || k == "end" {
			if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
				fmt.Fprintf(os.Stderr, "switchyard archive: --%s: %v\n", k, err)
				return 2
			}
		}
		q.Set(k, v)
	}
	u := strings.TrimRight(*base, "/") + "/_switchyard/archives/" + url.PathEscape(*name) + "/" + verb + "?" + q.Encode()
	var resp *http.Response
	var err error
	if verb == "export" {
		resp, err = http.Get(u)
	} else {
		resp, err = http.Post(u, "application/x-ndjson", bufio.NewReaderSize(os.Stdin, 1<<20))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "switchyard archive:", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		fmt.Fprintf(os.Stderr, "switchyard archive %s: %s: %s\n", verb, resp.Status, strings.TrimSpace(string(msg)))
		return 1
	}
	out := io.Writer(os.Stdout)
	if verb == "import" {
		out = os.Stderr
	}
	if _, err := io.Copy(out, resp.Body); err != nil {
		fmt.Fprintln(os.Stderr, "switchyard archive:", err)
		return 1
	}
	return 0
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
