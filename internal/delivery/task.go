package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/store"
	"github.com/switchyard/switchyard/internal/target"
)

// Stream layout of EventBridge deliveries.
const (
	Stream        = "DELIVERIES"
	SubjectPrefix = "deliveries."
	HeaderTask    = "Sy-Task"
	// HeaderTarget carries the target ARN, for tools that sort tasks
	// without decoding them.
	HeaderTarget = "Sy-Target"
)

// Task is one EventBridge delivery: one event to one target of one rule.
// Filed, the message data is the event and the task rides in the Sy-Task
// header.
type Task struct {
	EventID  string          `json:"e"`
	Scope    catalog.Scope   `json:"s"`
	Bus      string          `json:"b"`
	Rule     string          `json:"r"`
	RuleArn  string          `json:"ra"`
	Target   catalog.Target  `json:"t"`
	Ingested time.Time       `json:"i"`
	Hops     int             `json:"h,omitempty"`
	Replay   string          `json:"rp,omitempty"`
	Extra    json.RawMessage `json:"x,omitempty"`

	d     *Deliverer // set by Deliver and by decode
	event []byte
	filed bool // read back from the stream (decode)
}

// Subject returns the DELIVERIES subject for a task.
func Subject(account string) string { return SubjectPrefix + account }

// Msg is the DELIVERIES message that files the task for event.
func (t *Task) Msg(event []byte) *store.Msg {
	hdr, _ := json.Marshal(t)
	return &store.Msg{
		Subject: Subject(t.Scope.Account),
		ID:      t.MessageID(),
		Data:    event,
		Header:  store.Header{HeaderTask: {string(hdr)}, HeaderTarget: {t.Target.Arn}},
	}
}

// MessageID de-duplicates a task's publication.
func (t *Task) MessageID() string {
	return t.EventID + "|" + t.RuleArn + "|" + t.Target.ID
}

// ID implements Job.
func (t *Task) ID() string { return t.MessageID() }

// Lane implements Job: one lane per target ARN.
func (t *Task) Lane() string { return t.Target.Arn }

// Filed implements Job.
func (t *Task) Filed() *store.Msg { return t.Msg(t.event) }

// LaneConfig implements LaneConfigurer: API destinations get elastic
// lanes.
func (t *Task) LaneConfig() LaneConfig {
	e, ok := t.d.targets.Resolve(t.Target.Arn).(elastic)
	return LaneConfig{Elastic: ok && e.ElasticConcurrency()}
}

// Invoke implements Job: input transformation, then the target, bounded by
// the target's own timeout or the Deliverer's InvokeTimeout.
func (t *Task) Invoke(ctx context.Context) error {
	d := t.d
	payload, err := d.payload(t, t.event)
	if errors.Is(err, ErrSkip) {
		return err
	}
	if err != nil {
		return &target.Error{Code: target.CodeInvalidParam, Message: err.Error()}
	}
	tg := d.targets.Resolve(t.Target.Arn)
	timeout := d.opt.InvokeTimeout
	if tt, ok := tg.(target.Timeouter); ok && tt.Timeout() > 0 {
		timeout = tt.Timeout()
	}
	ictx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return tg.Invoke(ictx, &target.Invocation{
		Account: t.Scope.Account, Region: t.Scope.Region,
		EventID: t.EventID, RuleArn: t.RuleArn,
		TargetID: t.Target.ID, TargetArn: t.Target.Arn, Config: t.Target.Raw,
		Event: t.event, Payload: payload, Hops: t.Hops,
	})
}

// Failed implements Job with the target's RetryPolicy.
func (t *Task) Failed(n int, err error) Verdict {
	pol := policyOf(t.Target.Raw)
	code, msg := target.Classify(err)
	f := Failure{Code: code, Message: msg, Retries: n - 1}
	if !target.Retryable(err) {
		return Verdict{Failure: f}
	}
	if c := pol.exhausted(n-1, t.Ingested); c != "" {
		f.Condition = c
		return Verdict{Failure: f}
	}
	return Verdict{Retry: true, Wait: pol.delay(n, t.Ingested, err, t.d.opt.MinBackoff, t.d.opt.MaxBackoff)}
}

// DeadLetter implements Job: the event goes to the target's
// DeadLetterConfig queue with EventBridge's message attributes.
func (t *Task) DeadLetter(ctx context.Context, f Failure) error {
	dlq := policyOf(t.Target.Raw).dlq
	if dlq == "" {
		return ErrNoDeadLetter
	}
	attrs := map[string]target.QueueAttribute{
		"RULE_ARN":       {DataType: "String", StringValue: t.RuleArn},
		"TARGET_ARN":     {DataType: "String", StringValue: t.Target.Arn},
		"ERROR_CODE":     {DataType: "String", StringValue: f.Code},
		"ERROR_MESSAGE":  {DataType: "String", StringValue: f.Message},
		"RETRY_ATTEMPTS": {DataType: "Number", StringValue: itoa(f.Retries)},
	}
	if f.Condition != "" {
		attrs["EXHAUSTED_RETRY_CONDITION"] = target.QueueAttribute{DataType: "String", StringValue: f.Condition}
	}
	return t.d.dlq(ctx, dlq, target.QueueMessage{Body: string(t.event), Attributes: attrs})
}

var (
	_ Job            = (*Task)(nil)
	_ LaneConfigurer = (*Task)(nil)
)
