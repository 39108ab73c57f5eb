package delivery

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strconv"
	"time"
)

// Defaults of a target's RetryPolicy, as in EventBridge.
const (
	DefaultMaxRetryAttempts = 185
	DefaultMaxEventAge      = 24 * time.Hour
)

// targetConfig is the part of the API's Target structure delivery needs.
type targetConfig struct {
	RetryPolicy *struct {
		MaximumRetryAttempts     *int `json:"MaximumRetryAttempts"`
		MaximumEventAgeInSeconds *int `json:"MaximumEventAgeInSeconds"`
	} `json:"RetryPolicy"`
	DeadLetterConfig *struct {
		Arn string `json:"Arn"`
	} `json:"DeadLetterConfig"`
}

type policy struct {
	maxRetries int
	maxAge     time.Duration
	dlq        string
}

func policyOf(raw json.RawMessage) policy {
	p := policy{maxRetries: DefaultMaxRetryAttempts, maxAge: DefaultMaxEventAge}
	var c targetConfig
	if json.Unmarshal(raw, &c) != nil {
		return p
	}
	if c.RetryPolicy != nil {
		if v := c.RetryPolicy.MaximumRetryAttempts; v != nil {
			p.maxRetries = *v
		}
		if v := c.RetryPolicy.MaximumEventAgeInSeconds; v != nil {
			p.maxAge = time.Duration(*v) * time.Second
		}
	}
	if c.DeadLetterConfig != nil {
		p.dlq = c.DeadLetterConfig.Arn
	}
	return p
}

// exhausted returns the EXHAUSTED_RETRY_CONDITION if a delivery that has
// been retried retries times, for an event ingested at ingested, may not
// be retried again, or "".
func (p policy) exhausted(retries int, ingested time.Time) string {
	switch {
	case retries >= p.maxRetries:
		return "MaximumRetryAttempts"
	case time.Since(ingested) >= p.maxAge:
		return "MaximumEventAgeInSeconds"
	}
	return ""
}

// delay is the wait before attempt n+1: the backoff, or longer when the
// target asked for it (an HTTP Retry-After), never past the event's age
// limit.
func (p policy) delay(n int, ingested time.Time, err error, minBackoff, maxBackoff time.Duration) time.Duration {
	delay := backoff(n, minBackoff, maxBackoff)
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		delay = max(delay, ra.RetryAfter())
	}
	if rest := p.maxAge - time.Since(ingested); delay > rest {
		delay = max(rest, 0)
	}
	return delay
}

// backoff returns the delay before retry n (1-based): exponential from min,
// capped at max, with full jitter on the upper half.
func backoff(n int, min, max time.Duration) time.Duration {
	d := min
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

func itoa(n int) string { return strconv.Itoa(n) }
