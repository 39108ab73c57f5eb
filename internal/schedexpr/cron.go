package schedexpr

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"
)

// The year range of the Year field, from EventBridge's cron reference.
const (
	minYear = 1970
	maxYear = 2199
)

// bitset holds a set of small non-negative integers (below 256).
type bitset [4]uint64

func (b *bitset) set(i int) { b[i>>6] |= 1 << (uint(i) & 63) }

func (b *bitset) has(i int) bool {
	return i >= 0 && i < 256 && b[i>>6]&(1<<(uint(i)&63)) != 0
}

// next returns the smallest member >= i.
func (b *bitset) next(i int) (int, bool) {
	if i < 0 {
		i = 0
	}
	for w := i >> 6; w < len(b); w++ {
		word := b[w]
		if w == i>>6 {
			word &= ^uint64(0) << (uint(i) & 63)
		}
		if word != 0 {
			return w<<6 + bits.TrailingZeros64(word), true
		}
	}
	return 0, false
}

// fieldDef describes one numeric cron field.
type fieldDef struct {
	name    string
	lo, hi  int      // allowed values
	off     int      // bitset index = value - off
	maxStep int      // largest increment after '/' (Quartz's checkIncrementRange)
	names   []string // names[i] stands for lo+i (month and day-of-week only)
	wrap    bool     // a range whose end is below its start wraps around
}

var (
	monthNames = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	dayNames   = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

	minuteField = fieldDef{name: "minutes", lo: 0, hi: 59, maxStep: 59, wrap: true}
	hourField   = fieldDef{name: "hours", lo: 0, hi: 23, maxStep: 23, wrap: true}
	domField    = fieldDef{name: "day-of-month", lo: 1, hi: 31, maxStep: 31, wrap: true}
	monthField  = fieldDef{name: "month", lo: 1, hi: 12, maxStep: 12, names: monthNames, wrap: true}
	dowField    = fieldDef{name: "day-of-week", lo: 1, hi: 7, maxStep: 7, names: dayNames, wrap: true}
	yearField   = fieldDef{name: "year", lo: minYear, hi: maxYear, off: minYear, maxStep: maxNumber}
)

// maxNumber bounds every number in an expression (Quartz reads them as Java
// ints; anything this large is out of every field's range anyway).
const maxNumber = 1<<31 - 1

// Day-of-month forms.
const (
	domAny      = iota // ?
	domList            // values, ranges, increments, *
	domLast            // L, L-n: the last day of the month, minus n
	domLastW           // LW, L-nW: the weekday nearest to that day
	domNearestW        // nW: the weekday nearest to day n
)

// Day-of-week forms.
const (
	dowAny  = iota // ?
	dowList        // values, ranges, increments, *, L (= 7, Saturday)
	dowLast        // nL: the last day n of the month
	dowNth         // n#k: the k-th day n of the month
)

type cronSpec struct {
	minutes, hours, months, years bitset

	domKind int
	domSet  bitset // domList: days 1..31
	domN    int    // domLast/domLastW: offset; domNearestW: the day

	dowKind int
	dowSet  bitset // dowList: days 1..7, 1 = Sunday
	dowDay  int    // dowLast/dowNth: the day, 1 = Sunday
	dowNth  int    // dowNth: k
}

// parseCron parses the inside of cron(...).
func parseCron(s string) (*cronSpec, error) {
	if s == "" {
		return nil, errors.New("cron needs six fields")
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return nil, errors.New("cron expressions are ASCII")
		}
	}
	if isBlank(s[0]) || isBlank(s[len(s)-1]) {
		return nil, errors.New("white space around the fields")
	}
	fields := strings.FieldsFunc(strings.ToUpper(s), func(r rune) bool { return isBlank(byte(r)) })
	if len(fields) != 6 {
		return nil, fmt.Errorf("cron needs six fields, not %d", len(fields))
	}
	c := new(cronSpec)
	var err error
	if c.minutes, err = parseList(fields[0], &minuteField); err != nil {
		return nil, err
	}
	if c.hours, err = parseList(fields[1], &hourField); err != nil {
		return nil, err
	}
	if err = c.parseDayOfMonth(fields[2]); err != nil {
		return nil, err
	}
	if c.months, err = parseList(fields[3], &monthField); err != nil {
		return nil, err
	}
	if err = c.parseDayOfWeek(fields[4]); err != nil {
		return nil, err
	}
	if c.years, err = parseList(fields[5], &yearField); err != nil {
		return nil, err
	}
	if (c.domKind == domAny) == (c.dowKind == dowAny) {
		return nil, errors.New("exactly one of day-of-month and day-of-week must be '?'")
	}
	return c, nil
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// parseList parses a comma-separated list of items: *, v, a-b, */n, v/n,
// a-b/n. Empty items are skipped, as Quartz's tokenizer skips them, but a
// field needs at least one item.
func parseList(text string, f *fieldDef) (bitset, error) {
	var b bitset
	items := 0
	for _, item := range strings.Split(text, ",") {
		if item == "" {
			continue
		}
		if err := parseItem(item, f, &b); err != nil {
			return b, err
		}
		items++
	}
	if items == 0 {
		return b, fmt.Errorf("%s field %q is empty", f.name, text)
	}
	return b, nil
}

func parseItem(item string, f *fieldDef, b *bitset) error {
	bad := func() error { return fmt.Errorf("%s field: %q is not valid", f.name, item) }
	base, stepText, hasStep := strings.Cut(item, "/")
	step := 1
	if hasStep {
		n, ok := parseNumber(stepText)
		if !ok || n < 1 || n > f.maxStep {
			return bad()
		}
		step = n
	}
	var start, end int
	wrapped := false
	switch {
	case base == "*":
		start, end = f.lo, f.hi
	case strings.Contains(base, "-"):
		a, z, _ := strings.Cut(base, "-")
		var name1, name2, ok1, ok2 bool
		start, name1, ok1 = f.value(a)
		end, name2, ok2 = f.value(z)
		// Quartz reads a name range only up to a name and a number range
		// only up to a number, and ignores an increment after names.
		if !ok1 || !ok2 || name1 != name2 || (name1 && hasStep) {
			return bad()
		}
		if end < start {
			if !f.wrap {
				return bad()
			}
			wrapped = true
		}
	default:
		v, name, ok := f.value(base)
		if !ok || (name && hasStep) {
			return bad()
		}
		start, end = v, v
		if hasStep {
			end = f.hi // v/n: from v to the end of the field, every n
		}
	}
	// A wrapped range a-b runs a..hi, lo..b (Quartz adds the field's size
	// to b and takes values modulo it); the increment runs across the wrap.
	span := f.hi - f.lo + 1
	stop := end
	if wrapped {
		stop += span
	}
	for i := start; ; i += step {
		v := i
		if v > f.hi {
			v -= span
		}
		b.set(v - f.off)
		if stop-i < step {
			break
		}
	}
	return nil
}

// value reads one number or (month, day-of-week) three-letter name.
func (f *fieldDef) value(s string) (v int, isName, ok bool) {
	if n, ok := parseNumber(s); ok {
		return n, false, n >= f.lo && n <= f.hi
	}
	for i, name := range f.names {
		if s == name {
			return f.lo + i, true, true
		}
	}
	return 0, false, false
}

// dayField prepares a day-of-month or day-of-week field for its special
// forms: like Quartz, it refuses 'L' in a list, then drops empty items.
func dayField(text string) (string, bool) {
	if strings.Contains(text, "L") && len(text) > 1 && strings.Contains(text, ",") {
		return "", false
	}
	if !strings.Contains(text, ",") {
		return text, true
	}
	items := strings.Split(text, ",")
	items = slices.DeleteFunc(items, func(s string) bool { return s == "" })
	return strings.Join(items, ","), len(items) > 0
}

// parseNumber reads a non-empty run of decimal digits (leading zeros allowed).
func parseNumber(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
		if n > maxNumber {
			return 0, false
		}
	}
	return n, true
}

func (c *cronSpec) parseDayOfMonth(text string) error {
	bad := fmt.Errorf("day-of-month field %q is not valid", text)
	text, ok := dayField(text)
	if !ok {
		return bad
	}
	switch {
	case text == "?":
		c.domKind = domAny
	case text == "L":
		c.domKind = domLast
	case text == "LW":
		c.domKind = domLastW
	case strings.HasPrefix(text, "L-"):
		rest := text[2:]
		c.domKind = domLast
		if strings.HasSuffix(rest, "W") {
			rest = rest[:len(rest)-1]
			c.domKind = domLastW
		}
		n, ok := parseNumber(rest)
		if !ok || n > 30 {
			return bad
		}
		c.domN = n
	case strings.HasSuffix(text, "W"):
		n, ok := parseNumber(text[:len(text)-1])
		if !ok || n < 1 || n > 31 {
			return bad
		}
		c.domKind, c.domN = domNearestW, n
	default:
		set, err := parseList(text, &domField)
		if err != nil {
			return err
		}
		c.domKind, c.domSet = domList, set
	}
	return nil
}

func (c *cronSpec) parseDayOfWeek(text string) error {
	bad := fmt.Errorf("day-of-week field %q is not valid", text)
	text, ok := dayField(text)
	if !ok {
		return bad
	}
	switch {
	case text == "?":
		c.dowKind = dowAny
	case text == "L":
		c.dowKind = dowList
		c.dowSet.set(7)
	case strings.Contains(text, "#"):
		day, nth, _ := strings.Cut(text, "#")
		d, _, ok := dowField.value(day)
		k, ok2 := parseNumber(nth)
		if !ok || !ok2 || k < 1 || k > 5 {
			return bad
		}
		c.dowKind, c.dowDay, c.dowNth = dowNth, d, k
	case strings.HasSuffix(text, "L"):
		d, _, ok := dowField.value(text[:len(text)-1])
		if !ok {
			return bad
		}
		c.dowKind, c.dowDay = dowLast, d
	default:
		set, err := parseList(text, &dowField)
		if err != nil {
			return err
		}
		c.dowKind, c.dowSet = dowList, set
	}
	return nil
}

var epochStart = time.Date(minYear, 1, 1, 0, 0, 0, 0, time.UTC)

// next returns the first matching minute strictly after `after`. It walks
// year, month, day, hour and minute by skipping to the next member of each
// field's set, so its cost is bounded by the number of months in the year
// range (2,760), each costing one day mask of at most 31 days.
func (c *cronSpec) next(after time.Time) time.Time {
	t := epochStart
	if !after.Before(epochStart) {
		t = after.UTC().Truncate(time.Minute).Add(time.Minute)
	}
	if t.Year() > maxYear {
		return time.Time{}
	}
	y0, m0, d0 := t.Date()
	h0, mi0 := t.Hour(), t.Minute()

	for yi, ok := c.years.next(y0 - minYear); ok; yi, ok = c.years.next(yi + 1) {
		y := yi + minYear
		sameY := y == y0
		mFrom := 1
		if sameY {
			mFrom = int(m0)
		}
		for m, ok := c.months.next(mFrom); ok; m, ok = c.months.next(m + 1) {
			sameM := sameY && m == int(m0)
			days := bitset{c.dayMask(y, m)}
			dFrom := 1
			if sameM {
				dFrom = d0
			}
			for d, ok := days.next(dFrom); ok; d, ok = days.next(d + 1) {
				sameD := sameM && d == d0
				hFrom := 0
				if sameD {
					hFrom = h0
				}
				for h, ok := c.hours.next(hFrom); ok; h, ok = c.hours.next(h + 1) {
					miFrom := 0
					if sameD && h == h0 {
						miFrom = mi0
					}
					if mi, ok := c.minutes.next(miFrom); ok {
						return time.Date(y, time.Month(m), d, h, mi, 0, 0, time.UTC)
					}
				}
			}
		}
	}
	return time.Time{}
}

// dayMask returns the days (bits 1..31) of month m of year y that match the
// day-of-month or day-of-week field.
func (c *cronSpec) dayMask(y, m int) uint64 {
	last := daysIn(y, m)
	w1 := int(time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC).Weekday()) // 0 = Sunday
	weekday := func(d int) int { return (w1 + d - 1) % 7 }
	var mask uint64
	switch c.domKind {
	case domList:
		return c.domSet[0] & (uint64(1)<<(last+1) - 2)
	case domLast:
		if d := last - c.domN; d >= 1 {
			mask = 1 << d
		}
		return mask
	case domLastW:
		if d := last - c.domN; d >= 1 {
			mask = 1 << nearestWeekday(d, weekday(d), last)
		}
		return mask
	case domNearestW:
		if d := c.domN; d <= last {
			mask = 1 << nearestWeekday(d, weekday(d), last)
		}
		return mask
	}
	switch c.dowKind {
	case dowList:
		for d := 1; d <= last; d++ {
			if c.dowSet.has(weekday(d) + 1) {
				mask |= 1 << d
			}
		}
	case dowLast:
		want := c.dowDay - 1
		mask = 1 << (last - (weekday(last)-want+7)%7)
	case dowNth:
		want := c.dowDay - 1
		if d := 1 + (want-w1+7)%7 + 7*(c.dowNth-1); d <= last {
			mask = 1 << d
		}
	}
	return mask
}

// nearestWeekday moves day d (whose weekday is w, 0 = Sunday) of a month of
// `last` days to the nearest Monday-to-Friday without leaving the month:
// Saturday goes back to Friday unless it is the 1st (then on to Monday the
// 3rd); Sunday goes on to Monday unless it is the last day (then back to
// Friday).
func nearestWeekday(d, w, last int) int {
	switch w {
	case 6:
		if d == 1 {
			return 3
		}
		return d - 1
	case 0:
		if d == last {
			return d - 2
		}
		return d + 1
	}
	return d
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
