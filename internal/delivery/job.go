package delivery

import (
	"context"
	"errors"
	"time"

	"github.com/switchyard/switchyard/internal/store"
)

// Job is one delivery the Engine runs: an EventBridge target for one event
// (Task), or an SNS notification for one subscription (package topic).
// The engine decides when a job runs and keeps its state across attempts
// and restarts; the job knows how to invoke its target, how its retry
// policy reads, and where its dead letters go.
type Job interface {
	// ID identifies the delivery. A job filed again for a retry is
	// de-duplicated by it and its attempt count, so a node that crashes
	// between filing the retry and acknowledging the attempt does not
	// file it twice.
	ID() string
	// Lane names the lane the job waits in: jobs with the same lane share
	// its concurrency limit (one lane per target or subscription).
	Lane() string
	// Invoke makes one attempt. ErrSkip means there was nothing to
	// deliver, which counts as done. The job bounds the attempt's time
	// itself (a target's own timeout).
	Invoke(ctx context.Context) error
	// Failed says what follows attempt n (1-based), which failed with err:
	// a retry after a wait, or a Failure for the dead-letter destination.
	Failed(n int, err error) Verdict
	// DeadLetter sends the failed delivery to its dead-letter destination.
	// It returns ErrNoDeadLetter when the job has none; any other error is
	// retried (a dead letter is never dropped because sending it failed).
	DeadLetter(ctx context.Context, f Failure) error
	// Filed is the job as a stored task, for filing it in the engine's
	// stream (Decode reads it back). Its ID may be empty.
	Filed() *store.Msg
}

// LaneConfigurer is implemented by jobs whose lanes are not the default
// kind; it is asked once, when the lane is made.
type LaneConfigurer interface {
	LaneConfig() LaneConfig
}

// LaneConfig is how a lane runs its jobs.
type LaneConfig struct {
	// Ordered lanes run one job at a time, in the order the engine took
	// them, and retry a failed job in place (later jobs wait behind it):
	// SNS FIFO subscriptions. They never refuse a job.
	Ordered bool
	// Elastic lanes raise their concurrency while the target answers fast
	// (see lane.go): API destinations.
	Elastic bool
}

// Verdict is what follows a failed attempt.
type Verdict struct {
	// Retry asks for another attempt after Wait.
	Retry bool
	Wait  time.Duration
	// Failure describes a job that will not be retried (Retries is filled
	// in by the engine).
	Failure Failure
}

// Failure is why a delivery goes to its dead-letter destination. It is
// stored with a job whose dead letter could not be sent at once, so the
// retry sends the same reason.
type Failure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Condition is the retry limit that ended the delivery
	// (EventBridge's EXHAUSTED_RETRY_CONDITION), or "" for an error a
	// retry cannot cure.
	Condition string `json:"condition,omitempty"`
	// Retries is how many retries were made after the first attempt.
	Retries int `json:"retries"`
	// Since is when the dead letter was first tried; Sends counts tries.
	Since time.Time `json:"since"`
	Sends int       `json:"sends,omitempty"`
}

// ErrSkip tells the engine that a job had nothing to deliver.
var ErrSkip = errors.New("delivery: nothing to deliver")

// ErrNoDeadLetter is returned by Job.DeadLetter when a job has no
// dead-letter destination: the failure is counted and logged.
var ErrNoDeadLetter = errors.New("delivery: no dead-letter destination")
