package delivery

import (
	"encoding/json"
	"math/rand/v2"
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
