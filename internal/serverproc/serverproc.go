// Package serverproc builds the switchyard binary and finds free ports,
// for the tests and benchmarks that run a server as a separate process
// (to kill it with SIGKILL, or to compare it with another server).
package serverproc

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
)

// Build compiles cmd/switchyard into dir and returns the binary's path.
func Build(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "switchyard")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/switchyard/switchyard/cmd/switchyard")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/switchyard: %w", err)
	}
	return bin, nil
}

// FreePort returns a loopback address nobody listens on right now.
func FreePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
