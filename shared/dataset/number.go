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
	v, n, ok := decimalPrefix(s)
	return v, ok && n == len(s)
}

// NumberField reads a plain decimal at the start of b that ends at a
// comma or at b's end: a CSV field that is a number as it stands. It
// returns ParseNumber's value of the field b[:n], and reports false
// (deciding nothing) when the field is anything else or is beyond the
// exact shortcut, which the caller reads the usual way.
func NumberField(b []byte) (v float64, n int, ok bool) {
	v, n, ok = decimalPrefix(b)
	return v, n, ok && (n == len(b) || b[n] == ',')
}

// decimalPrefix is the shortcut on the longest prefix of s in isDecimal's
// grammar: its value and length, or false.
func decimalPrefix[T string | []byte](s T) (float64, int, bool) {
	i, neg := 0, false
	if i < len(s) && s[i] == '-' {
		i, neg = i+1, true
	}
	start := i
	for i < len(s) && s[i] == '0' {
		i++ // leading zeros add nothing
	}
	sig := i // digits from here on count towards the mantissa
	var mant uint64
	for ; i < len(s) && isDigit(s[i]); i++ {
		mant = mant*10 + uint64(s[i]-'0')
	}
	digits, frac := i-start, 0
	if i < len(s) && s[i] == '.' {
		i++
		f := i
		for ; i < len(s) && isDigit(s[i]); i++ {
			mant = mant*10 + uint64(s[i]-'0')
		}
		frac = i - f
		digits += frac
		sig++ // the point is not a digit
	}
	if digits == 0 || i-sig > 19 {
		return 0, 0, false // no digit; or so many the mantissa may have wrapped: the slow way
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
		if i == start || i < len(s) && isDigit(s[i]) {
			return 0, 0, false // no exponent digits, or too many for the shortcut
		}
		if eneg {
			exp = -exp
		}
	}
	if mant > 1<<53 {
		return 0, 0, false
	}
	if mant == 0 {
		return 0, i, true
	}
	v := float64(mant)
	switch e := exp - frac; {
	case e > 22 || e < -22:
		return 0, 0, false
	case e > 0:
		v *= pow10[e]
	case e < 0:
		v /= pow10[-e]
	}
	if neg {
		v = -v
	}
	return v, i, true
}
