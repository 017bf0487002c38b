package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/search"
)

// family is the candidates of one model family: the one it is shown by
// (the winner when the family has it, else its best by mean CV R²), the
// rest best first, and the grid points skipped.
type family struct {
	Name      string
	Top       *candidate // nil when every candidate of the family was skipped
	Rest      []candidate
	Skipped   []skipped
	HasWinner bool
}

type candidate struct {
	model.Candidate
	Params string
	Winner bool
}

type skipped struct {
	Skipped
	Params string
}

// Tried is the number of the family's grid points, skipped ones included.
func (f family) Tried() int {
	n := len(f.Rest) + len(f.Skipped)
	if f.Top != nil {
		n++
	}
	return n
}

// families groups the candidates and the skipped grid points by family,
// families in order of their first candidate (skipped ones after), each
// family's scored candidates by mean CV R² (best first), ties by name.
func families(cs []model.Candidate, sk []Skipped, selected string) []family {
	var out []family
	index := map[string]int{}
	at := func(name string) *family {
		name = cmp.Or(name, "other")
		i, ok := index[name]
		if !ok {
			i = len(out)
			index[name] = i
			out = append(out, family{Name: name})
		}
		return &out[i]
	}
	for _, c := range cs {
		f := at(c.Family)
		if c.Skipped != "" { // in metrics.json's list, not scored
			f.Skipped = append(f.Skipped, skipped{Skipped: Skipped{Name: c.Name, Family: c.Family, Params: c.Params, Reason: c.Skipped}, Params: params(c.Params)})
			continue
		}
		win := c.Name == selected
		f.Rest = append(f.Rest, candidate{Candidate: c, Params: params(c.Params), Winner: win})
		f.HasWinner = f.HasWinner || win
	}
	for _, s := range sk {
		f := at(s.Family)
		f.Skipped = append(f.Skipped, skipped{Skipped: s, Params: params(s.Params)})
	}
	for i := range out {
		f := &out[i]
		slices.SortStableFunc(f.Rest, func(a, b candidate) int {
			return cmp.Or(cmp.Compare(b.CVR2Mean, a.CVR2Mean), cmp.Compare(a.Name, b.Name))
		})
		top := slices.IndexFunc(f.Rest, func(c candidate) bool { return c.Winner })
		if top < 0 && len(f.Rest) > 0 {
			top = 0
		}
		if top >= 0 {
			c := f.Rest[top]
			f.Top = &c
			f.Rest = slices.Delete(f.Rest, top, top+1)
		}
	}
	return out
}

// familyChart plots each family's shown candidate: its mean CV R² with
// ± one standard deviation; nil when no family has a scored candidate.
func familyChart(fs []family, folds int) (*chart, error) {
	var names []string
	var means, stds []float64
	win := -1
	for _, f := range fs {
		if f.Top == nil {
			continue
		}
		if f.HasWinner {
			win = len(names)
		}
		names = append(names, f.Name)
		means, stds = append(means, f.Top.CVR2Mean), append(stds, f.Top.CVR2Std)
	}
	if len(names) == 0 {
		return nil, nil
	}
	c, err := dotChart("chart-families", "Best candidate of each model family: mean cross-validated R² with ± one standard deviation across folds; the winner's family is the larger blue dot",
		fmt.Sprintf("mean %d-fold cross-validated R² (1 = perfect)", folds), names, means, stds, win)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// params writes a candidate's parameters as "name=value", sorted by
// name, each value as the search spells it (criterion=squared_error,
// n_estimators=256).
func params(p map[string]float64) string {
	parts := make([]string, 0, len(p))
	for _, k := range slices.Sorted(maps.Keys(p)) {
		parts = append(parts, k+"="+search.ParamValue(k, p[k]))
	}
	return strings.Join(parts, ", ")
}
