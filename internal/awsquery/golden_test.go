package awsquery_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/switchyard/switchyard/internal/awsapi"
	snsapi "github.com/switchyard/switchyard/internal/awsapi/sns"
	sqsapi "github.com/switchyard/switchyard/internal/awsapi/sqs"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/awsquery"
)

var update = flag.Bool("update", false, "rewrite the golden XML files (and, with Debian's botocore, the .form files)")

type goldenCase struct {
	Name, Service, Op, Kind string
}

func loadCases(t *testing.T) []goldenCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

var (
	sqsModel = awsquery.MustLoadModel([]byte(sqsapi.QueryModel))
	snsModel = awsquery.MustLoadModel([]byte(snsapi.QueryModel))
)

func modelOf(service string) (*awsquery.Model, map[string]awsapi.Operation) {
	if service == "sns" {
		return snsModel, snsapi.Operations
	}
	return sqsModel, sqsapi.Operations
}

func modelOps(service string) map[string]awsapi.Operation {
	_, ops := modelOf(service)
	return ops
}

func golden(name string) string { return filepath.Join("testdata", "golden", name) }

// readForm reads a .form file: one url-encoded key=value per line, in the
// order botocore sends them.
func readForm(t *testing.T, path string) url.Values {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	form := url.Values{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		kv, err := url.ParseQuery(sc.Text())
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for k, v := range kv {
			form[k] = append(form[k], v...)
		}
	}
	return form
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}

// dropEmpty removes empty lists and objects (as omitempty does) from a
// JSON document.
func dropEmpty(t *testing.T, doc []byte) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(v any) (any, bool)
	walk = func(v any) (any, bool) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if e2, keep := walk(e); keep {
					x[k] = e2
				} else {
					delete(x, k)
				}
			}
			return x, len(x) > 0
		case []any:
			for i := range x {
				x[i], _ = walk(x[i])
			}
			return x, len(x) > 0
		}
		return v, true
	}
	v, _ = walk(v)
	b, _ := json.Marshal(v)
	return b
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test -update and review):\n got: %s\nwant: %s", path, got, want)
	}
}

// TestGolden decodes the forms botocore sends (testdata/golden/*.form) into
// the JSON documents they came from (*.in.json), renders output documents
// (*.out.json) and errors (*.err.json) as XML (*.xml). TestBotocoreAgrees
// checks the same files with botocore.
func TestGolden(t *testing.T) {
	if *update {
		writeForms(t)
	}
	for _, c := range loadCases(t) {
		t.Run(c.Name+"/"+c.Kind, func(t *testing.T) {
			m, ops := modelOf(c.Service)
			switch c.Kind {
			case "input":
				want, err := os.ReadFile(golden(c.Name + ".in.json"))
				if err != nil {
					t.Fatal(err)
				}
				got, err := m.DecodeInput(c.Op, readForm(t, golden(c.Name+".form")))
				if err != nil {
					t.Fatal(err)
				}
				if !jsonEqual(t, got, want) {
					t.Errorf("DecodeInput\n got: %s\nwant: %s", got, want)
				}
				// The document fills the generated Go type of the input
				// (the awsJson type for SQS) without losing anything
				// (but empty lists, which omitempty drops).
				in := ops[c.Op].NewInput()
				if err := json.Unmarshal(got, in); err != nil {
					t.Fatalf("into %T: %v", in, err)
				}
				back, _ := json.Marshal(in)
				if !jsonEqual(t, back, dropEmpty(t, want)) {
					t.Errorf("through %T\n got: %s\nwant: %s", in, back, want)
				}
			case "output":
				doc, err := os.ReadFile(golden(c.Name + ".out.json"))
				if err != nil {
					t.Fatal(err)
				}
				got, err := m.EncodeOutput(c.Op, doc, "req-"+c.Name)
				if err != nil {
					t.Fatal(err)
				}
				checkGolden(t, golden(c.Name+".xml"), got)
				// The generated output type renders the same.
				if ops[c.Op].NewOutput != nil {
					out := ops[c.Op].NewOutput()
					if err := json.Unmarshal(doc, out); err != nil {
						t.Fatal(err)
					}
					b, _ := json.Marshal(out)
					again, err := m.EncodeOutput(c.Op, b, "req-"+c.Name)
					want, _ := m.EncodeOutput(c.Op, dropEmpty(t, doc), "req-"+c.Name)
					if err != nil || !bytes.Equal(again, want) {
						t.Errorf("through %T: %v\n got: %s\nwant: %s", out, err, again, want)
					}
				}
			case "error":
				b, err := os.ReadFile(golden(c.Name + ".err.json"))
				if err != nil {
					t.Fatal(err)
				}
				var e awsproto.Error
				if err := json.Unmarshal(b, &e); err != nil {
					t.Fatal(err)
				}
				got, status := m.EncodeError(&e, "req-"+c.Name)
				if status != e.HTTPStatus() {
					t.Errorf("status %d, want %d", status, e.HTTPStatus())
				}
				checkGolden(t, golden(c.Name+".xml"), got)
			default:
				t.Fatalf("unknown kind %q", c.Kind)
			}
		})
	}
}

const debianPython = "/usr/bin/python3"

func haveBotocore() bool {
	return exec.Command(debianPython, "-c", "import botocore").Run() == nil
}

func writeForms(t *testing.T) {
	if !haveBotocore() {
		t.Log("no botocore in " + debianPython + ": the .form files are left as they are")
		return
	}
	cmd := exec.Command(debianPython, "botocore_check.py", "write-forms")
	cmd.Dir = "testdata"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("botocore_check.py write-forms: %v\n%s", err, out)
	}
}

// TestBotocoreAgrees runs testdata/botocore_check.py: botocore's serializer
// must send exactly the .form files, and its parser must read the .xml
// files back into the .out.json documents and the errors' codes. Skipped
// without botocore in /usr/bin/python3 (Debian's python3-botocore, 1.29,
// is the version the old clients use).
func TestBotocoreAgrees(t *testing.T) {
	if !haveBotocore() {
		t.Skip("no botocore in " + debianPython + " (apt-get install python3-boto3)")
	}
	cmd := exec.Command(debianPython, "botocore_check.py", "check")
	cmd.Dir = "testdata"
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("botocore_check.py: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), " passed, 0 failed") {
		t.Fatalf("botocore_check.py: %s", out)
	}
	t.Logf("%s", out)
}

// TestEmbeddedModels checks that the reduced models the generator embeds
// (QueryModel) load exactly as the published model files do.
func TestEmbeddedModels(t *testing.T) {
	for file, embedded := range map[string]string{
		"sqs-2012-11-05.query-protocol.json": sqsapi.QueryModel,
		"sns-2010-03-31.json":                snsapi.QueryModel,
	} {
		b, err := os.ReadFile(filepath.Join("..", "awsapi", "models", file))
		if err != nil {
			t.Fatal(err)
		}
		full, err := awsquery.LoadModel(b)
		if err != nil {
			t.Fatal(err)
		}
		small := awsquery.MustLoadModel([]byte(embedded))
		if !reflect.DeepEqual(full, small) {
			t.Errorf("%s: the embedded QueryModel does not load as the model file does", file)
		}
	}
}
