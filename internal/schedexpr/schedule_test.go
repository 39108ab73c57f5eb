package schedexpr

import (
	"errors"
	"testing"
	"time"
)

// validExpressions are accepted by EventBridge. The first group is recorded
// from AWS (LocalStack's aws.validated PutRule tests, the user guide's
// examples, the issues cited in doc.go); the rest follow from the rules in
// doc.go.
var validExpressions = []string{
	// recorded
	"rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(2 hours)",
	"rate(1 day)", "rate(10 days)", "rate(2 minutes)",
	"cron(0 2 * * ? *)", "cron(0 12 * * ? *)", "cron(15 10 ? * 6L 2002-2005)",
	"cron(0 18 ? * MON-FRI *)", "cron(0 8 1 * ? *)", "cron(0/10 * ? * MON-FRI *)",
	"cron(0/5 8-17 ? * MON-FRI *)", "cron(0 9 ? * 2#1 *)", "cron(0 0 L * ? *)",
	"cron(0 0 LW * ? *)", "cron(0 0 15W * ? *)",
	"cron(0 2 ? * SAT *)", "cron(5,35 14 * * ? *)", "cron(0 2 ? * SAT#3 *)",
	"cron(* * ? * SAT#3 *)", "cron(0/5 5 ? JAN 1-5 2022)", "cron(0 10 * * ? *)",
	"cron(15 12 * * ? *)", "cron(0/15 * * * ? *)", "cron(0/30 20-23 ? * MON-FRI *)",
	"cron(0/30 0-2 ? * MON-FRI *)", "cron(0 20 * * ? *)", "cron(0 2 ? * 5L *)",
	"cron(10 7/5 ? * Wed-Fri 2020)", "cron(0 9 ? * mOn *)",
	"cron(0/5, 9-18, ?, *, MON-FRI, *)",
	// derived
	"rate(01 minute)", "rate(2147483647 days)",
	"cron(* * * * ? *)", "cron(*/59 */23 */31 */12 ? */5)", "cron(0 0 ? * */7 *)",
	"cron(00 05 01 01 ? 2024)", "cron(0 0 l * ? *)", "cron(0 0 lw * ? *)",
	"cron(0 0 15w * ? *)", "cron(0 0 ? * 6l *)", "cron(0 0 ? * fri#5 *)",
	"cron(0 0 ? * FRIL *)", "cron(0 0 ? * L *)", "cron(0 0 L-3 * ? *)",
	"cron(0 0 L-0 * ? *)", "cron(0 0 L-30 * ? *)", "cron(0 0 L-2W * ? *)",
	"cron(0 0 1W * ? *)", "cron(0 0 31W * ? *)", "cron(0 22-2 * * ? *)",
	"cron(0 0 ? NOV-FEB FRI-MON *)", "cron(0 0 28-3 * ? *)", "cron(0 22-2/2 * * ? *)",
	"cron(0 0 ? 1-12/3 2/2 *)", "cron(0 0 ? * 2#1, *)", "cron(0 0 1W, * ? *)", "cron(0 0 ,15 * ? *)", "cron(0 0 1 1 ? 1970)", "cron(0 0 1 1 ? 2199)",
	"cron(0 0 1 1 ? 2020/300)", "cron(0  0\t1   1 ? *)", "cron(1,,2 * * * ? *)",
	"cron(,5 * * * ? *)",
	"cron(0 0 ? * 2#01 *)", "cron(0 0 ? * 1-7 *)", "cron(0 0 ? * SUN,SAT *)",
}

// invalidExpressions are refused by EventBridge. The first group is recorded
// (LocalStack's aws.validated tests, the user guide, the issues cited in
// doc.go).
var invalidExpressions = []string{
	// recorded
	"rate(10 seconds)", "rate(10 years)", "rate(1 minutes)", "rate(1 hours)",
	"rate(1 days)", "rate(10 minute)", "rate(10 hour)", "rate(10 day)",
	"rate()", "rate(10)", "rate(10 minutess)", "rate(foo minutes)",
	"rate(0 minutes)", "rate(-10 minutes)", "rate(10 MINUTES)",
	"rate( 10 minutes )", " rate(10 minutes)", "rate(3 minute)", "rate(5 hour)",
	"cron(0 1 * * * *)", "cron(7 20 * * NOT *)", "cron(INVALID)",
	"cron(0 dummy ? * MON-FRI *)", "cron(71 8 1 * ? *)", "cron()",
	"", "at(2021-12-31T23:59:59Z)", "at(2021-12-31)", "cron(*/60 * * * ? *)",
	"cron(0 9 * * MON-FRI *)", "cron(* * * * *)", "cron(0 8 * * * *)",
	"cron(0 9 ? * 3#1,6#3 *)",
	// derived: rate
	"rate(1  minute)", "rate(1 minute )", "rate( 1 minute)", "rate(1 minute) ",
	"rate(1\tminute)", "rate(+5 minutes)", "rate(5.0 minutes)", "rate(2147483648 minutes)",
	"Rate(5 minutes)", "RATE(5 minutes)", "rate(5 Minutes)", "rate(1 week)",
	"rate(2 weeks)", "rate(1 month)", "rate(5 mins)", "rate(5 minutes", "rate 5 minutes",
	"rate(5 minutes))", "rate(0 minute)", "rate(00 minutes)", "rate(٣ minutes)",
	// derived: cron shape
	"cron", "cron(", "cron)", "CRON(0 0 * * ? *)", "Cron(0 0 * * ? *)",
	"cron (0 0 * * ? *)", " cron(0 0 * * ? *)", "cron(0 0 * * ? *) ",
	"cron( 0 0 * * ? *)", "cron(0 0 * * ? * )", "cron(\t0 0 * * ? *)",
	"cron(0 0 * * ?)", "cron(0 0 0 * * ? *)", "cron(0 0 * * ? * *)",
	"cron(0 0 * * ? *)x", "cron(0 0 * * ? *))", "cron(0 0 ＊ * ? *)",
	"cron(0 0 * * ? *\n)", "cron(0\n0 * * ? *)",
	// derived: values and items
	"cron(60 0 * * ? *)", "cron(0 24 * * ? *)", "cron(0 0 0 * ? *)",
	"cron(0 0 32 * ? *)", "cron(0 0 * 0 ? *)", "cron(0 0 * 13 ? *)",
	"cron(0 0 ? * 0 *)", "cron(0 0 ? * 8 *)", "cron(0 0 * * ? 1969)",
	"cron(0 0 * * ? 2200)", "cron(0 0 * * ? 2199-1970)", "cron(0 0 * * ? 99)",
	"cron(-1 0 * * ? *)", "cron(0-60 0 * * ? *)", "cron(0 0 * * ? 2024-)",
	"cron(0 0 * * ? -2024)", "cron(1-2-3 0 * * ? *)", "cron(0/0 0 * * ? *)",
	"cron(*/0 0 * * ? *)", "cron(0/ 0 * * ? *)", "cron(/5 0 * * ? *)",
	"cron(0/5/5 0 * * ? *)", "cron(0 */24 * * ? *)", "cron(0 0 */32 * ? *)",
	"cron(0 0 * */13 ? *)", "cron(0 0 ? * */8 *)", "cron(*-5 0 * * ? *)",
	"cron(5-* 0 * * ? *)", "cron(** 0 * * ? *)", "cron(, 0 * * ? *)",
	"cron(,,, 0 * * ? *)", "cron(0 0 * JANUARY ? *)", "cron(0 0 * JA ? *)",
	"cron(0 0 ? * MONDAY *)", "cron(0 0 ? * MO *)", "cron(0 0 * MON ? *)",
	"cron(0 0 ? * JAN *)", "cron(JAN 0 * * ? *)", "cron(0 0 MON * ? *)",
	"cron(0 0 * * ? JAN)", "cron(0 0 * JAN-3 ? *)", "cron(0 0 ? * 2-FRI *)",
	"cron(0 0 * * ? 2024.0)", "cron(0x10 0 * * ? *)", "cron(9999999999 0 * * ? *)",
	// derived: ? placement
	"cron(0 0 ? * ? *)", "cron(? 0 * * ? *)", "cron(0 ? * * ? *)",
	"cron(0 0 * ? ? *)", "cron(0 0 * * ? ?)", "cron(0 0 ?,1 * ? *)",
	"cron(0 0 ?? * ? *)", "cron(0 0 1 * 1 *)", "cron(0 0 L * MON *)",
	// derived: L W #
	"cron(0 0 L,15 * ? *)", "cron(0 0 15,L * ? *)", "cron(0 0 L, * ? *)",
	"cron(0 0 L-31 * ? *)", "cron(0 0 L- * ? *)", "cron(0 0 L-x * ? *)",
	"cron(0 0 LL * ? *)", "cron(0 0 WL * ? *)", "cron(0 0 W * ? *)",
	"cron(0 0 0W * ? *)", "cron(0 0 32W * ? *)", "cron(0 0 1W,15 * ? *)",
	"cron(0 0 1-5W * ? *)", "cron(0 0 1WW * ? *)", "cron(0 0 L-3WW * ? *)",
	"cron(0 0 5L * ? *)", "cron(0 0 1#2 * ? *)", "cron(0 0 1,15,L-0x * ? *)",
	"cron(0 0 ? * L-3 *)", "cron(0 0 ? * LW *)", "cron(0 0 ? * 1W *)",
	"cron(0 0 ? * 8L *)", "cron(0 0 ? * 0L *)", "cron(0 0 ? * 6L,2 *)",
	"cron(0 0 ? * 2,6L *)", "cron(0 0 ? * 2-6L *)", "cron(0 0 ? * L,1 *)",
	"cron(0 0 ? * 2#0 *)", "cron(0 0 ? * 2#6 *)", "cron(0 0 ? * 2# *)",
	"cron(0 0 ? * #2 *)", "cron(0 0 ? * 8#1 *)", "cron(0 0 ? * 2#1#1 *)",
	"cron(0 0 ? * 2#1,3 *)", "cron(0 0 ,L * ? *)", "cron(0 0 ? * ,6L *)", "cron(0 0 ? * 1-2#1 *)",
	"cron(0 0 ? * MONDAY#1 *)", "cron(0 0 ? * 2#1L *)", "cron(#1 0 * * ? *)",
	"cron(0 0 * * ? 2024#1)", "cron(0 0 * L ? *)", "cron(0 0 * * ? L)",
	"cron(L 0 * * ? *)", "cron(0 0 8 * ? *W)", "cron(0 0 ? * ? *)",
	"cron(0 8 * ? 2-6 *)", "cron(0 0 * JAN/3 ? *)", "cron(0 0 * JAN-DEC/3 ? *)",
	"cron(0 0 ? * MON/2 *)", "cron(0 0 ? * MON-FRI/2 *)", "cron(0 0 * 1-DEC ? *)",
	// EventBridge Scheduler syntax is not accepted for rules
	"at(2024-01-01T00:00:00)",
}

func TestParseValid(t *testing.T) {
	for _, expr := range validExpressions {
		s, err := Parse(expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", expr, err)
			continue
		}
		if s.String() != expr {
			t.Errorf("Parse(%q).String() = %q", expr, s.String())
		}
		if got, want := s.IsRate(), expr[:4] == "rate"; got != want {
			t.Errorf("Parse(%q).IsRate() = %v", expr, got)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	for _, expr := range invalidExpressions {
		s, err := Parse(expr)
		if err == nil {
			t.Errorf("Parse(%q) accepted it", expr)
			continue
		}
		if s != nil {
			t.Errorf("Parse(%q) returned a schedule with its error", expr)
		}
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q) error %v does not wrap ErrInvalid", expr, err)
		}
	}
}

func utc(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, time.UTC)
}

// TestNextCron checks fire times worked out by hand from a calendar (the
// weekdays quoted in the comments).
func TestNextCron(t *testing.T) {
	sec := func(tm time.Time, s int) time.Time { return tm.Add(time.Duration(s) * time.Second) }
	none := time.Time{}
	cases := []struct {
		expr  string
		after time.Time
		want  time.Time
	}{
		// daily
		{"cron(0 2 * * ? *)", sec(utc(2024, 1, 1, 1, 59), 59), utc(2024, 1, 1, 2, 0)},
		{"cron(0 2 * * ? *)", utc(2024, 1, 1, 2, 0), utc(2024, 1, 2, 2, 0)},
		{"cron(0 2 * * ? *)", sec(utc(2024, 1, 1, 2, 0), 1), utc(2024, 1, 2, 2, 0)},
		{"cron(0 2 * * ? *)", utc(2024, 12, 31, 2, 0), utc(2025, 1, 1, 2, 0)},
		{"cron(0 12 * * ? *)", utc(2024, 2, 28, 12, 0), utc(2024, 2, 29, 12, 0)}, // leap
		{"cron(0 12 * * ? *)", utc(2023, 2, 28, 12, 0), utc(2023, 3, 1, 12, 0)},
		{"cron(5,35 14 * * ? *)", utc(2024, 1, 1, 14, 5), utc(2024, 1, 1, 14, 35)},
		{"cron(5,35 14 * * ? *)", utc(2024, 1, 1, 14, 35), utc(2024, 1, 2, 14, 5)},
		// 6L 2002-2005: last Fridays (Jan 25 2002, Dec 30 2005 are Fridays)
		{"cron(15 10 ? * 6L 2002-2005)", utc(2000, 6, 1, 0, 0), utc(2002, 1, 25, 10, 15)},
		{"cron(15 10 ? * 6L 2002-2005)", utc(2002, 1, 25, 10, 15), utc(2002, 2, 22, 10, 15)},
		{"cron(15 10 ? * 6L 2002-2005)", utc(2005, 12, 30, 10, 14), utc(2005, 12, 30, 10, 15)},
		{"cron(15 10 ? * 6L 2002-2005)", utc(2005, 12, 30, 10, 15), none},
		{"cron(15 10 ? * 6L 2002-2005)", utc(2024, 1, 1, 0, 0), none},
		// weekdays (Mar 1 2024 is a Friday)
		{"cron(0 18 ? * MON-FRI *)", utc(2024, 3, 1, 18, 0), utc(2024, 3, 4, 18, 0)},
		{"cron(0 18 ? * MON-FRI *)", utc(2024, 3, 1, 17, 59), utc(2024, 3, 1, 18, 0)},
		{"cron(0/10 * ? * MON-FRI *)", utc(2024, 3, 1, 23, 55), utc(2024, 3, 4, 0, 0)},
		{"cron(0/10 * ? * MON-FRI *)", utc(2024, 3, 4, 0, 0), utc(2024, 3, 4, 0, 10)},
		{"cron(0/5 8-17 ? * MON-FRI *)", utc(2024, 3, 4, 17, 55), utc(2024, 3, 5, 8, 0)},
		{"cron(0/5 8-17 ? * MON-FRI *)", utc(2024, 3, 4, 8, 3), utc(2024, 3, 4, 8, 5)},
		{"cron(0/5 8-17 ? * MON-FRI *)", utc(2024, 3, 1, 17, 55), utc(2024, 3, 4, 8, 0)},
		{"cron(1/10 * * * ? *)", utc(2024, 3, 4, 8, 51), utc(2024, 3, 4, 9, 1)},
		{"cron(0 8 1 * ? *)", utc(2024, 12, 1, 8, 0), utc(2025, 1, 1, 8, 0)},
		// 2#1: first Monday (Jan 1 2024 is a Monday, Feb 1 2024 a Thursday)
		{"cron(0 9 ? * 2#1 *)", utc(2023, 12, 31, 0, 0), utc(2024, 1, 1, 9, 0)},
		{"cron(0 9 ? * 2#1 *)", utc(2024, 1, 1, 9, 0), utc(2024, 2, 5, 9, 0)},
		{"cron(0 2 ? * SAT#3 *)", utc(2024, 3, 1, 0, 0), utc(2024, 3, 16, 2, 0)},
		// 5#5: fifth Thursday, only in Feb, May, Aug, Oct 2024
		{"cron(0 0 ? * 5#5 *)", utc(2024, 1, 1, 0, 0), utc(2024, 2, 29, 0, 0)},
		{"cron(0 0 ? * 5#5 *)", utc(2024, 3, 1, 0, 0), utc(2024, 5, 30, 0, 0)},
		{"cron(0 0 ? * 5#5 *)", utc(2024, 5, 30, 0, 0), utc(2024, 8, 29, 0, 0)},
		{"cron(0 0 ? * 5#5 *)", utc(2024, 8, 29, 0, 0), utc(2024, 10, 31, 0, 0)},
		// L: last day of the month
		{"cron(0 0 L * ? *)", utc(2024, 2, 1, 0, 0), utc(2024, 2, 29, 0, 0)},
		{"cron(0 0 L * ? *)", utc(2023, 2, 1, 0, 0), utc(2023, 2, 28, 0, 0)},
		{"cron(0 0 L * ? *)", utc(2100, 2, 1, 0, 0), utc(2100, 2, 28, 0, 0)}, // not a leap year
		{"cron(0 0 L * ? *)", utc(2024, 4, 30, 0, 0), utc(2024, 5, 31, 0, 0)},
		{"cron(0 0 L * ? *)", utc(2024, 12, 31, 0, 0), utc(2025, 1, 31, 0, 0)},
		{"cron(0 0 L-3 * ? *)", utc(2024, 2, 1, 0, 0), utc(2024, 2, 26, 0, 0)},
		{"cron(0 0 L-3 * ? *)", utc(2023, 2, 1, 0, 0), utc(2023, 2, 25, 0, 0)},
		{"cron(0 0 L-30 * ? *)", utc(2024, 2, 1, 0, 0), utc(2024, 3, 1, 0, 0)}, // none in Feb, Apr...
		{"cron(0 0 L-30 * ? *)", utc(2024, 3, 1, 0, 0), utc(2024, 5, 1, 0, 0)},
		// LW: Aug 31 2024 Sat -> Fri 30; Mar 31 2024 Sun -> Fri 29; Jun 30 2024 Sun -> Fri 28
		{"cron(0 0 LW * ? *)", utc(2024, 8, 1, 0, 0), utc(2024, 8, 30, 0, 0)},
		{"cron(0 0 LW * ? *)", utc(2024, 3, 1, 0, 0), utc(2024, 3, 29, 0, 0)},
		{"cron(0 0 LW * ? *)", utc(2024, 6, 1, 0, 0), utc(2024, 6, 28, 0, 0)},
		{"cron(0 0 LW * ? *)", utc(2024, 10, 1, 0, 0), utc(2024, 10, 31, 0, 0)}, // Thursday
		// L-2W: Aug 29 2024 is a Thursday; Jun 28 2024 a Friday; Mar 29 2024 a Friday
		{"cron(0 0 L-2W * ? *)", utc(2024, 8, 1, 0, 0), utc(2024, 8, 29, 0, 0)},
		// 15W: Jun 15 2024 Sat -> Fri 14; Sep 15 2024 Sun -> Mon 16
		{"cron(0 0 15W * ? *)", utc(2024, 6, 1, 0, 0), utc(2024, 6, 14, 0, 0)},
		{"cron(0 0 15W * ? *)", utc(2024, 9, 1, 0, 0), utc(2024, 9, 16, 0, 0)},
		{"cron(0 0 15W * ? *)", utc(2024, 6, 14, 0, 0), utc(2024, 7, 15, 0, 0)},
		// 1W: Jun 1 2024 Sat -> Mon 3 (not back into May); Sep 1 2024 Sun -> Mon 2
		{"cron(0 0 1W * ? *)", utc(2024, 5, 31, 0, 0), utc(2024, 6, 3, 0, 0)},
		{"cron(0 0 1W * ? *)", utc(2024, 8, 31, 0, 0), utc(2024, 9, 2, 0, 0)},
		// 31W: no April (30 days); May 31 2024 is a Friday; Mar 31 2024 Sun -> Fri 29
		{"cron(0 0 31W * ? *)", utc(2024, 4, 1, 0, 0), utc(2024, 5, 31, 0, 0)},
		{"cron(0 0 31W * ? *)", utc(2024, 3, 1, 0, 0), utc(2024, 3, 29, 0, 0)},
		{"cron(0 0 30W * ? *)", utc(2024, 2, 1, 0, 0), utc(2024, 3, 29, 0, 0)}, // Mar 30 2024 Sat
		{"cron(0 0 29W 2 ? *)", utc(2023, 3, 1, 0, 0), utc(2024, 2, 29, 0, 0)},
		// February 29th only in leap years; 2100 is not one
		{"cron(0 0 29 2 ? *)", utc(2024, 3, 1, 0, 0), utc(2028, 2, 29, 0, 0)},
		{"cron(0 0 29 2 ? *)", utc(2097, 3, 1, 0, 0), utc(2104, 2, 29, 0, 0)},
		{"cron(0 0 31 * ? *)", utc(2024, 4, 1, 0, 0), utc(2024, 5, 31, 0, 0)},
		{"cron(0 0 30 2 ? *)", utc(2024, 1, 1, 0, 0), none},
		// year lists and ranges
		{"cron(0 0 1 1 ? 2030,2032)", utc(2030, 1, 1, 0, 0), utc(2032, 1, 1, 0, 0)},
		{"cron(0 0 1 1 ? 2030,2032)", utc(2032, 1, 1, 0, 0), none},
		{"cron(0 0 1 1 ? 1970)", utc(2024, 1, 1, 0, 0), none},
		{"cron(0 0 1 1 ? 1970)", utc(1960, 1, 1, 0, 0), utc(1970, 1, 1, 0, 0)},
		{"cron(0 0 1 1 ? *)", utc(1969, 12, 31, 23, 59), utc(1970, 1, 1, 0, 0)},
		{"cron(0 0 1 1 ? *)", time.Time{}, utc(1970, 1, 1, 0, 0)},
		{"cron(0 0 1 1 ? 2020/5)", utc(2021, 1, 1, 0, 0), utc(2025, 1, 1, 0, 0)},
		{"cron(0 0 31 12 ? *)", utc(2199, 12, 31, 0, 0), none},
		{"cron(0 0 31 12 ? *)", utc(2199, 12, 30, 0, 0), utc(2199, 12, 31, 0, 0)},
		{"cron(* * * * ? *)", utc(2199, 12, 31, 23, 59), none},
		{"cron(* * * * ? *)", utc(9999, 1, 1, 0, 0), none},
		{"cron(0/5 5 ? JAN 1-5 2022)", utc(2022, 1, 1, 0, 0), utc(2022, 1, 2, 5, 0)}, // Jan 1 2022 Sat
		{"cron(0/5 5 ? JAN 1-5 2022)", utc(2022, 1, 2, 5, 55), utc(2022, 1, 3, 5, 0)},
		// wrap-around ranges
		{"cron(0 22-2 * * ? *)", utc(2024, 1, 1, 2, 0), utc(2024, 1, 1, 22, 0)},
		{"cron(0 22-2 * * ? *)", utc(2024, 1, 1, 23, 0), utc(2024, 1, 2, 0, 0)},
		{"cron(0 22-2/2 * * ? *)", utc(2024, 1, 1, 22, 0), utc(2024, 1, 2, 0, 0)},
		{"cron(0 22-2/2 * * ? *)", utc(2024, 1, 2, 0, 0), utc(2024, 1, 2, 2, 0)},
		{"cron(0 0 ? * FRI-MON *)", utc(2024, 3, 5, 0, 0), utc(2024, 3, 8, 0, 0)}, // Tue -> Fri
		{"cron(0 0 ? * FRI-MON *)", utc(2024, 3, 10, 0, 0), utc(2024, 3, 11, 0, 0)},
		{"cron(0 0 1 NOV-FEB ? *)", utc(2024, 2, 1, 0, 0), utc(2024, 11, 1, 0, 0)},
		{"cron(0 0 30-2 * ? *)", utc(2024, 2, 2, 0, 0), utc(2024, 3, 1, 0, 0)},
		// day-of-week L, dL, names, increments (Mar 4 2024 is a Monday)
		{"cron(0 0 ? * L *)", utc(2024, 3, 4, 0, 0), utc(2024, 3, 9, 0, 0)},
		{"cron(0 0 ? * 7L *)", utc(2024, 3, 4, 0, 0), utc(2024, 3, 30, 0, 0)},
		{"cron(0 0 ? * 1L *)", utc(2024, 3, 1, 0, 0), utc(2024, 3, 31, 0, 0)},
		{"cron(0 0 ? * 2/2 *)", utc(2024, 3, 4, 0, 0), utc(2024, 3, 6, 0, 0)},
		{"cron(0 0 ? * 2/2 *)", utc(2024, 3, 8, 0, 0), utc(2024, 3, 11, 0, 0)},
		{"cron(0 0 ? jan mon 2025)", utc(2025, 1, 1, 0, 0), utc(2025, 1, 6, 0, 0)},
		// empty list items are skipped
		{"cron(0/5, 9-18, ?, *, MON-FRI, *)", utc(2024, 3, 1, 18, 55), utc(2024, 3, 4, 9, 0)},
	}
	for _, c := range cases {
		s, err := Parse(c.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.expr, err)
		}
		got := s.Next(c.after)
		if !got.Equal(c.want) || (!got.IsZero() && got.Location() != time.UTC) {
			t.Errorf("%s Next(%s) = %s, want %s", c.expr, c.after.Format(time.RFC3339), fmtTime(got), fmtTime(c.want))
		}
		// The anchor plays no part in a cron schedule.
		if got2 := s.NextFrom(utc(2001, 2, 3, 4, 5), c.after); !got2.Equal(got) {
			t.Errorf("%s NextFrom(...) = %s, Next = %s", c.expr, fmtTime(got2), fmtTime(got))
		}
	}
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.Format(time.RFC3339Nano)
}

func TestNextRate(t *testing.T) {
	none := time.Time{}
	anchor := time.Date(2024, 1, 1, 10, 0, 30, 5e8, time.UTC) // fires at 10:05, 10:10, ...
	cases := []struct {
		expr          string
		anchor, after time.Time
		want          time.Time
	}{
		{"rate(5 minutes)", anchor, anchor, utc(2024, 1, 1, 10, 5)},
		{"rate(5 minutes)", anchor, utc(2023, 1, 1, 0, 0), utc(2024, 1, 1, 10, 5)},
		{"rate(5 minutes)", anchor, utc(2024, 1, 1, 10, 4), utc(2024, 1, 1, 10, 5)},
		{"rate(5 minutes)", anchor, utc(2024, 1, 1, 10, 5), utc(2024, 1, 1, 10, 10)},
		{"rate(5 minutes)", anchor, utc(2024, 1, 1, 10, 5).Add(-time.Nanosecond), utc(2024, 1, 1, 10, 5)},
		{"rate(5 minutes)", anchor, utc(2024, 1, 1, 10, 7), utc(2024, 1, 1, 10, 10)},
		{"rate(5 minutes)", anchor, utc(2024, 1, 2, 10, 0), utc(2024, 1, 2, 10, 5)},
		{"rate(1 minute)", anchor, utc(2024, 1, 1, 10, 0), utc(2024, 1, 1, 10, 1)},
		{"rate(1 minute)", anchor, utc(2024, 1, 1, 10, 0).Add(30 * time.Second), utc(2024, 1, 1, 10, 1)},
		{"rate(1 hour)", anchor, utc(2024, 1, 1, 11, 0), utc(2024, 1, 1, 12, 0)},
		{"rate(2 hours)", anchor, utc(2024, 1, 1, 11, 0), utc(2024, 1, 1, 12, 0)},
		{"rate(2 hours)", anchor, utc(2024, 1, 1, 12, 0), utc(2024, 1, 1, 14, 0)},
		// rate(1 day) created at 14:23:45 fires at 14:23 every day, across Feb 29
		{"rate(1 day)", time.Date(2024, 2, 28, 14, 23, 45, 0, time.UTC), utc(2024, 3, 1, 0, 0), utc(2024, 3, 1, 14, 23)},
		{"rate(1 day)", time.Date(2024, 2, 28, 14, 23, 45, 0, time.UTC), utc(2024, 2, 28, 14, 24), utc(2024, 2, 29, 14, 23)},
		{"rate(10 days)", utc(2024, 1, 1, 0, 0), utc(2024, 1, 31, 0, 0), utc(2024, 2, 10, 0, 0)},
		// anchors before 1970 and after are both fine
		{"rate(7 minutes)", utc(1969, 12, 31, 23, 59), utc(1970, 1, 1, 0, 0), utc(1970, 1, 1, 0, 6)},
		// beyond the representable range
		{"rate(2147483647 days)", utc(2024, 1, 1, 0, 0), utc(2024, 1, 1, 0, 0), none},
		{"rate(1 minute)", utc(2024, 1, 1, 0, 0), utc(9999, 12, 31, 23, 58), utc(9999, 12, 31, 23, 59)},
		{"rate(1 minute)", utc(2024, 1, 1, 0, 0), utc(9999, 12, 31, 23, 59), none},
		{"rate(1 minute)", time.Unix(-1<<62, 0), utc(2024, 1, 1, 0, 0), utc(2024, 1, 1, 0, 1)},
		{"rate(1 minute)", time.Unix(1<<62, 0), utc(2024, 1, 1, 0, 0), none},
	}
	for _, c := range cases {
		s, err := Parse(c.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.expr, err)
		}
		got := s.NextFrom(c.anchor, c.after)
		if !got.Equal(c.want) || (!got.IsZero() && got.Location() != time.UTC) {
			t.Errorf("%s NextFrom(%s, %s) = %s, want %s", c.expr, fmtTime(c.anchor), fmtTime(c.after), fmtTime(got), fmtTime(c.want))
		}
	}

	// Next anchors at its argument: feeding results back walks the
	// schedule of a rule created at the first time.
	s, _ := Parse("rate(5 minutes)")
	tm := anchor
	for i := 1; i <= 3; i++ {
		tm = s.Next(tm)
		if want := utc(2024, 1, 1, 10, 5*i); !tm.Equal(want) {
			t.Fatalf("Next step %d = %s, want %s", i, fmtTime(tm), fmtTime(want))
		}
	}
}

func TestParseRateValues(t *testing.T) {
	for expr, minutes := range map[string]int64{
		"rate(1 minute)": 1, "rate(5 minutes)": 5, "rate(1 hour)": 60, "rate(2 hours)": 120,
		"rate(1 day)": 1440, "rate(10 days)": 14400, "rate(007 minutes)": 7,
	} {
		s, err := Parse(expr)
		if err != nil || s.rate != minutes {
			t.Errorf("Parse(%q) = %v, %v; want a period of %d minutes", expr, s, err, minutes)
		}
	}
}

// TestParseFieldSets checks the sets a few fields expand to.
func TestParseFieldSets(t *testing.T) {
	members := func(b bitset, off int) []int {
		var out []int
		for i, ok := b.next(0); ok; i, ok = b.next(i + 1) {
			out = append(out, i+off)
		}
		return out
	}
	cases := []struct {
		expr string
		get  func(c *cronSpec) []int
		want []int
	}{
		{"cron(1/10 * * * ? *)", func(c *cronSpec) []int { return members(c.minutes, 0) }, []int{1, 11, 21, 31, 41, 51}},
		{"cron(10-30/5 * * * ? *)", func(c *cronSpec) []int { return members(c.minutes, 0) }, []int{10, 15, 20, 25, 30}},
		{"cron(55-5/3 * * * ? *)", func(c *cronSpec) []int { return members(c.minutes, 0) }, []int{1, 4, 55, 58}},
		{"cron(0 */7 * * ? *)", func(c *cronSpec) []int { return members(c.hours, 0) }, []int{0, 7, 14, 21}},
		{"cron(0 0 */10 * ? *)", func(c *cronSpec) []int { return members(c.domSet, 0) }, []int{1, 11, 21, 31}},
		{"cron(0 0 30-2 * ? *)", func(c *cronSpec) []int { return members(c.domSet, 0) }, []int{1, 2, 30, 31}},
		{"cron(0 0 1 11-2/2 ? *)", func(c *cronSpec) []int { return members(c.months, 0) }, []int{1, 11}},
		{"cron(0 0 1 JAN,mar,Dec ? *)", func(c *cronSpec) []int { return members(c.months, 0) }, []int{1, 3, 12}},
		{"cron(0 0 ? * SAT-MON *)", func(c *cronSpec) []int { return members(c.dowSet, 0) }, []int{1, 2, 7}},
		{"cron(0 0 ? * */3 *)", func(c *cronSpec) []int { return members(c.dowSet, 0) }, []int{1, 4, 7}},
		{"cron(0 0 ? * L *)", func(c *cronSpec) []int { return members(c.dowSet, 0) }, []int{7}},
		{"cron(0 0 1 1 ? 2195/2)", func(c *cronSpec) []int { return members(c.years, minYear) }, []int{2195, 2197, 2199}},
		{"cron(0 0 1 1 ? 2020-2022,2030)", func(c *cronSpec) []int { return members(c.years, minYear) }, []int{2020, 2021, 2022, 2030}},
	}
	for _, c := range cases {
		s, err := Parse(c.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.expr, err)
		}
		got := c.get(s.cron)
		if len(got) != len(c.want) {
			t.Errorf("%s: got %v, want %v", c.expr, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: got %v, want %v", c.expr, got, c.want)
				break
			}
		}
	}
}

func BenchmarkNext(b *testing.B) {
	for _, expr := range []string{
		"cron(0/5 8-17 ? * MON-FRI *)", "cron(0 0 LW * ? *)", "cron(0 0 ? * 5#5 *)",
		"cron(0 0 30 2 ? *)", "rate(5 minutes)",
	} {
		s, err := Parse(expr)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(expr, func(b *testing.B) {
			after := utc(2024, 1, 1, 0, 0)
			for b.Loop() {
				_ = s.Next(after)
			}
		})
	}
}
