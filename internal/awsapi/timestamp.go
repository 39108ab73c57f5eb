package awsapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Timestamp is a model timestamp member. The awsJson protocols put
// timestamps on the wire as epoch seconds, a JSON number that may have a
// fractional part (1700000000, 1700000000.123, 1.700000000123E9).
//
// UnmarshalJSON accepts such numbers, strings holding them ("1700000000"),
// ISO-8601 / RFC 3339 strings ("2023-11-14T22:13:20Z", with or without
// fractional seconds or zone; a missing zone means UTC), RFC 1123 HTTP dates
// and null (which leaves the value unchanged). MarshalJSON writes epoch
// seconds, with a fractional part only when needed (at most nanosecond
// precision, trailing zeros trimmed).
type Timestamp struct {
	time.Time
}

// NewTimestamp returns t as a Timestamp.
func NewTimestamp(t time.Time) Timestamp { return Timestamp{Time: t} }

// TimestampPtr returns a pointer to t as a Timestamp, for optional members.
func TimestampPtr(t time.Time) *Timestamp { return &Timestamp{Time: t} }

// OptionalTimestamp is TimestampPtr, or nil when t is the zero time (a
// member left out).
func OptionalTimestamp(t time.Time) *Timestamp {
	if t.IsZero() {
		return nil
	}
	return &Timestamp{Time: t}
}

// EpochSeconds formats t as epoch seconds ("1700000000" or
// "1700000000.123").
func (t Timestamp) EpochSeconds() string {
	sec := t.Unix()
	nsec := int64(t.Nanosecond())
	neg := sec < 0 && nsec > 0
	if neg {
		// t is sec + nsec/1e9 with sec negative: -(|sec|-1) - (1e9-nsec)/1e9.
		sec++
		nsec = 1e9 - nsec
	}
	s := strconv.FormatInt(sec, 10)
	if neg && sec == 0 {
		s = "-0"
	}
	if nsec == 0 {
		return s
	}
	frac := strings.TrimRight(fmt.Sprintf("%09d", nsec), "0")
	return s + "." + frac
}

// MarshalJSON writes t as epoch seconds.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return []byte(t.EpochSeconds()), nil
}

// UnmarshalJSON reads epoch seconds (number or string) or a date string.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := ParseTimestamp(s)
		if err != nil {
			return err
		}
		*t = v
		return nil
	}
	v, err := parseEpoch(string(b))
	if err != nil {
		return fmt.Errorf("awsapi: invalid timestamp %s", b)
	}
	*t = v
	return nil
}

var timestampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"20060102T150405Z",
	"2006-01-02",
	time.RFC1123,
	time.RFC1123Z,
}

// ParseTimestamp parses epoch seconds ("1700000000", "1700000000.5",
// "1.7E9") or an ISO-8601 / RFC 3339 / RFC 1123 date. Dates without a zone
// are taken as UTC.
func ParseTimestamp(s string) (Timestamp, error) {
	s = strings.TrimSpace(s)
	if v, err := parseEpoch(s); err == nil {
		return v, nil
	}
	for _, layout := range timestampLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			return Timestamp{Time: v}, nil
		}
	}
	// Lower-case separators ("2023-11-14t22:13:20z") are valid RFC 3339.
	if u := strings.ToUpper(s); u != s {
		for _, layout := range timestampLayouts[:2] {
			if v, err := time.Parse(layout, u); err == nil {
				return Timestamp{Time: v}, nil
			}
		}
	}
	return Timestamp{}, fmt.Errorf("awsapi: invalid timestamp %q", s)
}

// epochRE is the syntax accepted for epoch seconds: a JSON number (a
// leading '+' and a bare leading or trailing '.' are tolerated).
var epochRE = regexp.MustCompile(`^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]{1,4}))?$`)

// parseEpoch parses a decimal number of seconds exactly (no float rounding).
func parseEpoch(s string) (Timestamp, error) {
	sm := epochRE.FindStringSubmatch(s)
	if sm == nil || len(s) > 64 {
		return Timestamp{}, fmt.Errorf("awsapi: invalid epoch seconds %q", s)
	}
	if sm[1] != "" {
		// Bound the exponent so that big.Rat stays cheap: anything
		// beyond 1e±400 is out of time.Time's range or rounds to 0.
		if e, _ := strconv.Atoi(sm[1]); e > 400 || e < -400 {
			return Timestamp{}, fmt.Errorf("awsapi: epoch seconds out of range %q", s)
		}
	}
	r, ok := new(big.Rat).SetString(strings.TrimPrefix(s, "+"))
	if !ok {
		return Timestamp{}, fmt.Errorf("awsapi: invalid epoch seconds %q", s)
	}
	// nanoseconds = round(r * 1e9)
	r.Mul(r, big.NewRat(1e9, 1))
	num, den := r.Num(), r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	// round half away from zero
	if m.Sign() != 0 {
		m2 := new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2))
		if m2.Cmp(den) >= 0 {
			if num.Sign() < 0 {
				q.Sub(q, big.NewInt(1))
			} else {
				q.Add(q, big.NewInt(1))
			}
		}
	}
	sec, nsec := new(big.Int).DivMod(q, big.NewInt(1e9), new(big.Int))
	if !sec.IsInt64() {
		return Timestamp{}, fmt.Errorf("awsapi: epoch seconds out of range %q", s)
	}
	return Timestamp{Time: time.Unix(sec.Int64(), nsec.Int64()).UTC()}, nil
}
