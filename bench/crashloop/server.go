package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// server is the switchyard subprocess: started, killed with SIGKILL and
// started again on the same address and data directory.
type server struct {
	bin, addr, dataDir string
	log                *os.File // the server's stdout and stderr, across restarts

	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
	// running is the pid of the process started last while it runs (0
	// otherwise), for readers on other goroutines.
	running atomic.Int64
}

func (s *server) url() string { return "http://" + s.addr }

// pid is the running server's process id (0 when none runs).
func (s *server) pid() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// start starts the server and waits until /_switchyard/health answers 200;
// it returns how long that took.
func (s *server) start(ctx context.Context) (time.Duration, error) {
	begin := time.Now()
	cmd := exec.Command(s.bin, "serve", "--listen", s.addr, "--data-dir", s.dataDir, "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	s.running.Store(int64(cmd.Process.Pid))
	go func(done chan struct{}) {
		_ = cmd.Wait()
		s.running.CompareAndSwap(int64(cmd.Process.Pid), 0)
		close(done)
	}(s.exited)

	hc := &http.Client{Timeout: time.Second}
	deadline := begin.Add(90 * time.Second)
	for {
		resp, err := hc.Get(s.url() + "/_switchyard/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(begin), nil
			}
		}
		select {
		case <-s.exited:
			return 0, fmt.Errorf("server exited while starting (%s; log %s)", cmd.ProcessState, s.log.Name())
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("server not healthy after %s (log %s)", time.Since(begin).Round(time.Millisecond), s.log.Name())
		}
	}
}

// kill kills the server with SIGKILL and waits until it is gone.
func (s *server) kill() error {
	if s.cmd == nil {
		return errors.New("no server running")
	}
	select {
	case <-s.exited:
		return fmt.Errorf("server had already exited: %s", s.cmd.ProcessState)
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	<-s.exited
	return nil
}

// stop stops the server with SIGTERM (SIGKILL after a grace period).
func (s *server) stop() {
	if s.cmd == nil {
		return
	}
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// procStats is what the server process holds, from /proc (Linux).
type procStats struct {
	FDs        int     `json:"fds"`
	RSSMiB     float64 `json:"rss_mib"`
	PeakRSSMiB float64 `json:"peak_rss_mib"` // VmHWM: since this process started
	Threads    int     `json:"threads"`
	CPUSeconds float64 `json:"cpu_seconds"` // user+system, since this process started
	DataDirMiB float64 `json:"data_dir_mib,omitempty"`
	// DataByStream is the data directory's JetStream streams of 0.1 MiB or
	// more (SQS_<hash> are queues, EVENTS the event log, DELIVERIES
	// pending delivery retries).
	DataByStream map[string]float64 `json:"data_by_stream_mib,omitempty"`
}

func readProcStats(pid int, dataDir string) (procStats, error) {
	var st procStats
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return st, err
	}
	st.FDs = len(fds)
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			continue
		}
		n, _ := strconv.ParseFloat(fields[0], 64)
		switch k {
		case "VmRSS":
			st.RSSMiB = round(n/1024, 1) // kB
		case "VmHWM":
			st.PeakRSSMiB = round(n/1024, 1)
		case "Threads":
			st.Threads = int(n)
		}
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// Fields after the command name: utime and stime are the 12th and
		// 13th, in clock ticks (USER_HZ is 100 on Linux).
		if _, rest, ok := strings.Cut(string(b), ") "); ok {
			if f := strings.Fields(rest); len(f) > 12 {
				u, _ := strconv.ParseFloat(f[11], 64)
				s, _ := strconv.ParseFloat(f[12], 64)
				st.CPUSeconds = round((u+s)/100, 2)
			}
		}
	}
	if dataDir == "" {
		return st, nil
	}
	var size int64
	streams := map[string]int64{}
	_ = filepath.WalkDir(dataDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				size += info.Size()
				// .../jetstream/$G/streams/<stream>/...
				if _, rest, ok := strings.Cut(filepath.ToSlash(path), "/streams/"); ok {
					name, _, _ := strings.Cut(rest, "/")
					streams[name] += info.Size()
				}
			}
		}
		return nil
	})
	st.DataDirMiB = round(float64(size)/(1<<20), 1)
	for name, n := range streams {
		if mib := round(float64(n)/(1<<20), 1); mib >= 0.1 {
			if st.DataByStream == nil {
				st.DataByStream = map[string]float64{}
			}
			st.DataByStream[name] = mib
		}
	}
	return st, nil
}
