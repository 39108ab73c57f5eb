package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/switchyard/switchyard/internal/serverproc"
)

// buildOnce compiles cmd/switchyard once per test run.
var buildOnce = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "switchyard-bin")
	if err != nil {
		return "", err
	}
	return serverproc.Build(context.Background(), dir)
})

func freePort(t *testing.T) string {
	addr, err := serverproc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

type proc struct {
	cmd  *exec.Cmd
	addr string
}

func startProc(t *testing.T, bin, addr, dataDir string) *proc {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--listen", addr, "--data-dir", dataDir, "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, addr: addr}
	t.Cleanup(func() { p.kill() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/_switchyard/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("server did not become healthy")
	return nil
}

func (p *proc) kill() {
	if p.cmd.Process != nil && p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_ = p.cmd.Wait()
	}
}

// killable is a server in a subprocess, to be killed with SIGKILL and
// started again on the same address and data directory.
type killable struct {
	t                  *testing.T
	bin, addr, dataDir string
	p                  *proc
}

// startKillable starts a server subprocess and returns clients for it
// (skipped with -short).
func startKillable(t *testing.T) (*killable, *env) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and kills a real server process")
	}
	bin, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	k := &killable{t: t, bin: bin, addr: freePort(t), dataDir: t.TempDir()}
	k.p = startProc(t, k.bin, k.addr, k.dataDir)
	return k, clients(t, nil, "http://"+k.addr, testAccount, "us-east-1")
}

// kill kills the server with SIGKILL.
func (k *killable) kill() { k.p.kill() }

// start starts the server again.
func (k *killable) start() { k.p = startProc(k.t, k.bin, k.addr, k.dataDir) }

// killDuring runs three rounds of four concurrent clients (work, with a
// worker number unique across rounds), killing the server with SIGKILL
// while they run and starting it again after each round.
func (k *killable) killDuring(ctx context.Context, work func(ctx context.Context, worker int)) {
	for round := 0; round < 3; round++ {
		wctx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() { defer wg.Done(); work(wctx, round*10+w) }()
		}
		time.Sleep(650 * time.Millisecond)
		k.kill()
		stop()
		wg.Wait()
		k.start()
	}
}

// Every event that got an EventId reaches its target, even when the server
// is killed with SIGKILL mid-stream, several times.
func TestKill9LosesNothingAccepted(t *testing.T) {
	k, e := startKillable(t)
	c := ctx(t)
	out, err := e.sqs.CreateQueue(c, &sqs.CreateQueueInput{QueueName: aws.String("durable"), Attributes: map[string]string{"VisibilityTimeout": "5"}})
	if err != nil {
		t.Fatal(err)
	}
	url, arn := *out.QueueUrl, "arn:aws:sqs:us-east-1:"+testAccount+":durable"
	if _, err := e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String("all"), EventPattern: aws.String(`{"source":["load"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: aws.String("all"), Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(arn)}}}); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	accepted := map[string]bool{}
	produce := func(ctx context.Context) {
		entries := make([]ebtypes.PutEventsRequestEntry, 10)
		for i := range entries {
			entries[i] = ebtypes.PutEventsRequestEntry{Source: aws.String("load"), DetailType: aws.String("t"), Detail: aws.String(`{"n":1}`)}
		}
		for ctx.Err() == nil {
			out, err := e.eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
			if err != nil {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			mu.Lock()
			for _, r := range out.Entries {
				if r.EventId != nil {
					accepted[*r.EventId] = true
				}
			}
			mu.Unlock()
		}
	}
	k.killDuring(c, func(ctx context.Context, _ int) { produce(ctx) })
	mu.Lock()
	want := len(accepted)
	mu.Unlock()
	if want == 0 {
		t.Fatal("no events accepted")
	}
	got := map[string]bool{}
	c, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	deadline := time.Now().Add(90 * time.Second)
	last := time.Now()
	missingCount := func() int {
		n := 0
		for id := range accepted {
			if !got[id] {
				n++
			}
		}
		return n
	}
	for missingCount() > 0 && time.Now().Before(deadline) {
		if time.Since(last) > 5*time.Second {
			t.Logf("received %d; %d accepted events still missing", len(got), missingCount())
			last = time.Now()
		}
		out, err := e.sqs.ReceiveMessage(c, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			// A connection broken under load is not a lost event: the
			// deadline and the count below decide.
			t.Logf("receive: %v", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for _, m := range out.Messages {
			var ev struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal([]byte(*m.Body), &ev)
			got[ev.ID] = true
			_, _ = e.sqs.DeleteMessage(c, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
		}
	}
	missing := 0
	for id := range accepted {
		if !got[id] {
			missing++
		}
	}
	t.Logf("accepted %d events across 3 kill -9 restarts; delivered %d distinct", want, len(got))
	if missing > 0 {
		t.Fatalf("%d of %d accepted events never reached the queue", missing, want)
	}
}
