package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// generateWithOverlay generates the synthetic model's package with the
// given overlay.
func generateWithOverlay(t *testing.T, overlay string) (map[string][]byte, error) {
	t.Helper()
	dir := t.TempDir()
	model := filepath.Join(dir, "model.json")
	ov := filepath.Join(dir, "overlay.json")
	must(t, os.WriteFile(model, []byte(syntheticModel), 0o644))
	must(t, os.WriteFile(ov, []byte(overlay), 0o644))
	return generate(options{ModelPath: model, OverlayPath: ov, Pkg: "synth"})
}

func TestOverlayErrorsAndNotRequired(t *testing.T) {
	files, err := generateWithOverlay(t, `{
		"errors": {"Fizzle": {"httpStatusCode": 503, "senderFault": false, "documentation": "It fizzled."}},
		"notRequired": {"DoInput": ["Name"]}}`)
	must(t, err)
	errs := string(files["errors_gen.go"])
	for _, want := range []string{
		`func ErrFizzle(format string, args ...any) *awsproto.Error {`,
		`return &awsproto.Error{Code: "Fizzle", Status: 503, Receiver: true, Message: fmt.Sprintf(format, args...)}`,
		`func ErrBoom(format string, args ...any) *awsproto.Error {`,
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("errors_gen.go lacks %q:\n%s", want, errs)
		}
	}
	if !strings.Contains(string(files["service_gen.go"]), `"Fizzle": {Name: "Fizzle", Code: "Fizzle", HTTPStatus: 503, Fault: true, New: ErrFizzle}`) {
		t.Errorf("Errors table lacks Fizzle:\n%s", files["service_gen.go"])
	}
	if v := string(files["validate_gen.go"]); strings.Contains(v, `p.Null(awsapi.Member(path, "name"))`) {
		t.Errorf("DoInput.Name is still checked as required:\n%s", v)
	}
}

func TestOverlayRejects(t *testing.T) {
	for _, c := range []struct{ overlay, want string }{
		{`{"errors": {"Boom": {"httpStatusCode": 400, "senderFault": true}}}`, "error Boom is a shape of the model already"},
		{`{"errors": {"Fizzle": {"httpStatusCode": 400}}}`, "error Fizzle needs httpStatusCode and senderFault"},
		{`{"notRequired": {"DoInput": ["Ratio"]}}`, "DoInput.Ratio is not required in the model"},
		{`{"notRequired": {"Nope": ["Name"]}}`, "Nope is not a structure of the model"},
		{`{"notRequiredd": {}}`, `unknown key "notRequiredd"`},
	} {
		_, err := generateWithOverlay(t, c.overlay)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.overlay, err, c.want)
		}
	}
}
