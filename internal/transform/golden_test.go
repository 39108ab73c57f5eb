package transform

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the output and error sections of testdata/golden")

// Golden files (testdata/golden/*.txt) pair an event and a target's input
// configuration with what the target receives, in the manner of Caddy's
// adapter tests. Free text before the first section says what the case
// shows and where the expectation comes from. Sections:
//
//	-- event --     the matched event (JSON)
//	-- target --    the target as PutTargets receives it (JSON: Id, Input,
//	                InputPath, InputTransformer)
//	-- template --  optional: the InputTemplate, verbatim (easier to read
//	                than a JSON string); sets InputTransformer
//	-- context --   optional: {"RuleArn", "RuleName", "IngestionTime"}
//	-- output --    the payload, byte for byte
//	-- error --     or: the ValidationException message, or Apply's error
//
// A section's text runs to the next section line; its last line break is
// not part of it. go test -run Golden -update rewrites output and error.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			g := readGolden(t, file)
			got, gotErr := runGolden(t, g)
			if *update {
				delete(g.sections, "output")
				delete(g.sections, "error")
				if gotErr != "" {
					g.set("error", gotErr)
				} else {
					g.set("output", got)
				}
				if err := os.WriteFile(file, []byte(g.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want, ok := g.sections["error"]; ok {
				if gotErr != want {
					t.Fatalf("error:\n got: %s\nwant: %s\n(output %q)", gotErr, want, got)
				}
				return
			}
			want, ok := g.sections["output"]
			if !ok {
				t.Fatal("no output or error section")
			}
			if gotErr != "" {
				t.Fatalf("unexpected error: %s", gotErr)
			}
			if got != want {
				t.Fatalf("output:\n got: %s\nwant: %s", got, want)
			}
		})
	}
}

type golden struct {
	preamble string
	order    []string
	sections map[string]string
}

func (g *golden) set(name, text string) {
	if !slices.Contains(g.order, name) {
		g.order = append(g.order, name)
	}
	g.sections[name] = text
}

func (g *golden) String() string {
	var b strings.Builder
	b.WriteString(g.preamble)
	for _, name := range g.order {
		text, ok := g.sections[name]
		if !ok {
			continue
		}
		b.WriteString("-- " + name + " --\n" + text + "\n")
	}
	return b.String()
}

func readGolden(t *testing.T, file string) *golden {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	g := &golden{sections: map[string]string{}}
	var name string
	var body []string
	flush := func() {
		if name != "" {
			g.set(name, strings.Join(body, "\n"))
		}
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // the file's final line break
	}
	for _, line := range lines {
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(line, " --") && len(line) > 6 {
			flush()
			name, body = strings.TrimSuffix(strings.TrimPrefix(line, "-- "), " --"), nil
			continue
		}
		if name == "" {
			g.preamble += line + "\n"
			continue
		}
		body = append(body, line)
	}
	flush()
	return g
}

// runGolden returns the payload, or the error text.
func runGolden(t *testing.T, g *golden) (string, string) {
	t.Helper()
	var target struct {
		ID               string  `json:"Id"`
		Input            *string `json:"Input"`
		InputPath        *string `json:"InputPath"`
		InputTransformer *struct {
			InputPathsMap map[string]string `json:"InputPathsMap"`
			InputTemplate *string           `json:"InputTemplate"`
		} `json:"InputTransformer"`
	}
	if s, ok := g.sections["target"]; ok {
		if err := json.Unmarshal([]byte(s), &target); err != nil {
			t.Fatalf("target: %v", err)
		}
	}
	if target.ID == "" {
		target.ID = "t1"
	}
	c := Config{Input: target.Input, InputPath: target.InputPath}
	if it := target.InputTransformer; it != nil {
		c.PathsMap, c.Template = it.InputPathsMap, it.InputTemplate
		if c.PathsMap == nil {
			c.PathsMap = map[string]string{}
		}
	}
	if tpl, ok := g.sections["template"]; ok {
		c.Template = &tpl
		if c.PathsMap == nil {
			c.PathsMap = map[string]string{}
		}
	}
	ctx := Context{
		RuleArn:       "arn:aws:events:us-east-1:123456789012:rule/orders/new-order",
		RuleName:      "new-order",
		IngestionTime: time.Date(2024, 6, 11, 8, 33, 10, 0, time.UTC),
	}
	if s, ok := g.sections["context"]; ok {
		if err := json.Unmarshal([]byte(s), &ctx); err != nil {
			t.Fatalf("context: %v", err)
		}
	}
	tr, err := Compile(target.ID, c)
	if err != nil {
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Code() != "ValidationException" {
			t.Fatalf("Compile returned %T, not a *ValidationError", err)
		}
		return "", err.Error()
	}
	out, err := tr.Apply([]byte(g.sections["event"]), ctx)
	if err != nil {
		return "", err.Error()
	}
	return string(out), ""
}
