package search

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/studentperf/studentperf/shared/tree"
)

// The families, simplest first: ties in CV R² go to the earlier family.
const (
	Linear   = "linear"
	KNN      = "knn"
	Tree     = "tree"
	Forest   = "forest"
	AdaBoost = "adaboost"
	Boost    = "boost"
)

// Families lists every family in tie-breaking order.
var Families = []string{Linear, KNN, Tree, Forest, AdaBoost, Boost}

// counts is the grid parameter an ensemble stages instead of refitting.
const counts = "n_estimators"

// rowCap is the grid parameter of every family but linear that fits a
// configuration on a seeded subsample of at most that many training rows
// (on each fold and in the refit); absent or 0, it fits on every row. It
// has no default, so a grid without it names and records its candidates as
// before it existed.
const rowCap = "max_rows"

// Grid maps a family to one or more parameter grids (as scikit-learn's
// param_grid takes a list of dicts); each grid maps a parameter to its
// values. The linear family takes no parameters: its grid is package linear's.
type Grid map[string][]map[string][]float64

var nEst = []float64{8, 16, 32, 64, 128, 256}

// DefaultGrid is the Python original's grids (its CatBoost and XGBoost
// grids run as gradient boosting with their depth and L2 penalty), plus the
// linear family and the kNN grid of its notebook.
func DefaultGrid() Grid {
	return Grid{
		Linear:   {{}},
		KNN:      {{"k": {1, 2, 3, 5, 7, 10, 15, 20, 30, 50}, "weights": {0, 1}}},
		Tree:     {{"criterion": {0, 1, 2, 3}}},
		Forest:   {{counts: nEst}},
		AdaBoost: {{"learning_rate": {0.1, 0.01, 0.5, 0.001}, counts: nEst}},
		Boost: {
			// scikit-learn's GradientBoostingRegressor: depth 3
			{"learning_rate": {0.1, 0.01, 0.05, 0.001}, "subsample": {0.6, 0.7, 0.75, 0.8, 0.85, 0.9}, counts: nEst},
			// XGBRegressor's defaults: depth 6, λ = 1
			{"learning_rate": {0.1, 0.01, 0.05, 0.001}, counts: nEst, "max_depth": {6}, "l2": {1}},
			// CatBoostRegressor's grid: depth, rate, iterations; λ = 3
			{"max_depth": {6, 8, 10}, "learning_rate": {0.01, 0.05, 0.1}, counts: {30, 50, 100}, "l2": {3}},
			// Ours: stumps, an additive model, which suits these nearly linear
			// scores (CV R² 0.864 on stud.csv, where depth 3 reaches 0.860).
			{"max_depth": {1}, "learning_rate": {0.1}, "subsample": {0.7, 1}, counts: {64, 128, 256, 512}},
		},
	}
}

// SmallRows is the most training rows the default search runs the
// original's whole grids on (DefaultGrid); above it, DefaultGridFor's
// grids, whose cost grows at most linearly with the rows.
const SmallRows = 2_000

// LargeRows is the training-set size above which DefaultGridFor keeps a
// single tree configuration.
const LargeRows = 100_000

// SubsampleRows caps the training rows of the families whose fit or
// prediction costs more than linearly in the rows (kNN, forests of deep
// trees, AdaBoost) in DefaultGridFor's grids above SmallRows.
const SubsampleRows = 2_000

// DefaultGridFor is the default grid for a training set of rows rows: up
// to SmallRows, DefaultGrid, the original's grids, unchanged. Above, a grid
// whose every candidate costs at most linearly in the rows: the linear
// family on every row; kNN, the forest and AdaBoost on a seeded subsample
// of SubsampleRows rows of each fold (max_rows); a single tree on every
// row at two depths and criteria; and gradient boosting on every row as
// scikit-learn's HistGradientBoostingRegressor grows it (31 leaves best
// first, 20 rows a leaf, rate 0.1), staged: one fit per fold to 400 trees
// scores 50, 100, 200 and 400. Above LargeRows the tree keeps one depth.
func DefaultGridFor(rows int) Grid {
	if rows <= SmallRows {
		return DefaultGrid()
	}
	sub := []float64{SubsampleRows}
	g := Grid{
		Linear:   {{}},
		KNN:      {{"k": {5, 10, 20, 50}, "weights": {0, 1}, rowCap: sub}},
		Tree:     {{"criterion": {0, 1}, "max_depth": {8, 12}, "min_samples_leaf": {5}}},
		Forest:   {{counts: {16, 32, 64}, rowCap: sub}},
		AdaBoost: {{"learning_rate": {0.1, 0.5}, counts: {16, 32, 64}, rowCap: sub}},
		Boost:    {{"max_leaves": {31}, "max_depth": {0}, "min_samples_leaf": {20}, "learning_rate": {0.1}, counts: {50, 100, 200, 400}}},
	}
	if rows > LargeRows {
		g[Tree] = []map[string][]float64{{"max_depth": {12}, "min_samples_leaf": {5}}}
	}
	return g
}

// params lists each family's parameters and their defaults (scikit-learn's
// where it has one; 0 is unlimited or all).
var params = map[string]map[string]float64{
	Linear:   {},
	KNN:      {"k": 5, "weights": 0},
	Tree:     {"criterion": 0, "max_depth": 0, "min_samples_leaf": 1, "min_samples_split": 2, "max_leaves": 0, "max_features": 0, "max_bins": 255},
	Forest:   {counts: 100, "criterion": 0, "max_depth": 0, "min_samples_leaf": 1, "min_samples_split": 2, "max_features": 0, "bootstrap": 1, "max_bins": 255},
	AdaBoost: {counts: 50, "learning_rate": 1, "max_depth": 3, "max_bins": 255},
	Boost:    {counts: 100, "learning_rate": 0.1, "subsample": 1, "max_depth": 3, "max_leaves": 0, "min_samples_leaf": 1, "l2": 0, "max_bins": 255},
}

// Names of the non-numeric values: criteria and kNN weights.
var valueNames = map[string][]string{
	"criterion": {"squared_error", "friedman_mse", "absolute_error", "poisson"},
	"weights":   {"uniform", "distance"},
}

// ParseGrid reads a grid file: a JSON object of family → grid or list of
// grids, each a parameter → list of values; criteria and kNN weights may
// be given by name. Only the families named are searched.
func ParseGrid(data []byte) (Grid, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("grid: %w", err)
	}
	g := Grid{}
	for fam, msg := range raw {
		if _, ok := params[fam]; !ok {
			return nil, fmt.Errorf("grid: unknown family %q (want one of %v)", fam, Families)
		}
		var list []map[string][]any
		if err := json.Unmarshal(msg, &list); err != nil {
			var one map[string][]any
			if err := json.Unmarshal(msg, &one); err != nil {
				return nil, fmt.Errorf("grid: family %q: want an object of parameter → list of values, or a list of them", fam)
			}
			list = []map[string][]any{one}
		}
		for _, m := range list {
			pg := map[string][]float64{}
			for name, vals := range m {
				if len(vals) == 0 {
					return nil, fmt.Errorf("grid: family %q parameter %q has no values", fam, name)
				}
				if fam == Linear {
					return nil, fmt.Errorf("grid: family %q takes no parameters (its grid is linear.Grid)", fam)
				}
				for _, v := range vals {
					f, err := value(name, v)
					if err != nil {
						return nil, fmt.Errorf("grid: family %q: %w", fam, err)
					}
					pg[name] = append(pg[name], f)
				}
			}
			g[fam] = append(g[fam], pg)
		}
	}
	return g, g.check()
}

func value(name string, v any) (float64, error) {
	switch v := v.(type) {
	case float64:
		return v, nil
	case string:
		if i := slices.Index(valueNames[name], v); i >= 0 {
			return float64(i), nil
		}
		if name == "criterion" {
			_, err := tree.ParseCriterion(v)
			return 0, err
		}
		return 0, fmt.Errorf("parameter %s: unknown value %q", name, v)
	}
	return 0, fmt.Errorf("parameter %s: value %v is neither a number nor a name", name, v)
}

// ParamValue writes parameter name's value v as candidate names spell
// it: a criterion or a kNN weighting by its name ("squared_error",
// "distance"), any other value as the shortest decimal that reads back
// as v ("256", "0.1").
func ParamValue(name string, v float64) string {
	if names, ok := valueNames[name]; ok && v >= 0 && v < float64(len(names)) && v == math.Trunc(v) {
		return names[int(v)]
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// Only keeps the named families (comma-separated; "all" keeps every one).
func (g Grid) Only(families string) (Grid, error) {
	if families == "" || families == "all" {
		return g, nil
	}
	out := Grid{}
	for _, f := range strings.Split(families, ",") {
		f = strings.TrimSpace(f)
		if _, ok := params[f]; !ok {
			return nil, fmt.Errorf("unknown family %q (want one of %v, or all)", f, Families)
		}
		if _, ok := g[f]; !ok {
			return nil, fmt.Errorf("family %q has no grid", f)
		}
		out[f] = g[f]
	}
	return out, nil
}

// check rejects unknown parameters, empty value lists and values no fit
// accepts, before any work starts.
func (g Grid) check() error {
	if len(g) == 0 {
		return fmt.Errorf("grid: no families")
	}
	_, err := g.configs()
	return err
}

// config is one fit: a family's parameters except the tree count, and the
// candidates (one per count, increasing) it scores.
type config struct {
	family string
	params map[string]float64 // with defaults filled in
	counts []int              // ensembles: the staged counts; else nil
	specs  []Spec             // one per count (one when counts is nil)
}

// configs expands the grid in family order, each grid's parameters in name
// order, into fits and their candidates.
func (g Grid) configs() ([]config, error) {
	var out []config
	for _, fam := range Families {
		grids, ok := g[fam]
		if !ok || fam == Linear {
			continue
		}
		for _, pg := range grids {
			names := slices.Sorted(maps.Keys(pg))
			for _, n := range names {
				if _, ok := params[fam][n]; !ok && n != rowCap {
					return nil, fmt.Errorf("grid: family %q has no parameter %q (it has %v)", fam, n, slices.Sorted(maps.Keys(params[fam])))
				}
				if len(pg[n]) == 0 {
					return nil, fmt.Errorf("grid: family %q parameter %q has no values", fam, n)
				}
			}
			var fixed []string // names without the staged count
			for _, n := range names {
				if n != counts || !staged(fam) {
					fixed = append(fixed, n)
				}
			}
			for _, combo := range product(pg, fixed) {
				p := maps.Clone(params[fam])
				maps.Copy(p, combo)
				c := config{family: fam, params: p}
				if staged(fam) {
					cs := pg[counts]
					if cs == nil {
						cs = []float64{p[counts]}
					}
					for _, v := range slices.Sorted(slices.Values(slices.Compact(slices.Sorted(slices.Values(cs))))) {
						if v != math.Trunc(v) || v < 1 || v > 1e5 {
							return nil, fmt.Errorf("grid: family %q: %s %v must be a whole number in [1, 100000]", fam, counts, v)
						}
						c.counts = append(c.counts, int(v))
					}
					for _, n := range c.counts {
						sp := maps.Clone(p)
						sp[counts] = float64(n)
						c.specs = append(c.specs, spec(fam, sp, pg))
					}
				} else {
					c.specs = []Spec{spec(fam, p, pg)}
				}
				if err := c.check(); err != nil {
					return nil, fmt.Errorf("grid: candidate %q: %w", c.specs[0].Name, err)
				}
				out = append(out, c)
			}
		}
	}
	return out, nil
}

func staged(fam string) bool { return fam == Forest || fam == AdaBoost || fam == Boost }

// product lists every combination of the named parameters' values, the
// last name varying fastest.
func product(pg map[string][]float64, names []string) []map[string]float64 {
	out := []map[string]float64{{}}
	for _, n := range names {
		var next []map[string]float64
		for _, m := range out {
			for _, v := range pg[n] {
				c := maps.Clone(m)
				c[n] = v
				next = append(next, c)
			}
		}
		out = next
	}
	return out
}

// spec names a candidate by its family and the parameters its grid sets.
func spec(fam string, p map[string]float64, pg map[string][]float64) Spec {
	var parts []string
	for _, n := range slices.Sorted(maps.Keys(pg)) {
		parts = append(parts, n+"="+ParamValue(n, p[n]))
	}
	return Spec{Name: fam + "(" + strings.Join(parts, ",") + ")", Family: fam, Params: p}
}
