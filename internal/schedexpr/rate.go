package schedexpr

import (
	"errors"
	"math"
	"strings"
)

// parseRate parses the inside of rate(...): "value unit", exactly one space,
// value a positive decimal integer, unit lower-case and singular exactly when
// value is 1. It returns the period in minutes.
func parseRate(s string) (int64, error) {
	num, unit, ok := strings.Cut(s, " ")
	if !ok {
		return 0, errors.New("rate needs a value and a unit separated by one space")
	}
	var v int64
	if num == "" {
		return 0, errors.New("rate value is missing")
	}
	for i := 0; i < len(num); i++ {
		c := num[i]
		if c < '0' || c > '9' {
			return 0, errors.New("rate value must be a positive integer")
		}
		v = v*10 + int64(c-'0')
		if v > math.MaxInt32 {
			return 0, errors.New("rate value is too large")
		}
	}
	if v == 0 {
		return 0, errors.New("rate value must be positive")
	}
	var per int64
	switch unit {
	case "minute", "minutes":
		per = 1
	case "hour", "hours":
		per = 60
	case "day", "days":
		per = 24 * 60
	default:
		return 0, errors.New("rate unit must be minute(s), hour(s) or day(s)")
	}
	if plural := strings.HasSuffix(unit, "s"); plural != (v != 1) {
		return 0, errors.New("rate unit must be singular for 1 and plural otherwise")
	}
	return v * per, nil
}
