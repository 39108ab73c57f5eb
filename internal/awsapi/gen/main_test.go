package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// generateLines returns the argument lists of the `go run ./gen` lines of
// ../generate.go.
func generateLines(t *testing.T) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "generate.go"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "//go:generate ") {
			continue
		}
		fields := strings.Fields(strings.TrimPrefix(line, "//go:generate "))
		if len(fields) < 3 || fields[0] != "go" || fields[1] != "run" || fields[2] != "./gen" {
			t.Fatalf("unexpected go:generate line %q", line)
		}
		lines = append(lines, fields[3:])
	}
	if len(lines) == 0 {
		t.Fatal("no go:generate lines in ../generate.go")
	}
	return lines
}

// TestGeneratedUpToDate regenerates every package named in ../generate.go
// and compares the result with the committed files.
func TestGeneratedUpToDate(t *testing.T) {
	for _, args := range generateLines(t) {
		o, out, err := parseArgs(args, os.Stderr)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		// go generate runs in internal/awsapi; the test runs in ./gen.
		o.ModelPath = filepath.Join("..", o.ModelPath)
		if o.ErrorsFrom != "" {
			o.ErrorsFrom = filepath.Join("..", o.ErrorsFrom)
		}
		if o.OverlayPath != "" {
			o.OverlayPath = filepath.Join("..", o.OverlayPath)
		}
		files, err := generate(o)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		dir := filepath.Join("..", out)
		tmp := t.TempDir()
		if err := writeFiles(tmp, files); err != nil {
			t.Fatal(err)
		}
		want, _ := filepath.Glob(filepath.Join(tmp, "*_gen.go"))
		have, _ := filepath.Glob(filepath.Join(dir, "*_gen.go"))
		if len(want) != len(have) {
			t.Errorf("%s: has %d generated files, generator writes %d: run go generate ./internal/awsapi", dir, len(have), len(want))
		}
		for name, b := range files {
			cur, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil || !bytes.Equal(cur, b) {
				t.Errorf("%s is out of date: run go generate ./internal/awsapi", filepath.Join(dir, name))
			}
		}
	}
}

func TestDeterministic(t *testing.T) {
	args := generateLines(t)[0]
	o, _, err := parseArgs(args, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	o.ModelPath = filepath.Join("..", o.ModelPath)
	if o.OverlayPath != "" {
		o.OverlayPath = filepath.Join("..", o.OverlayPath)
	}
	if o.ErrorsFrom != "" {
		o.ErrorsFrom = filepath.Join("..", o.ErrorsFrom)
	}
	a, err := generate(o)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		b, err := generate(o)
		if err != nil {
			t.Fatal(err)
		}
		for name := range a {
			if !bytes.Equal(a[name], b[name]) {
				t.Fatalf("%s differs between runs", name)
			}
		}
	}
	for name, src := range a {
		if !regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`).Match(src) {
			t.Errorf("%s lacks the Code generated header", name)
		}
	}
}

func TestTranslateRegex(t *testing.T) {
	for _, c := range []struct {
		java   string
		match  []string
		reject []string
	}{
		{`[\.\-_A-Za-z0-9]+`, []string{"a.b-c_D9"}, []string{"", "a b", "a/b"}},
		{`[a-zA-Z0-9-_]+`, []string{"a-b_c"}, []string{"a.b"}},
		{`^[!#$%&'*+-.^_` + "`" + `|~0-9a-zA-Z]+$`, []string{"X-Api-Key", "a+b"}, []string{"a b", "a:b"}},
		{`.*`, []string{"", "abc", "a\tb"}, []string{"a\nb", "a\rb", "a\u2028b", "a\u0085b"}},
		{`a\sb`, []string{"a b", "a\x0Bb", "a\tb"}, []string{"ab", "a\u00a0b"}},
		{`[\s,]+`, []string{" ,\x0B"}, []string{"a"}},
		{`a\Sb`, []string{"axb"}, []string{"a b", "a\x0Bb"}},
		{`\u0041\0101`, []string{"AA"}, []string{"A"}},
		{`\Q.*\E+`, []string{".*", ".**"}, []string{"ab", ".*.*"}}, // the quantifier binds to the last quoted character
		{`(\d{12}|\*)`, []string{"123456789012", "*"}, []string{"12345678901", "**"}},
		{`^arn:aws([a-z]|\-)*:events:([a-z]|\d|\-)*:([0-9]{12})?:connection\/[\.\-_A-Za-z0-9]+\/[\-A-Za-z0-9]+$`,
			[]string{"arn:aws:events:us-east-1:123456789012:connection/c/0f7e-ab"}, []string{"invalid-connection-arn"}},
		{`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`, []string{"héllo wörld 42"}, []string{"a!b"}},
		// Whole-value matching even without anchors, and with a top-level alternation.
		{`ab|cd`, []string{"ab", "cd"}, []string{"abcd", "xab"}},
	} {
		expr, reason := translateRegex(c.java)
		if reason != "" {
			t.Errorf("%s: not translated: %s", c.java, reason)
			continue
		}
		re := regexp.MustCompile(expr)
		for _, s := range c.match {
			if !re.MatchString(s) {
				t.Errorf("%s (%s) should match %q", c.java, expr, s)
			}
		}
		for _, s := range c.reject {
			if re.MatchString(s) {
				t.Errorf("%s (%s) should not match %q", c.java, expr, s)
			}
		}
	}
	for java, why := range map[string]string{
		`^(?!\s*$).+`:       "lookahead",
		`(?<=a)b`:           "lookbehind",
		`(?>a)`:             "atomic group",
		`a++`:               "possessive quantifier",
		`(a)\1`:             "backreference",
		`[a[bc]]`:           "nested character class",
		`[a-z&&[^b]]`:       "character class intersection",
		`[a-z&&b]`:          "character class intersection",
		`[\S]`:              `\S inside a character class`,
		`\h+`:               `Java-only escape \h`,
		`\p{javaLowerCase}`: "not valid RE2",
	} {
		if _, reason := translateRegex(java); !strings.HasPrefix(reason, why) {
			t.Errorf("%s: reason %q, want %q", java, reason, why)
		}
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{
		"OAUTH_CLIENT_CREDENTIALS": "OauthClientCredentials",
		"API_KEY":                  "ApiKey",
		"AWSTraceHeader":           "AWSTraceHeader",
		"us-east-1":                "UsEast1",
		"distinctInstance":         "DistinctInstance",
		"":                         "Empty",
	} {
		if got := enumValueName(in); got != want {
			t.Errorf("enumValueName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := exportedName("capacityProvider"); got != "CapacityProvider" {
		t.Errorf("exportedName = %q", got)
	}
	if got := lowerFirst("SSEKmsKeyId"); got != "sSEKmsKeyId" {
		t.Errorf("lowerFirst = %q", got)
	}
	doc := `<p>Creates a connection, e.g. for <code>Foo</code>. A connection defines&nbsp;the rest.</p>`
	if got := firstSentence(doc); got != "Creates a connection, e.g. for Foo." {
		t.Errorf("firstSentence = %q", got)
	}
}

// syntheticModel exercises model features the EventBridge and SQS models
// do not: float/double ranges, blobs with length limits, nested lists and
// maps, map values that are structures, recursive structures, sensitive
// lists, timestamps and booleans.
const syntheticModel = `{
  "version": "2.0",
  "metadata": {"apiVersion": "2020-01-01", "endpointPrefix": "synth", "jsonVersion": "1.0", "protocol": "json",
    "serviceFullName": "Synthetic", "serviceId": "Synth", "targetPrefix": "Synth"},
  "operations": {
    "Do": {"name": "Do", "input": {"shape": "DoInput"}, "output": {"shape": "DoOutput"}, "errors": [{"shape": "Boom"}]}
  },
  "shapes": {
    "DoInput": {"type": "structure", "required": ["Name"], "members": {
      "Name": {"shape": "Name"},
      "Ratio": {"shape": "Ratio"},
      "Small": {"shape": "Small"},
      "Data": {"shape": "Data"},
      "Matrix": {"shape": "Matrix"},
      "Items": {"shape": "ItemMap"},
      "Node": {"shape": "Node"},
      "Secrets": {"shape": "Secrets"},
      "When": {"shape": "When"},
      "Flag": {"shape": "Flag"},
      "Big": {"shape": "Big"},
      "type": {"shape": "Name", "jsonName": "kind"}
    }},
    "DoOutput": {"type": "structure", "members": {}},
    "Boom": {"type": "structure", "members": {"message": {"shape": "Name"}}, "exception": true,
      "error": {"code": "Synth.Boom", "httpStatusCode": 409, "senderFault": true}},
    "Name": {"type": "string", "min": 1, "max": 5, "pattern": "[a-z]+"},
    "Ratio": {"type": "double", "min": 0.5, "max": 10},
    "Small": {"type": "float", "max": 1.5},
    "Big": {"type": "long", "min": -5, "max": 9007199254740993},
    "Data": {"type": "blob", "min": 1, "max": 4},
    "Row": {"type": "list", "member": {"shape": "Cell"}, "max": 2},
    "Cell": {"type": "string", "enum": ["x", "y"]},
    "Matrix": {"type": "list", "member": {"shape": "Row"}},
    "ItemMap": {"type": "map", "key": {"shape": "Name"}, "value": {"shape": "Item"}},
    "Item": {"type": "structure", "required": ["Count"], "members": {"Count": {"shape": "Count"}}},
    "Count": {"type": "integer", "min": 1},
    "Node": {"type": "structure", "members": {"Label": {"shape": "Name"}, "Child": {"shape": "Node"}}},
    "Secrets": {"type": "list", "member": {"shape": "Secret"}, "sensitive": true, "max": 1},
    "Secret": {"type": "string", "sensitive": true},
    "When": {"type": "timestamp"},
    "Flag": {"type": "boolean"}
  }
}`

const syntheticTest = `package synth

import (
	"encoding/json"
	"testing"
)

func check(t *testing.T, body, want string) {
	t.Helper()
	var in DoInput
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	err := in.Validate()
	got := ""
	if err != nil {
		got = err.Error()
	}
	if got != want {
		t.Errorf("%s\n got: %s\nwant: %s", body, got, want)
	}
}

func TestSynthetic(t *testing.T) {
	check(t, ` + "`" + `{"Name": "ok"}` + "`" + `, "")
	check(t, ` + "`" + `{}` + "`" + `, "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
	check(t, ` + "`" + `{"Name": "ok", "Ratio": 0.25, "Small": 2, "Big": -6, "Data": "AAAAAAA=", "kind": "TOOLONG"}` + "`" + `,
		"6 validation errors detected: "+
			"Value '0.25' at 'ratio' failed to satisfy constraint: Member must have value greater than or equal to 0.5; "+
			"Value '2.0' at 'small' failed to satisfy constraint: Member must have value less than or equal to 1.5; "+
			"Value 'java.nio.HeapByteBuffer[pos=0 lim=5 cap=5]' at 'data' failed to satisfy constraint: Member must have length less than or equal to 4; "+
			"Value '-6' at 'big' failed to satisfy constraint: Member must have value greater than or equal to -5; "+
			"Value 'TOOLONG' at 'type' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+; "+
			"Value 'TOOLONG' at 'type' failed to satisfy constraint: Member must have length less than or equal to 5")
	check(t, ` + "`" + `{"Name": "ok", "Matrix": [["x"], ["x", "y", "x"], ["z"]]}` + "`" + `,
		"2 validation errors detected: "+
			"Value '[[x], [x, y, x], [z]]' at 'matrix' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 2]; "+
			"Value '[z]' at 'matrix.3.member' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x, y]]")
	check(t, ` + "`" + `{"Name": "ok", "Items": {"b": {"Count": 0}, "a": {}, "B": {"Count": 1}}}` + "`" + `,
		"3 validation errors detected: "+
			"Value '{a=Item(count=null), B=Item(count=1), b=Item(count=0)}' at 'items' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 5, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [a-z]+]; "+
			"Value null at 'items.a.member.count' failed to satisfy constraint: Member must not be null; "+
			"Value '0' at 'items.b.member.count' failed to satisfy constraint: Member must have value greater than or equal to 1")
	check(t, ` + "`" + `{"Name": "ok", "Node": {"Label": "a", "Child": {"Child": {"Label": "B"}}}}` + "`" + `,
		"1 validation error detected: Value 'B' at 'node.child.child.label' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+")
	check(t, ` + "`" + `{"Name": "ok", "Secrets": ["p1", "p2"]}` + "`" + `,
		"1 validation error detected: Value at 'secrets' failed to satisfy constraint: Member must have length less than or equal to 1")
	in := DoInput{Name: new("ab"), Secrets: []string{"p"}, Flag: new(true), Ratio: new(1.0)}
	if got, want := in.JavaString(), "DoInput(name=ab, ratio=1.0, small=null, data=null, matrix=null, items=null, node=null, secrets=*** Sensitive Data Redacted ***, when=null, flag=true, big=null, type=null)"; got != want {
		t.Errorf("JavaString\n got: %s\nwant: %s", got, want)
	}
	b, _ := json.Marshal(DoInput{Type: new("k"), When: nil})
	if string(b) != ` + "`" + `{"kind":"k"}` + "`" + ` {
		t.Errorf("jsonName: %s", b)
	}
	if e := Errors["Boom"]; e.Code != "Synth.Boom" || e.HTTPStatus != 409 || e.Fault {
		t.Errorf("Errors = %+v", e)
	}
	// An awsJson service that is not awsQuery-compatible: no QueryCode.
	if e := ErrBoom("no %s", "way"); e.Code != "Boom" || e.QueryCode != "" || e.Status != 409 || e.Receiver || e.Message != "no way" {
		t.Errorf("ErrBoom = %+v", e)
	}
	if Service.ContentType() != "application/x-amz-json-1.0" {
		t.Error(Service.ContentType())
	}
}
`

// TestSyntheticModel generates a package from syntheticModel into a
// throw-away module (with a copy of the runtime package) and runs its test.
func TestSyntheticModel(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	root := t.TempDir()
	model := filepath.Join(root, "model.json")
	must(t, os.WriteFile(model, []byte(syntheticModel), 0o644))
	must(t, os.WriteFile(filepath.Join(root, "go.mod"), []byte("module synthmod\n\ngo 1.26\n"), 0o644))
	// Copy the runtime package and awsproto (non-test files), importing
	// each other from the module.
	for dir, name := range map[string]string{"..": "awsapi", filepath.Join("..", "..", "awsproto"): "awsproto"} {
		dst := filepath.Join(root, name)
		must(t, os.MkdirAll(dst, 0o755))
		srcs, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, src := range srcs {
			if strings.HasSuffix(src, "_test.go") {
				continue
			}
			b, err := os.ReadFile(src)
			must(t, err)
			b = bytes.ReplaceAll(b, []byte(`"github.com/switchyard/switchyard/internal/`), []byte(`"synthmod/`))
			must(t, os.WriteFile(filepath.Join(dst, filepath.Base(src)), b, 0o644))
		}
	}
	files, err := generate(options{ModelPath: model, Pkg: "synth", Runtime: "synthmod/awsapi", Proto: "synthmod/awsproto"})
	must(t, err)
	pkg := filepath.Join(root, "synth")
	must(t, writeFiles(pkg, files))
	must(t, os.WriteFile(filepath.Join(pkg, "synth_test.go"), []byte(syntheticTest), 0o644))
	cmd := exec.Command(goBin, "vet", "./...")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet: %v\n%s", err, out)
	}
	cmd = exec.Command(goBin, "test", "./synth")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test: %v\n%s", err, out)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
