package explain

import "fmt"

// Linear adds to phi the baseline Shapley values of a linear model
// f(x) = b + Σ_c w[c]·x[c] whose column c belongs to feature owner[c]:
// φ_j += Σ_{c: owner[c] = j} w[c]·(x[c] − ref[c]). Any encoding in which a
// column depends on one feature only (a scaled score, one-hot levels of a
// category) is covered, since v(S) is then additive over the features.
func Linear(w, x, ref []float64, owner []int, phi []float64) error {
	if len(x) != len(w) || len(ref) != len(w) || len(owner) != len(w) {
		return fmt.Errorf("linear shapley: %d weights, %d values, %d reference values and %d owners", len(w), len(x), len(ref), len(owner))
	}
	for c, o := range owner {
		if o < 0 || o >= len(phi) {
			return fmt.Errorf("linear shapley: column %d belongs to feature %d of %d", c, o, len(phi))
		}
	}
	for c, o := range owner {
		phi[o] += w[c] * (x[c] - ref[c])
	}
	return nil
}
