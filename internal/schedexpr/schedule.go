package schedexpr

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// ErrInvalid is wrapped by every error Parse returns. EventBridge answers all
// of them the same way: ValidationException "Parameter ScheduleExpression is
// not valid."
var ErrInvalid = errors.New("schedule: invalid schedule expression")

// Schedule is a parsed ScheduleExpression: a rate(...) or a cron(...). It is
// immutable and safe for concurrent use.
type Schedule struct {
	expr string
	rate int64 // period in minutes for rate(...); 0 for cron(...)
	cron *cronSpec
}

// Parse parses a ScheduleExpression the way EventBridge's PutRule does. Any
// error wraps ErrInvalid.
func Parse(expr string) (*Schedule, error) {
	switch {
	case strings.HasPrefix(expr, "rate(") && strings.HasSuffix(expr, ")"):
		minutes, err := parseRate(expr[len("rate(") : len(expr)-1])
		if err != nil {
			return nil, invalid(expr, err)
		}
		return &Schedule{expr: expr, rate: minutes}, nil
	case strings.HasPrefix(expr, "cron(") && strings.HasSuffix(expr, ")"):
		c, err := parseCron(expr[len("cron(") : len(expr)-1])
		if err != nil {
			return nil, invalid(expr, err)
		}
		return &Schedule{expr: expr, cron: c}, nil
	}
	return nil, invalid(expr, errors.New("not rate(value unit) or cron(fields)"))
}

func invalid(expr string, err error) error {
	return fmt.Errorf("%w %q: %v", ErrInvalid, expr, err)
}

// String returns the expression exactly as it was given to Parse (which is
// what EventBridge echoes back in DescribeRule and ListRules).
func (s *Schedule) String() string { return s.expr }

// IsRate reports whether s is a rate(...) expression, whose fire times depend
// on an anchor (see NextFrom).
func (s *Schedule) IsRate() bool { return s.cron == nil }

// Next returns the first fire time strictly after `after`, in UTC, at a whole
// minute; the zero time if there is none (a cron expression whose years are
// all past, or a rate whose next fire time is after the year 9999).
//
// For a rate expression Next treats `after` itself as the anchor, i.e. as
// the moment the rule was created or enabled: Next(t) is t truncated to the
// minute plus one period, so feeding each result back into Next walks the
// schedule of a rule created at t. A scheduler that must keep a rule's phase
// across restarts should call NextFrom with the rule's creation (or last
// enable) time instead.
func (s *Schedule) Next(after time.Time) time.Time {
	return s.NextFrom(after, after)
}

// NextFrom returns the first fire time strictly after `after` of a schedule
// anchored at `anchor`, in UTC; the zero time if there is none.
//
// A rate(value unit) expression fires at A + k*period for k = 1, 2, ..., where
// A is anchor truncated to its UTC minute: EventBridge starts a rate schedule
// when the rule is created (or enabled) and schedules to the minute, so the
// first event comes one period after creation. A cron expression does not
// depend on an anchor, and NextFrom ignores it.
func (s *Schedule) NextFrom(anchor, after time.Time) time.Time {
	if s.cron != nil {
		return s.cron.next(after)
	}
	return nextRate(s.rate, anchor, after)
}

// lastFire bounds every fire time: later ones are reported as none.
var lastFire = time.Date(9999, 12, 31, 23, 59, 0, 0, time.UTC).Unix()

// nextRate is the first A + k*period (k >= 1) strictly after `after`, computed
// in whole seconds since the Unix epoch.
func nextRate(periodMinutes int64, anchor, after time.Time) time.Time {
	period := periodMinutes * 60
	a := floorDiv(anchor.Unix(), 60) * 60
	af := after.Unix() // floor: fire times are whole seconds
	if a > lastFire || af >= lastFire {
		return time.Time{}
	}
	k := int64(1)
	if af >= a {
		if a < 0 && af > math.MaxInt64+a {
			return time.Time{}
		}
		k = (af-a)/period + 1
	}
	// a <= lastFire, so a+k*period cannot overflow once it is bounded.
	if k > (lastFire-a)/period {
		return time.Time{}
	}
	return time.Unix(a+k*period, 0).UTC()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
