package connection

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecretBoxSealOpen(t *testing.T) {
	dir := t.TempDir()
	box, err := LoadSecretBox(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, SecretsKeyFileName)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v %v", fi, err)
	}
	const arn = "arn:aws:events:us-east-1:1:connection/c/u"
	s := box.Seal(arn, "hunter2")
	if strings.Contains(string(s), "hunter2") || !strings.HasPrefix(string(s), "v1:") || box.Seal(arn, "hunter2") == s {
		t.Fatalf("sealed %q (must be encrypted with a fresh nonce)", s)
	}
	if v, err := box.Open(arn, s); err != nil || v != "hunter2" {
		t.Fatalf("open: %q %v", v, err)
	}
	if _, err := box.Open(arn+"x", s); err == nil {
		t.Fatal("a sealed value opened for another connection")
	}
	again, err := LoadSecretBox(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := again.Open(arn, s); err != nil || v != "hunter2" {
		t.Fatalf("reloaded key: %q %v", v, err)
	}
	other, _ := LoadSecretBox(t.TempDir(), "")
	if _, err := other.Open(arn, s); err == nil || !strings.Contains(err.Error(), "secrets_key_file") {
		t.Fatalf("another key: %v", err)
	}
}

func TestSecretsKeyFileFormats(t *testing.T) {
	dir := t.TempDir()
	raw := []byte("0123456789abcdef0123456789abcdef")
	for name, data := range map[string][]byte{
		"raw": raw, "hex": []byte(hex.EncodeToString(raw) + "\n"), "b64": []byte("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n"),
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		b, err := LoadSecretBox("", p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ref, _ := NewSecretBox(raw)
		if b.KeyID() != ref.KeyID() {
			t.Errorf("%s: key %s, want %s", name, b.KeyID(), ref.KeyID())
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "short"), []byte("abc"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSecretBox("", filepath.Join(dir, "short")); err == nil {
		t.Error("short key accepted")
	}
	if _, err := LoadSecretBox("", filepath.Join(dir, "missing")); err == nil {
		t.Error("missing key file accepted")
	}
}
