package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsapi/sns"
	"github.com/switchyard/switchyard/internal/awsapi/sqs"
	"github.com/switchyard/switchyard/internal/awsproto"
)

// generatedErrors are the Errors tables of the generated packages, by
// package name.
var generatedErrors = map[string]map[string]awsapi.ErrorShape{
	"events": events.Errors,
	"sqs":    sqs.Errors,
	"sns":    sns.Errors,
}

// rawModel is what this test reads of a model, independently of the
// generator's own model types.
type rawModel struct {
	Metadata struct {
		Protocol           string          `json:"protocol"`
		AWSQueryCompatible json.RawMessage `json:"awsQueryCompatible"`
	} `json:"metadata"`
	Shapes map[string]struct {
		Type      string `json:"type"`
		Exception bool   `json:"exception"`
		Fault     bool   `json:"fault"`
		Error     *struct {
			Code           string `json:"code"`
			HTTPStatusCode int    `json:"httpStatusCode"`
			SenderFault    *bool  `json:"senderFault"`
		} `json:"error"`
	} `json:"shapes"`
}

func readRaw(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", path))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestErrorConstructors checks that every error shape of each model (and
// of its overlay) has a constructor in the generated package, returning
// the shape name as Code, the error trait's code as QueryCode where the
// service speaks awsQuery, the trait's HTTP status (else 500 for faults,
// 400 otherwise) and the trait's or the shape's fault, and that the
// packages have no other.
func TestErrorConstructors(t *testing.T) {
	for _, args := range generateLines(t) {
		o, _, err := parseArgs(args, os.Stderr)
		if err != nil {
			t.Fatal(err)
		}
		table, ok := generatedErrors[o.Pkg]
		if !ok {
			t.Errorf("package %s is generated but not checked here", o.Pkg)
			continue
		}
		var m, from rawModel
		readRaw(t, o.ModelPath, &m)
		if o.ErrorsFrom != "" {
			readRaw(t, o.ErrorsFrom, &from)
		}
		var overlay struct {
			Errors map[string]OverlayError `json:"errors"`
		}
		if o.OverlayPath != "" {
			readRaw(t, o.OverlayPath, &overlay)
		}
		query := m.Metadata.Protocol == "query" || len(m.Metadata.AWSQueryCompatible) > 0
		want := map[string]awsproto.Error{}
		for name, s := range m.Shapes {
			if s.Type != "structure" || !s.Exception {
				continue
			}
			e := awsproto.Error{Code: name, Status: 400, Receiver: s.Fault}
			trait := s.Error
			if trait == nil {
				trait = from.Shapes[name].Error
			}
			if trait != nil && trait.SenderFault != nil {
				e.Receiver = !*trait.SenderFault
			}
			if e.Receiver {
				e.Status = 500
			}
			if trait != nil && trait.HTTPStatusCode != 0 {
				e.Status = trait.HTTPStatusCode
			}
			if query {
				e.QueryCode = name
				if trait != nil && trait.Code != "" {
					e.QueryCode = trait.Code
				}
			}
			want[name] = e
		}
		for name, oe := range overlay.Errors {
			e := awsproto.Error{Code: name, Status: oe.HTTPStatusCode, Receiver: !*oe.SenderFault}
			if query {
				e.QueryCode = name
				if oe.Code != "" {
					e.QueryCode = oe.Code
				}
			}
			want[name] = e
		}
		if len(want) == 0 {
			t.Errorf("%s: no error shapes", o.Pkg)
		}
		for name, w := range want {
			shape, ok := table[name]
			if !ok || shape.New == nil {
				t.Errorf("%s: no constructor for error shape %s", o.Pkg, name)
				continue
			}
			got := shape.New("%s of %d", "message", 1)
			w.Message = "message of 1"
			if *got != w {
				t.Errorf("%s.Err%s(...) = %+v, want %+v", o.Pkg, name, *got, w)
			}
			if shape.HTTPStatus != w.Status || shape.Fault != w.Receiver {
				t.Errorf("%s: Errors[%s] = %+v, want status %d fault %v", o.Pkg, name, shape, w.Status, w.Receiver)
			}
		}
		for name := range table {
			if _, ok := want[name]; !ok {
				t.Errorf("%s: constructor for %s, which is no error shape of the model or overlay", o.Pkg, name)
			}
		}
	}
}
