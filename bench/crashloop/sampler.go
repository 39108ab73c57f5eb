package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// sampler reads the running server's RSS every interval, writes the
// samples to a file (seconds since the load started, pid, phase, RSS in
// MiB, and per stream the payloads acknowledged but not received yet) and
// keeps the largest per phase, so a peak can be placed in the run (a
// restart, the load, the drain) and set against the backlog.
type sampler struct {
	srv     *server
	ledgers []*ledger
	t0      time.Time
	out     *bufio.Writer
	file    *os.File
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once

	mu    sync.Mutex
	phase string
	peaks map[string]rssPeak
}

// rssPeak is the largest RSS seen in a phase, and when.
type rssPeak struct {
	RSSMiB float64 `json:"rss_mib"`
	AtS    float64 `json:"at_s"`
}

func startSampler(srv *server, ledgers []*ledger, t0 time.Time, path string, every time.Duration) (*sampler, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	s := &sampler{srv: srv, ledgers: ledgers, t0: t0, out: bufio.NewWriter(f), file: f, stop: make(chan struct{}), done: make(chan struct{}),
		phase: "load", peaks: map[string]rssPeak{}}
	fmt.Fprint(s.out, "seconds\tpid\tphase\trss_mib")
	for _, l := range ledgers {
		fmt.Fprint(s.out, "\t", l.name, "_backlog")
	}
	fmt.Fprintln(s.out)
	go s.run(every)
	return s, nil
}

func (s *sampler) setPhase(p string) {
	s.mu.Lock()
	s.phase = p
	s.mu.Unlock()
}

func (s *sampler) run(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		pid := int(s.srv.running.Load())
		if pid == 0 {
			continue
		}
		rss, ok := readRSS(pid)
		if !ok {
			continue
		}
		at := time.Since(s.t0).Seconds()
		s.mu.Lock()
		phase := s.phase
		if rss > s.peaks[phase].RSSMiB {
			s.peaks[phase] = rssPeak{RSSMiB: rss, AtS: round(at, 2)}
		}
		s.mu.Unlock()
		fmt.Fprintf(s.out, "%.2f\t%d\t%s\t%.1f", at, pid, phase, rss)
		for _, l := range s.ledgers {
			fmt.Fprintf(s.out, "\t%d", l.ackedN.Load()-l.gotAckedN.Load())
		}
		fmt.Fprintln(s.out)
	}
}

// finish stops sampling (once) and returns the peaks per phase.
func (s *sampler) finish() map[string]rssPeak {
	s.once.Do(func() {
		close(s.stop)
		<-s.done
		_ = s.out.Flush()
		_ = s.file.Close()
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peaks
}

func readRSS(pid int) (float64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			if f := strings.Fields(v); len(f) > 0 {
				n, err := strconv.ParseFloat(f[0], 64)
				return round(n/1024, 1), err == nil
			}
		}
	}
	return 0, false
}
