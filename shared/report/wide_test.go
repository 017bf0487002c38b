package report_test

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/metrics"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/report"
	"github.com/studentperf/studentperf/shared/search"
)

// wideTable generates a table unlike the student data: nNum numeric
// features in the thousands, nCat category features of 3 up to maxLevels
// levels with skewed frequencies (a few levels hold most rows), 5% of
// cells missing, and a target "price" in the hundreds of thousands.
func wideTable(rows, nNum, nCat, maxLevels int, seed uint64) *dataset.Table {
	r := rand.New(rand.NewPCG(seed, 18))
	tab := &dataset.Table{Schema: dataset.Schema{Target: "price"}, Target: make([]float64, rows)}
	for j := range nCat {
		levels := 3 + (maxLevels-3)*j/max(1, nCat-1)
		c := dataset.Col{Codes: make([]int32, rows)}
		for k := range levels {
			c.Levels = append(c.Levels, fmt.Sprintf("c%d-level-%d", j, k))
		}
		for i := range c.Codes {
			if r.Float64() < 0.05 {
				c.Codes[i] = -1
				continue
			}
			c.Codes[i] = int32(min(float64(levels-1), math.Floor(r.ExpFloat64()*float64(levels)/8)))
			tab.Target[i] += 100 * float64(c.Codes[i]%7)
		}
		tab.Schema.Features = append(tab.Schema.Features, dataset.Column{Name: fmt.Sprintf("category_%02d", j), Kind: dataset.Category})
		tab.Cols = append(tab.Cols, c)
	}
	for j := range nNum {
		c := dataset.Col{Values: make([]float64, rows)}
		for i := range c.Values {
			if r.Float64() < 0.05 {
				c.Values[i] = math.NaN()
				continue
			}
			c.Values[i] = 1000 + 5000*r.Float64()*float64(j+1)
			tab.Target[i] += 0.3 * c.Values[i]
		}
		tab.Schema.Features = append(tab.Schema.Features, dataset.Column{Name: fmt.Sprintf("number_%02d", j), Kind: dataset.Numeric})
		tab.Cols = append(tab.Cols, c)
	}
	return tab
}

// gridCandidates makes a candidate for every point of the default grid,
// named and parametrised as the search does (a forest and a tree carry
// their default criterion, code 0), with made-up scores.
func gridCandidates() []model.Candidate {
	var out []model.Candidate
	g := search.DefaultGrid()
	for _, fam := range search.Families {
		for _, pg := range g[fam] {
			names := slices.Sorted(maps.Keys(pg))
			combos := []map[string]float64{{}}
			for _, n := range names {
				var next []map[string]float64
				for _, c := range combos {
					for _, v := range pg[n] {
						c2 := maps.Clone(c)
						c2[n] = v
						next = append(next, c2)
					}
				}
				combos = next
			}
			for _, p := range combos {
				var parts []string
				for _, n := range names {
					parts = append(parts, n+"="+search.ParamValue(n, p[n]))
				}
				if fam == search.Forest || fam == search.Tree {
					p["criterion"] = cmp.Or(p["criterion"], 0)
				}
				i := float64(len(out))
				out = append(out, model.Candidate{Name: fam + "(" + strings.Join(parts, ",") + ")", Family: fam, Params: p,
					CVR2Mean: 0.5 + 0.4*math.Abs(math.Sin(i)), CVR2Std: 0.01 + 0.01*math.Abs(math.Cos(i)), FitSeconds: 0.01 * i})
			}
		}
	}
	return out
}

// wideInput is the report of made-up predictions (the target plus noise)
// for every fifth row of tab, with the default grid's candidates.
func wideInput(t testing.TB, tab *dataset.Table) report.Input {
	t.Helper()
	var rows []int
	for i := 0; i < tab.Len(); i += 5 {
		rows = append(rows, i)
	}
	test := tab.Subset(rows)
	r := rand.New(rand.NewPCG(7, 7))
	pred := make([]float64, test.Len())
	for i, y := range test.Target {
		pred[i] = y + 2000*r.NormFloat64()
	}
	tm, err := metrics.EvaluateRegression(test.Target, pred)
	require.NoError(t, err)
	cands := gridCandidates()
	met := &model.Metrics{Selected: cands[0].Name, Test: tm, Train: tm, CV: model.CV{Folds: 5, R2Mean: cands[0].CVR2Mean},
		Candidates: cands, Data: model.DataInfo{URI: "wide.csv", Rows: tab.Len(), SHA256: strings.Repeat("cd", 32)},
		Seed: 42, Stats: dataset.Describe(tab)}
	sl, err := report.Slices(test, pred)
	require.NoError(t, err)
	names := make([]string, len(tab.Schema.Features))
	contrib := make([][]float64, len(pred))
	for j, c := range tab.Schema.Features {
		names[j] = c.Name
	}
	for i := range contrib {
		contrib[i] = make([]float64, len(names))
		for j := range names {
			contrib[i][j] = 100 * float64(j+1) * math.Sin(float64(i*(j+1)))
		}
	}
	imp, err := report.Importances(names, contrib)
	require.NoError(t, err)
	return report.Input{Model: "wide-price", Target: "price", Metrics: met,
		Decision: report.Decision{Pushed: true, Version: "v1", Reason: "no current model"},
		Numeric:  report.NumericSeries(tab), Actual: test.Target, Predicted: pred, Slices: sl, Importance: imp}
}

// sliceRow is one row of an error-by-slice table: its level (or the
// pooled rest) and its held-out rows.
type sliceRow struct {
	Level string
	Rows  int
}

var sliceRowRE = regexp.MustCompile(`<tr[^>]*><(?:th scope="row"|td) class="name">([^<]*)</t[hd]><td class="n">(\d+)</td>`)

func sliceRows(t *testing.T, table string) []sliceRow {
	t.Helper()
	var out []sliceRow
	for _, m := range sliceRowRE.FindAllStringSubmatch(table, -1) {
		n, err := strconv.Atoi(m[2])
		require.NoError(t, err)
		out = append(out, sliceRow{Level: m[1], Rows: n})
	}
	return out
}

// A table of 30 features, 10 of them categories of up to 200 levels:
// every category column has its error-by-slice table, its largest slices
// first, at most 20 of them with the rest pooled in one row; no number is
// assumed to lie in [0, 100].
func TestRenderWideTable(t *testing.T) {
	tab := wideTable(5000, 20, 10, 200, 1)
	in := wideInput(t, tab)
	page, err := report.Render(in)
	require.NoError(t, err)
	s := string(page)
	test := tab.Subset(func() []int {
		var rows []int
		for i := 0; i < tab.Len(); i += 5 {
			rows = append(rows, i)
		}
		return rows
	}())

	for j, c := range tab.Schema.Features {
		if c.Kind != dataset.Category {
			continue
		}
		// What the slices must be, counted here from the held-out rows:
		// each level's rows, largest first, ties by name, missing last.
		counts := map[string]int{}
		for _, code := range test.Cols[j].Codes {
			level := "(missing)"
			if code >= 0 {
				level = test.Cols[j].Levels[code]
			}
			counts[level]++
		}
		want := make([]sliceRow, 0, len(counts))
		for l, n := range counts {
			want = append(want, sliceRow{l, n})
		}
		for _, l := range test.Cols[j].Levels {
			if counts[l] == 0 {
				want = append(want, sliceRow{l, 0})
			}
		}
		slices.SortFunc(want, func(a, b sliceRow) int {
			return cmp.Or(cmp.Compare(b.Rows, a.Rows), cmp.Compare(boolInt(a.Level == "(missing)"), boolInt(b.Level == "(missing)")), cmp.Compare(a.Level, b.Level))
		})
		got := sliceRows(t, tableCaptioned(t, s, strings.ReplaceAll(c.Name, "_", " ")))
		if len(want) <= 20 {
			assert.Equal(t, want, got, "%s: every slice, largest first", c.Name)
			continue
		}
		require.Len(t, got, 21, "%s: the 20 largest slices and the rest pooled", c.Name)
		assert.Equal(t, want[:20], got[:20], "%s: the largest slices first", c.Name)
		rest := 0
		for _, w := range want[20:] {
			rest += w.Rows
		}
		assert.Equal(t, sliceRow{fmt.Sprintf("the other %d levels, pooled", len(want)-20), rest}, got[20], "%s: the rest pooled", c.Name)
		contains(t, s, fmt.Sprintf("<summary>%s: %d slices, the 20 largest shown</summary>", strings.ReplaceAll(c.Name, "_", " "), len(want)))
	}

	// No [0, 100] anywhere: the charts span the data, in the thousands.
	for _, bad := range []string{"0 to 100 ", "0–100", "[0, 100]", "points"} {
		lacks(t, s, bad)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, y := range tab.Target {
		lo, hi = min(lo, y), max(hi, y)
	}
	from, to, step := binsOf(t, s, "chart-dist-price")
	assert.LessOrEqual(t, from, lo, "the target's histogram starts at or below its smallest value")
	assert.GreaterOrEqual(t, to, hi, "and ends at or above its largest")
	assert.Less(t, to-from, 2*(hi-lo), "around the data, not a fixed range")
	assert.LessOrEqual(t, (to-from)/step, 40.0, "a readable number of bins")
	resid := 0.0
	for i, y := range in.Actual {
		resid = max(resid, math.Abs(y-in.Predicted[i]))
	}
	_, lim, _ := binsOf(t, s, "chart-residuals")
	assert.GreaterOrEqual(t, lim, resid, "the residual histogram covers the largest residual")
	assert.Less(t, lim, 3*resid)
	contains(t, svgs(t, s)["chart-scatter"], ">actual price<")

	// Every feature in the data summary: the numeric ones with their
	// range and median, in the data's own scale.
	st := dataset.Describe(tab)
	for _, c := range st.Columns {
		if c.Kind == dataset.Category {
			assert.Regexp(t, `<tr><th scope="row" class="name">`+c.Name+`</th><td class="n">`+strconv.Itoa(len(c.Counts))+`</td><td class="n">`+strconv.Itoa(c.Missing)+`</td>`, s, "%s in the category summary", c.Name)
			continue
		}
		assert.Regexp(t, `class="name">`+c.Name+`</th><td>[a-z]+</td><td class="n">`+strconv.Itoa(c.Missing)+`</td><td class="n">[0-9.]+</td><td class="n">`+regexp.QuoteMeta(fmt.Sprintf("%.2f", c.Min))+`</td><td class="n">[0-9.]+</td><td class="n">[0-9.]+</td><td class="n">`+regexp.QuoteMeta(fmt.Sprintf("%.2f", c.Max))+`</td>`, s, "%s in the numeric summary", c.Name)
	}
	contains(t, s, "Histograms of 7 of the 20 numeric features (the most important first)")
	assert.Equal(t, 8+4, len(svgs(t, s)), "8 histograms, the families, the scatter plot, the residuals, the importance")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// binsOf reads "from A to B in bins of C" in a histogram's title.
func binsOf(t *testing.T, page, id string) (from, to, step float64) {
	t.Helper()
	svg, ok := svgs(t, page)[id]
	require.True(t, ok, "no chart %s", id)
	m := regexp.MustCompile(`from (−?[0-9.e+]+) to ([0-9.e+]+) in bins of ([0-9.e+]+)`).FindStringSubmatch(svg)
	require.NotNil(t, m, "%s: no bins in its title", id)
	f := func(s string) float64 {
		v, err := strconv.ParseFloat(strings.Replace(s, "−", "-", 1), 64)
		require.NoError(t, err)
		return v
	}
	return f(m[1]), f(m[2]), f(m[3])
}

// The candidates: one row per family outside the disclosures, that
// family's best (or the winner, when the family has it, even if another
// of the family scored a hair higher), the rest of each family inside
// its own <details>; parameters by name; skipped grid points with their
// reason.
func TestRenderFoldsCandidatesByFamily(t *testing.T) {
	in, _ := sample(t)
	cands := gridCandidates()
	// The winner: a boost candidate that is not its family's best.
	var boost []model.Candidate
	for _, c := range cands {
		if c.Family == search.Boost {
			boost = append(boost, c)
		}
	}
	slices.SortFunc(boost, func(a, b model.Candidate) int { return cmp.Compare(b.CVR2Mean, a.CVR2Mean) })
	winner := boost[1]
	in.Metrics.Candidates, in.Metrics.Selected = cands, winner.Name
	in.Skipped = []report.Skipped{
		{Name: "knn(k=50,weights=uniform)", Family: search.KNN, Params: map[string]float64{"k": 50, "weights": 0}, Reason: "k 50 is more than the 48 training rows"},
		{Name: "svm(c=1)", Family: "svm", Params: map[string]float64{"c": 1}, Reason: "did not converge"},
	}
	page, err := report.Render(in)
	require.NoError(t, err)
	s := string(page)

	// Outside every <details>: exactly one candidate of each family.
	outside := regexp.MustCompile(`(?s)<details[ >].*?</details>`).ReplaceAllString(s, "")
	main := tableCaptioned(t, outside, "Each family’s best candidate")
	rows := regexp.MustCompile(`<tr[ >]`).FindAllString(main, -1)
	assert.Len(t, rows, len(search.Families)+1+1, "a header row, a row per family and one for the family that was only skipped")
	byFamily := map[string][]model.Candidate{}
	for _, c := range cands {
		byFamily[c.Family] = append(byFamily[c.Family], c)
	}
	for fam, cs := range byFamily {
		shown := 0
		for _, c := range cs {
			if strings.Contains(outside, ">"+c.Name+"<") || strings.Contains(outside, "</span> "+c.Name+"<") {
				shown++
			}
		}
		assert.Equal(t, 1, shown, "family %s: one candidate outside the disclosures", fam)
		best := slices.MaxFunc(cs, func(a, b model.Candidate) int { return cmp.Compare(a.CVR2Mean, b.CVR2Mean) })
		if fam == search.Boost {
			best = winner
		}
		contains(t, main, best.Name+"</td>", "family %s is shown by %s", fam, best.Name)
		// The rest are in the family's disclosure.
		if len(cs) == 1 {
			continue
		}
		d := between(t, s, "<summary>"+fam+": ", "</details>")
		for _, c := range cs {
			if c.Name != best.Name {
				contains(t, d, ">"+c.Name+"</th>", "family %s: %s in its disclosure", fam, c.Name)
			}
		}
	}
	winnerRow := regexp.MustCompile(`<tr class="winner">.*?</tr>`).FindString(main)
	assert.Contains(t, winnerRow, "★ winner:</span> "+winner.Name)
	assert.Equal(t, 1, strings.Count(s, "★ winner"))

	// Parameters by name, never by code.
	contains(t, s, "criterion=squared_error")
	contains(t, s, "criterion=poisson")
	contains(t, s, "n_estimators=256")
	contains(t, s, "learning_rate=0.1,")
	contains(t, s, "weights=distance")
	for _, code := range []string{`criterion=\d`, `weights=\d`} {
		assert.Empty(t, regexp.MustCompile(code+`[^<]*`).FindString(s), "a parameter by its code")
	}

	// Skipped grid points, with the reason, in their family's disclosure;
	// a family with nothing but skipped points has its row.
	contains(t, s, fmt.Sprintf("%d candidates in %d families, and 2 grid points skipped", len(cands), len(search.Families)+1))
	knn := between(t, s, "<summary>knn: ", "</details>")
	contains(t, knn, "19 candidates and 1 skipped")
	contains(t, knn, "k 50 is more than the 48 training rows")
	assert.True(t, regexp.MustCompile(`<th scope="row" class="name">svm</th><td class="name" colspan="5">every grid point skipped</td><td class="n">1</td>`).MatchString(main), "a row for the family whose every grid point was skipped")
	contains(t, between(t, s, "<summary>svm: ", "</details>"), "did not converge")
}

// A table of 100 features, 40 of them categories of 1000 levels: the
// page stays bounded (charts, rows of each slice table, bytes) and says
// what it left out.
func TestRenderVeryWideTable(t *testing.T) {
	tab := wideTable(4000, 60, 40, 1000, 2)
	in := wideInput(t, tab)
	page, err := report.Render(in)
	require.NoError(t, err)
	s := string(page)
	charts := svgs(t, s)
	assert.Equal(t, 8+4, len(charts), "at most 8 histograms, whatever the width")
	assert.Equal(t, 20, fills(charts["chart-importance"], "#0072B2"), "the 20 largest importances")
	contains(t, s, "The chart shows the 20 largest of 100.")
	contains(t, s, "Histograms of 7 of the 60 numeric features")
	contains(t, s, "<summary>The other 36 numeric features</summary>", "the numeric summary (the target and 60 features) folds after 25 rows")
	contains(t, s, "<summary>The other 15 category features</summary>")
	for _, c := range tab.Schema.Features {
		if c.Kind == dataset.Category {
			assert.LessOrEqual(t, len(sliceRows(t, tableCaptioned(t, s, strings.ReplaceAll(c.Name, "_", " ")))), 21, c.Name)
		}
	}
	assert.Less(t, len(page), 1<<20, "the page is %d bytes", len(page))
	lacks(t, s, "<details open>", "40 category columns start folded")
}

// between returns the text of s from the first from to the next to.
func between(t *testing.T, s, from, to string) string {
	t.Helper()
	i := strings.Index(s, from)
	require.GreaterOrEqual(t, i, 0, "no %q", from)
	j := strings.Index(s[i:], to)
	require.GreaterOrEqual(t, j, 0, "no %q after %q", to, from)
	return s[i : i+j]
}

// contains and lacks are assert.Contains and NotContains that, on
// failure, print what was looked for rather than a whole page.
func contains(t *testing.T, s, sub string, msg ...any) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Errorf("no %q in the %d bytes looked at %v", sub, len(s), msg)
	}
}

func lacks(t *testing.T, s, sub string, msg ...any) {
	t.Helper()
	if i := strings.Index(s, sub); i >= 0 {
		t.Errorf("%q at byte %d: …%s… %v", sub, i, s[max(0, i-80):min(len(s), i+80)], msg)
	}
}

// The schema the data was read with: every column with its kind and
// reason, the ignored ones named where they cannot be missed.
func TestRenderShowsTheSchema(t *testing.T) {
	in, _ := sample(t)
	lo, hi := 0.0, 100.0
	in.Columns = []dataset.Column{
		{Name: "id", Kind: dataset.Ignored, Reason: "unique on every row: an identifier"},
		{Name: "carat", Kind: dataset.Numeric, Reason: "every value is a number (0.2 to 5.01, 273 distinct)"},
		{Name: "reading_score", Kind: dataset.Numeric, Required: true, Min: &lo, Max: &hi},
	}
	page, err := report.Render(in)
	require.NoError(t, err)
	s := string(page)
	contains(t, s, "3 columns besides the target; ignored: <code>id</code> (unique on every row: an identifier).")
	table := tableCaptioned(t, s, "The schema: each column’s kind, and why")
	contains(t, table, `<th scope="row" class="name">carat</th><td>numeric</td><td>no: imputed</td><td>none</td><td class="name">every value is a number (0.2 to 5.01, 273 distinct)</td>`)
	contains(t, table, `<th scope="row" class="name">reading_score</th><td>numeric</td><td>yes</td><td>between 0 and 100</td><td class="name">declared by the schema</td>`)

	in.Columns = nil
	page, err = report.Render(in)
	require.NoError(t, err)
	lacks(t, string(page), "The schema:")
}

// A large held-out set does not make a scatter plot of a point per row:
// at most 2,000 evenly spaced ones, and the title says so.
func TestRenderBoundsTheScatterPlot(t *testing.T) {
	in := wideInput(t, wideTable(25_000, 3, 2, 10, 3)) // 5,000 held-out rows
	page, err := report.Render(in)
	require.NoError(t, err)
	sc := svgs(t, string(page))["chart-scatter"]
	assert.Equal(t, 1667, arcs(sc)-1, "every third row, and the legend's circle")
	contains(t, sc, "for 1667 evenly spaced rows of the 5000 held-out rows")
}

// BenchmarkRenderMillionRows renders the report of a million-row table
// of 30 features (10 categories of up to 200 levels), 200,000 held out:
// what the report adds to a training run on a large table.
func BenchmarkRenderMillionRows(b *testing.B) {
	in := wideInput(b, wideTable(1_000_000, 20, 10, 200, 4))
	b.ResetTimer()
	for b.Loop() {
		if _, err := report.Render(in); err != nil {
			b.Fatal(err)
		}
	}
}
