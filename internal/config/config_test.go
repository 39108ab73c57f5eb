package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(file, []byte("listen: 127.0.0.1:1\ndata_dir: /from-file\nregion: eu-west-1\ndelivery:\n  workers: 8\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SWITCHYARD_DATA_DIR": "/from-env", "SWITCHYARD_SHUTDOWN_TIMEOUT": "3s"}
	c, err := Load([]string{"--config", file, "--listen", "127.0.0.1:2"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:2" || c.DataDir != "/from-env" || c.Region != "eu-west-1" || c.ShutdownTimeout != 3*time.Second || c.Delivery.Workers != 8 {
		t.Fatalf("%+v", c)
	}
	if c.Durability != "process" || c.Delivery.TargetConcurrency != 16 {
		t.Fatalf("defaults lost: %+v", c)
	}
}

func TestInvalid(t *testing.T) {
	none := func(string) string { return "" }
	for _, args := range [][]string{
		{"--durability", "sometimes"},
		{"--log-level", "loud"},
		{"--nope"},
		{"extra"},
	} {
		if _, err := Load(args, none); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	if _, err := Load(nil, func(k string) string {
		if k == "SWITCHYARD_SHUTDOWN_TIMEOUT" {
			return "soon"
		}
		return ""
	}); err == nil {
		t.Error("bad duration accepted")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	_ = os.WriteFile(file, []byte("unknown_key: 1\n"), 0o644)
	if _, err := Load([]string{"--config", file}, none); err == nil {
		t.Error("unknown YAML key accepted")
	}
}
