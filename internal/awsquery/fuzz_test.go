package awsquery_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchyard/switchyard/internal/awsproto"
)

// FuzzDecodeInput feeds arbitrary form bodies to DecodeInput. op is an SQS
// operation, or "sns:<op>" for SNS. Whatever the input, DecodeInput must not
// panic; it returns either an *awsproto.Error with a 400 status or a JSON
// object that decodes into the operation's generated Go input type (so a
// handler never sees a SerializationException); decoding the same form
// twice gives the same bytes. Seeds: testdata/fuzz/FuzzDecodeInput and the golden forms.
func FuzzDecodeInput(f *testing.F) {
	forms, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.form"))
	for _, path := range forms {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		op := ""
		for _, l := range lines {
			if v, ok := strings.CutPrefix(l, "Action="); ok {
				op = v
			}
		}
		if strings.HasPrefix(filepath.Base(path), "sns-") {
			op = "sns:" + op
		}
		f.Add(op, strings.Join(lines, "&"))
	}
	f.Fuzz(func(t *testing.T, op, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return // the Mux refuses bodies that are not forms
		}
		m, ops := sqsModel, modelOps("sqs")
		if name, ok := strings.CutPrefix(op, "sns:"); ok {
			m, ops, op = snsModel, modelOps("sns"), name
		}
		out, err := m.DecodeInput(op, form)
		if err != nil {
			var e *awsproto.Error
			if !errors.As(err, &e) || e.HTTPStatus() != 400 || e.Code == "" || e.Message == "" {
				t.Fatalf("DecodeInput(%q, %q): error %#v is not a 400 awsproto.Error", op, body, err)
			}
			return
		}
		var doc map[string]any
		if err := json.Unmarshal(out, &doc); err != nil {
			t.Fatalf("DecodeInput(%q, %q) = %s: not a JSON object: %v", op, body, out, err)
		}
		if desc, ok := ops[op]; ok && desc.NewInput != nil {
			in := desc.NewInput()
			if err := json.Unmarshal(out, in); err != nil {
				t.Fatalf("DecodeInput(%q, %q) = %s does not decode into %T: %v", op, body, out, in, err)
			}
		}
		again, err := m.DecodeInput(op, form)
		if err != nil || string(again) != string(out) {
			t.Fatalf("DecodeInput(%q, %q) is not deterministic: %s then %s (%v)", op, body, out, again, err)
		}
	})
}
