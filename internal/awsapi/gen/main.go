// Command gen generates a Go package of API types, request validation, an
// operation table and error constructors from a botocore service model
// (awsJson or awsQuery protocol: the wire protocol does not change the
// shapes).
//
// Usage (from internal/awsapi, as go generate runs it):
//
//	go run ./gen -model models/events-2015-10-07.json -out events [-pkg events]
//	    [-errors-from other-model.json] [-overlay overlay.json]
//	    [-runtime github.com/switchyard/switchyard/internal/awsapi]
//	    [-proto github.com/switchyard/switchyard/internal/awsproto]
//
// The output directory receives doc_gen.go, types_gen.go, enums_gen.go,
// validate_gen.go, javastring_gen.go, service_gen.go and errors_gen.go (one
// constructor per error shape, returning an *awsproto.Error); other *_gen.go
// files found there are removed, other files are left alone. The output
// is deterministic and gofmt'ed.
//
// For an awsQuery model (SNS), the JSON tags of the types are the member
// names (locationName is the form/XML name there), and query_gen.go holds
// QueryModel, the model's serialization part for internal/awsquery. An
// awsJson model whose -errors-from model is its awsQuery form (SQS) gets
// that model's QueryModel too, so the service can serve both protocols.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

const defaultRuntime = "github.com/switchyard/switchyard/internal/awsapi"

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// parseArgs parses the command line into options and the output directory.
func parseArgs(args []string, stderr io.Writer) (options, string, error) {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var out string
	fs.StringVar(&o.ModelPath, "model", "", "botocore service model (JSON, awsJson or awsQuery protocol)")
	fs.StringVar(&out, "out", "", "output package directory")
	fs.StringVar(&o.Pkg, "pkg", "", "package name (default: base name of -out)")
	fs.StringVar(&o.ErrorsFrom, "errors-from", "", "optional model whose error traits (code, HTTP status) complete the model's; an awsQuery one also gives QueryModel")
	fs.StringVar(&o.OverlayPath, "overlay", "", "optional Switchyard overlay JSON (see internal/awsapi/models)")
	fs.StringVar(&o.Runtime, "runtime", defaultRuntime, "import path of the awsapi runtime package")
	fs.StringVar(&o.Proto, "proto", defaultProto, "import path of the awsproto package (the error constructors' *Error)")
	if err := fs.Parse(args); err != nil {
		return o, "", err
	}
	if o.ModelPath == "" || out == "" || fs.NArg() > 0 {
		fs.Usage()
		return o, "", fmt.Errorf("-model and -out are required")
	}
	if o.Pkg == "" {
		o.Pkg = filepath.Base(out)
	}
	return o, out, nil
}

func run(args []string, stderr io.Writer) error {
	o, out, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	files, err := generate(o)
	if err != nil {
		return err
	}
	return writeFiles(out, files)
}

// writeFiles writes the generated files into dir and removes stale
// generated files (*_gen.go not produced this time).
func writeFiles(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, "*_gen.go"))
	if err != nil {
		return err
	}
	for _, f := range old {
		if _, ok := files[filepath.Base(f)]; !ok {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !strings.HasSuffix(n, "_gen.go") {
			return fmt.Errorf("internal error: generated file %s must end in _gen.go", n)
		}
		if err := os.WriteFile(filepath.Join(dir, n), files[n], 0o644); err != nil {
			return err
		}
	}
	return nil
}
