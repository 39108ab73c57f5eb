package server

import (
	"context"
	"os"
	"testing"
)

var fuzzDir string

func tempDir() (string, error) {
	var err error
	fuzzDir, err = os.MkdirTemp("", "switchyard-fuzz")
	return fuzzDir, err
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fuzzSrv != nil {
		_ = fuzzSrv.Close(context.Background())
	}
	if fuzzDir != "" {
		_ = os.RemoveAll(fuzzDir)
	}
	os.Exit(code)
}
