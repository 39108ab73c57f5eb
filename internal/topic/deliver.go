package topic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/switchyard/switchyard/internal/arn"
	"github.com/switchyard/switchyard/internal/awsapi/sns"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/awsquery"
	"github.com/switchyard/switchyard/internal/delivery"
	"github.com/switchyard/switchyard/internal/queue"
	"github.com/switchyard/switchyard/internal/store"
)

// Delivery stream layout: one work queue of pending deliveries, one message
// per (message, subscription), consumed by every node.
const (
	Stream        = "SNS_DELIVERIES"
	subjectPrefix = "sns.d."
	consumerName  = "sns-delivery"
	// dedupWindow is the stream's duplicate window: FIFO topics
	// de-duplicate within it, as SNS does within five minutes.
	dedupWindow = 5 * time.Minute
)

// Task kinds: a Notification, a SubscriptionConfirmation, an
// UnsubscribeConfirmation.
const (
	kindNotify      = "n"
	kindConfirm     = "c"
	kindUnsubscribe = "u"
)

// task is one pending delivery (the stream message's data).
type task struct {
	Kind       string               `json:"k"`
	Sub        string               `json:"sub"`
	Account    string               `json:"a"`
	Region     string               `json:"r"`
	SubArn     string               `json:"sa"`
	TopicArn   string               `json:"ta"`
	Protocol   string               `json:"p"`
	Endpoint   string               `json:"e"`
	Raw        bool                 `json:"raw,omitempty"`
	MessageID  string               `json:"id"`
	Message    string               `json:"m"`
	Subject    string               `json:"sj,omitempty"`
	Attrs      map[string]Attribute `json:"at,omitempty"`
	GroupID    string               `json:"g,omitempty"`
	DedupID    string               `json:"d,omitempty"`
	Seq        string               `json:"sq,omitempty"`
	Timestamp  string               `json:"ts"`
	Base       string               `json:"b"`
	Token      string               `json:"tk,omitempty"`
	SigVersion string               `json:"sv,omitempty"`
	Published  int64                `json:"pub"` // unix ms
	Fifo       bool                 `json:"f,omitempty"`
	// Rev is the bucket revision of the record the task depends on (the
	// subscription, the restore record): the delivering node waits until
	// its copy of the bucket has seen it.
	Rev uint64 `json:"rev,omitempty"`
}

func (t *task) msg() *store.Msg {
	data, _ := json.Marshal(t)
	return &store.Msg{Subject: subjectPrefix + t.Account, Data: data}
}

// deliveryError is a failed attempt.
type deliveryError struct {
	code      string
	msg       string
	retryable bool
}

func (e *deliveryError) Error() string { return e.code + ": " + e.msg }

func retryable(err error) bool {
	var de *deliveryError
	if errors.As(err, &de) {
		return de.retryable
	}
	return !errors.Is(err, ErrPermanent)
}

// Stats counts delivery outcomes; Filtered counts deliveries a
// subscription's filter policy left out.
type Stats struct {
	delivery.Stats
	Filtered atomic.Int64
}

// newEngine runs the topic's deliveries on the shared delivery engine:
// one work queue of pending deliveries, one message per (message,
// subscription), consumed by every node; a lane per subscription (one at a
// time for FIFO subscriptions, which retry in place so that order holds).
func newEngine(s *Service) *delivery.Engine {
	return delivery.NewEngine(s.st, delivery.EngineConfig{
		Stream: Stream, Subjects: []string{subjectPrefix + ">"},
		Jobs: subjectPrefix + "*", Later: subjectPrefix + "later.",
		Duplicates: dedupWindow, MaxMsgSize: 4 << 20,
		Consumer: consumerName, AckWait: time.Minute, MaxAckPending: 100000,
		Stats: &s.stats.Stats,
		Decode: func(m store.Delivery) (delivery.Job, error) {
			j := &job{s: s}
			if err := json.Unmarshal(m.Data(), &j.t); err != nil {
				return nil, err
			}
			if j.t.Sub == "" {
				return nil, errors.New("topic delivery without a subscription")
			}
			return j, nil
		},
	}, s.log, delivery.Options{
		TargetConcurrency: s.opt.LaneConcurrency, Workers: 128, StopGrace: 2 * time.Second,
	})
}

// job is a task as a delivery.Job.
type job struct {
	s *Service
	t task
}

func (j *job) ID() string        { return j.t.MessageID + "|" + j.t.Sub + "|" + j.t.Kind }
func (j *job) Lane() string      { return j.t.Sub }
func (j *job) Filed() *store.Msg { return j.t.msg() }
func (j *job) LaneConfig() delivery.LaneConfig {
	return delivery.LaneConfig{Ordered: j.t.Fifo}
}

// Invoke delivers the task, unless it has become moot (ErrSkip).
func (j *job) Invoke(ctx context.Context) error {
	if j.t.Rev > 0 {
		// The record may be newer than this node's copy of the bucket.
		if err := j.s.mirror.Wait(ctx, j.t.Rev); err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if j.s.taskSubscription(&j.t) == nil {
		// Unsubscribed (or its topic deleted) since, or, for an
		// UnsubscribeConfirmation, restored or expired: nothing to do.
		return delivery.ErrSkip
	}
	return j.s.invoke(ctx, &j.t)
}

// Failed applies the subscription's delivery policy.
func (j *job) Failed(n int, err error) delivery.Verdict {
	code, msg := "InternalError", err.Error()
	var de *deliveryError
	if errors.As(err, &de) {
		code, msg = de.code, de.msg
	}
	f := delivery.Failure{Code: code, Message: msg}
	sub := j.s.taskSubscription(&j.t)
	if sub == nil {
		return delivery.Verdict{Failure: f}
	}
	pol := j.s.retryPolicy(sub)
	if !retryable(err) || n-1 >= pol.NumRetries {
		return delivery.Verdict{Failure: f}
	}
	return delivery.Verdict{Retry: true, Wait: time.Duration(float64(pol.delay(n)) * j.s.opt.DelayScale)}
}

// DeadLetter sends a failed delivery to the subscription's RedrivePolicy
// queue, with the payload the subscription would have received and the
// attributes SNS adds (ErrorCode, ErrorMessage, RequestID).
func (j *job) DeadLetter(ctx context.Context, f delivery.Failure) error {
	s, t := j.s, &j.t
	sub := s.taskSubscription(t)
	if sub == nil || t.Kind != kindNotify {
		return delivery.ErrNoDeadLetter
	}
	dlq := redriveTarget(sub.Attrs["RedrivePolicy"])
	if dlq == "" {
		return delivery.ErrNoDeadLetter
	}
	sc, name, ok := queueARN(dlq)
	if !ok || s.queues == nil {
		return fmt.Errorf("dead-letter queue %s is not a local SQS queue", dlq)
	}
	qm, err := s.queueMessage(t)
	if err != nil {
		return err
	}
	if qm.Attributes == nil {
		qm.Attributes = map[string]queue.Attribute{}
	}
	msg := f.Message
	if len(msg) > 1024 {
		msg = msg[:1024]
	}
	qm.Attributes["ErrorCode"] = queue.Attribute{DataType: "String", StringValue: f.Code}
	qm.Attributes["ErrorMessage"] = queue.Attribute{DataType: "String", StringValue: msg}
	qm.Attributes["RequestID"] = queue.Attribute{DataType: "String", StringValue: t.MessageID}
	fitQueue(&qm, name, t.MessageID)
	_, err = s.queues.Send(ctx, sc, name, qm)
	return err
}

var (
	_ delivery.Job            = (*job)(nil)
	_ delivery.LaneConfigurer = (*job)(nil)
)

// taskSubscription returns the subscription a task is for, or nil if the
// task is moot: the subscription itself (for a SubscriptionConfirmation,
// while it is pending), or for an UnsubscribeConfirmation the unsubscribed
// subscription, as long as its token can restore it.
func (s *Service) taskSubscription(t *task) *subRecord {
	if t.Kind == kindUnsubscribe {
		s.mu.RLock()
		rs := s.restores[t.Sub]
		s.mu.RUnlock()
		if rs == nil || rs.rec.Token != t.Token || rs.rec.Sub.Account != t.Account || rs.rec.Sub.Region != t.Region {
			return nil
		}
		return &rs.rec.Sub
	}
	ss := s.lookupSub(Scope{Account: t.Account, Region: t.Region}, t.Sub)
	if ss == nil || ss.rec.arn() != t.SubArn {
		return nil
	}
	if t.Kind == kindConfirm && !ss.rec.Pending {
		// Confirmed meanwhile (ConfirmSubscription with the token): a
		// SubscriptionConfirmation still being retried is moot.
		return nil
	}
	return ss.rec
}

// invoke makes one delivery attempt.
func (s *Service) invoke(ctx context.Context, t *task) error {
	switch t.Protocol {
	case "sqs":
		return s.deliverSQS(ctx, t)
	case "http", "https":
		return s.deliverHTTP(ctx, t)
	case "lambda":
		return s.deliverLambda(ctx, t)
	}
	return &deliveryError{code: "UnsupportedProtocol", msg: "Switchyard does not deliver to protocol " + t.Protocol}
}

// queueMessage is what an sqs subscription (or a dead-letter queue)
// receives for a task.
func (s *Service) queueMessage(t *task) (queue.Message, error) {
	qm := queue.Message{}
	if t.Raw {
		qm.Body = t.Message
		if len(t.Attrs) > 0 {
			qm.Attributes = make(map[string]queue.Attribute, len(t.Attrs))
			for k, a := range t.Attrs {
				qm.Attributes[k] = queue.Attribute{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
			}
		}
	} else {
		e, err := s.build(t)
		if err != nil {
			return qm, err
		}
		qm.Body = string(marshalNoEscape(e))
	}
	if t.Fifo {
		qm.GroupID = t.GroupID
		qm.DeduplicationID = t.DedupID
	}
	return qm, nil
}

func (s *Service) deliverSQS(ctx context.Context, t *task) error {
	sc, name, ok := queueARN(t.Endpoint)
	if !ok {
		return &deliveryError{code: "InvalidEndpoint", msg: "not an SQS queue ARN: " + t.Endpoint}
	}
	if s.queues == nil {
		return &deliveryError{code: "QueueNotFound", msg: "no queue service", retryable: true}
	}
	qm, err := s.queueMessage(t)
	if err != nil {
		return err
	}
	fitQueue(&qm, name, t.MessageID)
	_, err = s.queues.Send(ctx, sc, name, qm)
	return classifyQueueErr(err, name)
}

// fitQueue adapts a message to its queue's type: a FIFO queue needs a
// group and a deduplication id (a standard topic's message uses its
// message id for both), a standard queue takes no deduplication id.
func fitQueue(qm *queue.Message, name, messageID string) {
	if !strings.HasSuffix(name, ".fifo") {
		qm.DeduplicationID = ""
		return
	}
	if qm.GroupID == "" {
		qm.GroupID = messageID
	}
	if qm.DeduplicationID == "" {
		qm.DeduplicationID = messageID
	}
}

func classifyQueueErr(err error, name string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, queue.ErrQueueNotFound):
		return &deliveryError{code: "AWS.SimpleQueueService.NonExistentQueue", msg: "The specified queue does not exist: " + name}
	}
	var ae *awsproto.Error
	if errors.As(err, &ae) && ae.HTTPStatus() < 500 {
		return &deliveryError{code: awsquery.QueryCode(ae), msg: ae.Message}
	}
	return &deliveryError{code: "InternalError", msg: err.Error(), retryable: true}
}

// queueARN reads arn:aws:sqs:<region>:<account>:<name>.
func queueARN(v string) (queue.Scope, string, bool) {
	a, err := arn.Parse(v)
	if err != nil || a.Service != "sqs" || a.Region == "" || a.Account == "" || strings.Contains(a.Resource, ":") {
		return queue.Scope{}, "", false
	}
	return queue.Scope{Account: a.Account, Region: a.Region}, a.Resource, true
}

func (s *Service) deliverHTTP(ctx context.Context, t *task) error {
	var body []byte
	msgType := "Notification"
	raw := t.Raw && t.Kind == kindNotify
	if raw {
		body = []byte(t.Message)
	} else {
		e, err := s.build(t)
		if err != nil {
			return err
		}
		msgType = e.Type
		body = marshalNoEscape(e)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.Endpoint, bytes.NewReader(body))
	if err != nil {
		return &deliveryError{code: "InvalidEndpoint", msg: err.Error()}
	}
	h := req.Header
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	h.Set("User-Agent", "Amazon Simple Notification Service Agent")
	// SNS sends its own headers in lower case.
	h["x-amz-sns-message-type"] = []string{msgType}
	h["x-amz-sns-message-id"] = []string{t.MessageID}
	h["x-amz-sns-topic-arn"] = []string{t.TopicArn}
	if t.Kind != kindConfirm {
		h["x-amz-sns-subscription-arn"] = []string{t.SubArn}
	}
	if raw {
		h["x-amz-sns-rawdelivery"] = []string{"true"}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return &deliveryError{code: "ConnectionError", msg: err.Error(), retryable: true}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return nil
	case c == 408 || c == 429 || c >= 500:
		return &deliveryError{code: strconv.Itoa(c), msg: "endpoint answered " + resp.Status, retryable: true}
	default:
		return &deliveryError{code: strconv.Itoa(c), msg: "endpoint answered " + resp.Status}
	}
}

func (s *Service) deliverLambda(ctx context.Context, t *task) error {
	if s.opt.Lambda == nil {
		return &deliveryError{code: "LambdaNotConfigured", msg: "Switchyard has no Lambda invoker configured, so lambda subscriptions cannot be delivered (function " + t.Endpoint + ")"}
	}
	e, err := s.build(t)
	if err != nil {
		return err
	}
	ictx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := s.opt.Lambda(ictx, t.Endpoint, lambdaEvent(t, e)); err != nil {
		if errors.Is(err, ErrPermanent) {
			return &deliveryError{code: "LambdaError", msg: err.Error()}
		}
		return &deliveryError{code: "LambdaError", msg: err.Error(), retryable: true}
	}
	return nil
}

func redriveTarget(policy string) string {
	if policy == "" {
		return ""
	}
	var p struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	}
	_ = json.Unmarshal([]byte(policy), &p)
	return p.DeadLetterTargetArn
}

// ---- retry policies ---------------------------------------------------------

// healthyRetryPolicy is SNS's delivery retry policy (DeliveryPolicy
// "healthyRetryPolicy"); delays in seconds.
type healthyRetryPolicy struct {
	MinDelayTarget     int    `json:"minDelayTarget"`
	MaxDelayTarget     int    `json:"maxDelayTarget"`
	NumRetries         int    `json:"numRetries"`
	NumNoDelayRetries  int    `json:"numNoDelayRetries"`
	NumMinDelayRetries int    `json:"numMinDelayRetries"`
	NumMaxDelayRetries int    `json:"numMaxDelayRetries"`
	BackoffFunction    string `json:"backoffFunction"`
}

// SNS's defaults: AWS-managed endpoints (sqs, lambda) are retried 100,015
// times over about 23 days (3 at once, 2 after 1 s, 10 backing off from 1 s
// to 20 s, then every 20 s); http/https 3 times 20 s apart.
var (
	managedRetryPolicy = healthyRetryPolicy{MinDelayTarget: 1, MaxDelayTarget: 20, NumRetries: 100015,
		NumNoDelayRetries: 3, NumMinDelayRetries: 2, NumMaxDelayRetries: 100000, BackoffFunction: "exponential"}
	httpRetryPolicy = healthyRetryPolicy{MinDelayTarget: 20, MaxDelayTarget: 20, NumRetries: 3, BackoffFunction: "linear"}
)

// delay returns the wait before retry n (n = attempts made so far).
func (p healthyRetryPolicy) delay(n int) time.Duration {
	sec := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
	if n <= p.NumNoDelayRetries {
		return 10 * time.Millisecond
	}
	n -= p.NumNoDelayRetries
	if n <= p.NumMinDelayRetries {
		return sec(float64(p.MinDelayTarget))
	}
	n -= p.NumMinDelayRetries
	backoff := p.NumRetries - p.NumNoDelayRetries - p.NumMinDelayRetries - p.NumMaxDelayRetries
	if n > backoff || backoff <= 0 {
		return sec(float64(p.MaxDelayTarget))
	}
	lo, hi := float64(p.MinDelayTarget), float64(p.MaxDelayTarget)
	frac := float64(n) / float64(backoff)
	var d float64
	switch p.BackoffFunction {
	case "arithmetic":
		d = lo + (hi-lo)*frac*frac
	case "geometric":
		d = lo + (hi-lo)*math.Pow(frac, 3)
	case "exponential":
		d = lo * math.Pow(math.Max(hi/math.Max(lo, 0.001), 1), frac)
	default: // linear
		d = lo + (hi-lo)*frac
	}
	return sec(math.Min(math.Max(d, lo), hi))
}

// retryPolicy is the policy in force for a subscription: for http/https,
// the subscription's DeliveryPolicy, else the topic's (unless it disables
// subscription overrides), else SNS's default; SNS's managed-endpoint
// policy for the other protocols.
func (s *Service) retryPolicy(sub *subRecord) healthyRetryPolicy {
	if sub.Protocol != "http" && sub.Protocol != "https" {
		return managedRetryPolicy
	}
	pol := httpRetryPolicy
	disable := false
	if v := s.lookupTopic(Scope{Account: sub.Account, Region: sub.Region}, sub.Topic); v != nil {
		if tp, dis, ok := topicHTTPPolicy(v.rec.Attributes["DeliveryPolicy"]); ok {
			pol, disable = tp, dis
		}
	}
	if !disable {
		if sp, ok := subHTTPPolicy(sub.Attrs["DeliveryPolicy"]); ok {
			pol = sp
		}
	}
	return pol
}

func topicHTTPPolicy(doc string) (healthyRetryPolicy, bool, bool) {
	if doc == "" {
		return healthyRetryPolicy{}, false, false
	}
	var p struct {
		HTTP *struct {
			DefaultHealthyRetryPolicy   *healthyRetryPolicy `json:"defaultHealthyRetryPolicy"`
			DisableSubscriptionOverride bool                `json:"disableSubscriptionOverrides"`
		} `json:"http"`
	}
	if json.Unmarshal([]byte(doc), &p) != nil || p.HTTP == nil || p.HTTP.DefaultHealthyRetryPolicy == nil {
		return healthyRetryPolicy{}, false, false
	}
	return fill(*p.HTTP.DefaultHealthyRetryPolicy), p.HTTP.DisableSubscriptionOverride, true
}

func subHTTPPolicy(doc string) (healthyRetryPolicy, bool) {
	if doc == "" {
		return healthyRetryPolicy{}, false
	}
	var p struct {
		HealthyRetryPolicy *healthyRetryPolicy `json:"healthyRetryPolicy"`
	}
	if json.Unmarshal([]byte(doc), &p) != nil || p.HealthyRetryPolicy == nil {
		return healthyRetryPolicy{}, false
	}
	return fill(*p.HealthyRetryPolicy), true
}

func fill(p healthyRetryPolicy) healthyRetryPolicy {
	if p.MinDelayTarget <= 0 {
		p.MinDelayTarget = 1
	}
	if p.MaxDelayTarget < p.MinDelayTarget {
		p.MaxDelayTarget = p.MinDelayTarget
	}
	if p.BackoffFunction == "" {
		p.BackoffFunction = "linear"
	}
	return p
}

// checkDeliveryPolicy validates a DeliveryPolicy attribute value.
func checkDeliveryPolicy(prefix, doc string) error {
	var v map[string]any
	if err := json.Unmarshal([]byte(doc), &v); err != nil || v == nil {
		return sns.ErrInvalidParameterException("%sDeliveryPolicy: failed to parse JSON.", prefix)
	}
	check := func(p *healthyRetryPolicy) error {
		if p == nil {
			return nil
		}
		switch {
		case p.MinDelayTarget < 0 || p.MaxDelayTarget < 0 || p.NumRetries < 0 || p.NumRetries > 100:
			return sns.ErrInvalidParameterException("%sDeliveryPolicy: healthyRetryPolicy: numRetries must be between 0 and 100 and delays must not be negative", prefix)
		case p.MaxDelayTarget != 0 && p.MinDelayTarget > p.MaxDelayTarget:
			return sns.ErrInvalidParameterException("%sDeliveryPolicy: healthyRetryPolicy: maxDelayTarget must be greater than or equal to minDelayTarget", prefix)
		}
		switch p.BackoffFunction {
		case "", "linear", "arithmetic", "geometric", "exponential":
		default:
			return sns.ErrInvalidParameterException("%sDeliveryPolicy: healthyRetryPolicy: backoffFunction must be one of linear, arithmetic, geometric, exponential", prefix)
		}
		return nil
	}
	var sp struct {
		HealthyRetryPolicy *healthyRetryPolicy `json:"healthyRetryPolicy"`
		HTTP               *struct {
			DefaultHealthyRetryPolicy *healthyRetryPolicy `json:"defaultHealthyRetryPolicy"`
		} `json:"http"`
	}
	if err := json.Unmarshal([]byte(doc), &sp); err != nil {
		return sns.ErrInvalidParameterException("%sDeliveryPolicy: %v", prefix, err)
	}
	if err := check(sp.HealthyRetryPolicy); err != nil {
		return err
	}
	if sp.HTTP != nil {
		return check(sp.HTTP.DefaultHealthyRetryPolicy)
	}
	return nil
}

// Stats returns the service's delivery counters.
func (s *Service) Stats() *Stats { return &s.stats }
