package pattern

import "math"

// Numbers in events are compared as float64. Parsing every number exactly
// (strconv.ParseFloat) dominates matching on number-heavy events, so a
// number is first read approximately: exact to a few units in the last
// place. Only when the approximation lands close to a value a pattern
// mentions is the exact parse needed to decide.

// nearTolerance is the relative distance below which an approximation
// cannot decide a comparison. It is far above the approximation's error
// (a few parts in 1e16) and far below any useful distinction.
const nearTolerance = 1e-12

var pow10tab = func() [23]float64 {
	var t [23]float64
	t[0] = 1
	for i := 1; i < len(t); i++ {
		t[i] = t[i-1] * 10
	}
	return t
}()

// approxNumber reads a JSON number. ok is false when the number is out of
// the range the approximation handles (very large or small exponents);
// callers then parse exactly.
func approxNumber(s string) (float64, bool) {
	i := 0
	neg := false
	if i < len(s) && s[i] == '-' {
		neg = true
		i++
	}
	var mant uint64
	digits, exp := 0, 0
	start := i
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if digits < 19 {
			mant = mant*10 + uint64(s[i]-'0')
			if mant != 0 {
				digits++
			}
		} else {
			exp++
		}
	}
	if i == start {
		return 0, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			if digits < 19 {
				mant = mant*10 + uint64(s[i]-'0')
				if mant != 0 {
					digits++
				}
				exp--
			}
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		esign := 1
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			if s[i] == '-' {
				esign = -1
			}
			i++
		}
		e := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			if e < 10000 {
				e = e*10 + int(s[i]-'0')
			}
		}
		exp += esign * e
	}
	if i != len(s) {
		return 0, false
	}
	f := float64(mant)
	if mant != 0 {
		switch {
		case exp > 280 || exp < -280:
			return 0, false
		case exp > 0:
			for exp > 22 {
				f *= 1e22
				exp -= 22
			}
			f *= pow10tab[exp]
		case exp < 0:
			for exp < -22 {
				f /= 1e22
				exp += 22
			}
			f /= pow10tab[-exp]
		}
	}
	if neg {
		f = -f
	}
	return f, true
}

// near reports whether a (an approximation) is too close to b to decide
// a comparison with b.
func near(a, b float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	m := a
	if m < 0 {
		m = -m
	}
	if bb := b; bb > m || -bb > m {
		m = max(bb, -bb)
	}
	if math.IsInf(m, 0) {
		return a == b
	}
	return d <= nearTolerance*m || d < 1e-280
}
