package dataset

// pow10 holds the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastDecimal is ParseNumber's exact shortcut for short decimals. When s
// is a plain decimal (isDecimal's grammar) whose significant digits make
// an integer mantissa of at most 2^53 and whose power of ten is within
// ±22, both the mantissa and the power are exact float64s, so one
// multiplication or division, correctly rounded by IEEE 754, gives the
// float64 nearest to s: the value strconv.ParseFloat returns (Clinger's
// fast path, which ParseFloat takes too). It reports false for anything
// else, which the caller parses the slow way; zero reads as 0, never -0,
// as ParseNumber does.
func fastDecimal[T string | []byte](s T) (float64, bool) {
	i, neg := 0, false
	if i < len(s) && s[i] == '-' {
		i, neg = i+1, true
	}
	var mant uint64
	sig, frac, seen := 0, 0, false // significant digits, digits after the point, any digit
	digit := func(c byte) bool {
		seen = true
		if mant == 0 && c == '0' {
			return true // a leading zero adds nothing
		}
		if sig == 19 {
			return false // the mantissa might overflow: the slow way
		}
		mant, sig = mant*10+uint64(c-'0'), sig+1
		return true
	}
	for ; i < len(s) && isDigit(s[i]); i++ {
		if !digit(s[i]) {
			return 0, false
		}
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && isDigit(s[i]); i++ {
			if !digit(s[i]) {
				return 0, false
			}
			frac++
		}
	}
	if !seen {
		return 0, false
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i, eneg = i+1, s[i] == '-'
		}
		start := i
		for ; i < len(s) && isDigit(s[i]) && i-start < 4; i++ {
			exp = exp*10 + int(s[i]-'0')
		}
		if i == start {
			return 0, false
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(s) || mant > 1<<53 {
		return 0, false
	}
	if mant == 0 {
		return 0, true
	}
	v := float64(mant)
	switch e := exp - frac; {
	case e > 22 || e < -22:
		return 0, false
	case e > 0:
		v *= pow10[e]
	case e < 0:
		v /= pow10[-e]
	}
	if neg {
		v = -v
	}
	return v, true
}
