package report

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Colours: the Okabe–Ito palette, told apart with colour-blindness too,
// and dark enough on white for marks (3:1 and more).
var (
	blue       = color.RGBA{R: 0x00, G: 0x72, B: 0xb2, A: 0xff}
	vermillion = color.RGBA{R: 0xd5, G: 0x5e, B: 0x00, A: 0xff}
	grey       = color.RGBA{R: 0x59, G: 0x59, B: 0x59, A: 0xff}
	ink        = color.RGBA{R: 0x1a, G: 0x1a, B: 0x1a, A: 0xff}
)

// Chart sizes in points; the page scales each SVG to its column width.
const (
	chartW = 360
	chartH = 240
)

// sans is the charts' typeface. The SVG names it without embedding it,
// and the page lists fallbacks (see fontFamily).
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// newPlot returns a plot with labelled axes, sans-serif text and no
// title (the figure's caption is the title).
func newPlot(xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 12)
		a.Label.TextStyle.Color = ink
		a.Tick.Label.Font = font.From(sans, 11)
		a.Tick.Label.Color = ink
		a.Color, a.Tick.Color = ink, ink
	}
	p.Title.TextStyle.Font = font.From(sans, 12)
	p.Legend.TextStyle.Font = font.From(sans, 11)
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	return p
}

// chart is one rendered figure: an inline SVG and its text alternative.
type chart struct {
	ID    string
	Label string // the SVG's <title>: what the chart shows, in words
	SVG   template.HTML
}

// fontFamily is what vgsvg writes for the Liberation Sans face; the page
// adds common fallbacks for browsers without it.
const (
	fontFamily    = "font-family:Liberation Sans;"
	fontFallbacks = "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"
)

// render draws p as an inline SVG element: no XML prolog, a viewBox and
// no fixed size (the page's CSS sets width 100%), role="img" and a
// <title> naming what it shows. gonum/plot panics on some degenerate
// input; that becomes an error naming the chart.
func render(p *plot.Plot, id, label string, w, h vg.Length) (c chart, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("chart %s: %v", id, r)
		}
	}()
	cv := vgsvg.New(w, h)
	p.Draw(draw.New(cv))
	var buf bytes.Buffer
	if _, err := cv.WriteTo(&buf); err != nil {
		return chart{}, fmt.Errorf("chart %s: %w", id, err)
	}
	s := buf.String()
	start := strings.Index(s, "<svg")
	if start < 0 {
		return chart{}, fmt.Errorf("chart %s: the SVG writer wrote no <svg> element", id)
	}
	end := strings.IndexByte(s[start:], '>')
	if end < 0 {
		return chart{}, fmt.Errorf("chart %s: the SVG writer wrote an unterminated <svg> element", id)
	}
	body := strings.TrimSpace(s[start+end+1:])
	body = strings.ReplaceAll(body, fontFamily, fontFallbacks)
	titleID := id + "-title"
	head := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.5g %.5g" role="img" aria-labelledby="%s" id="%s"><title id="%s">%s</title>`,
		w.Points(), h.Points(), titleID, id, titleID, html.EscapeString(label))
	// The SVG is built by gonum/plot from numbers and from text it
	// escapes itself (html.EscapeString in FillString); the label is
	// escaped above.
	return chart{ID: id, Label: label, SVG: template.HTML(head + "\n" + body)}, nil
}

// finite returns the finite values of vs.
func finite(vs []float64) []float64 { return finiteInto(make([]float64, 0, len(vs)), vs) }

// finiteInto returns the finite values of vs in dst's storage (grown if
// need be), so that one buffer serves a column after another.
func finiteInto(dst, vs []float64) []float64 {
	dst = dst[:0]
	for _, v := range vs {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			dst = append(dst, v)
		}
	}
	return dst
}

// histogramChart draws the values in bins of width step from lo to hi
// (values outside go to the end bins, so none is lost).
func histogramChart(id, label, xLabel string, values []float64, lo, hi, step float64) (chart, error) {
	if !(hi > lo) || !(step > 0) {
		return chart{}, fmt.Errorf("chart %s: bad bins [%v, %v) by %v", id, lo, hi, step)
	}
	n := int(math.Ceil((hi - lo) / step))
	if n > maxBins {
		return chart{}, fmt.Errorf("chart %s: %d bins of %v from %v to %v; at most %d", id, n, step, lo, hi, maxBins)
	}
	bins := make([]plotter.HistogramBin, n)
	for k := range bins {
		bins[k] = plotter.HistogramBin{Min: lo + float64(k)*step, Max: lo + float64(k+1)*step}
	}
	peak := 0.0
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		k := min(max(int(math.Floor((v-lo)/step)), 0), n-1)
		bins[k].Weight++
		peak = max(peak, bins[k].Weight)
	}
	h := &plotter.Histogram{Bins: bins, Width: step, FillColor: blue, LineStyle: draw.LineStyle{Color: color.White, Width: vg.Points(0.5)}}
	p := newPlot(xLabel, "rows")
	p.Add(h)
	p.X.Min, p.X.Max = lo, hi
	p.Y.Min, p.Y.Max = 0, peak*1.06
	return render(p, id, label, chartW, chartH)
}

// maxBins bounds a histogram's bins, whatever the data.
const maxBins = 200

// niceStep rounds raw (> 0) up to 1, 2 or 5 times a power of ten; 1 for
// a raw step that is not a positive finite number.
func niceStep(raw float64) float64 {
	if !(raw > 0) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5} {
		if raw <= m*p*(1+1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// binsFor returns histogram bins over the range of the finite values:
// about want of them, of a round width (1, 2 or 5 times a power of ten),
// the first starting on a multiple of it. Whole numbers get bins of at
// least 1, centred on them. No range is assumed: scores, prices or
// counts in the millions alike.
func binsFor(values []float64, want int) (lo, hi, step float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	whole := true
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		lo, hi = min(lo, v), max(hi, v)
		whole = whole && v == math.Trunc(v)
	}
	if lo > hi {
		return 0, 1, 1
	}
	return binsOver(lo, hi, whole, want)
}

// binsOver is binsFor over the range [lo, hi].
func binsOver(lo, hi float64, whole bool, want int) (float64, float64, float64) {
	step := niceStep((hi - lo) / float64(want))
	if hi == lo {
		step = niceStep(math.Max(math.Abs(lo), 1) / 10)
	}
	if whole && step <= 1 {
		return lo - 0.5, hi + 0.5, 1
	}
	lo, hi = math.Floor(lo/step)*step, math.Ceil(hi/step)*step
	if hi <= lo {
		hi = lo + step
	}
	return lo, hi, step
}

// tailShare is the share of values at each end that a histogram may fold
// into its end bins when they stretch its range (see histogramBins).
const tailShare = 0.005

// histogramBins returns the bins of a column's histogram: over its whole
// range, unless a few outliers (at most tailShare of the values at each
// end) stretch it more than threefold; then over the range of the rest,
// the outliers counted in the end bins, and clipped says so. The values
// must be finite; they are reordered.
func histogramBins(vs []float64, want int) (lo, hi, step float64, clipped bool) {
	if len(vs) == 0 {
		return 0, 1, 1, false
	}
	lo, hi = slices.Min(vs), slices.Max(vs)
	k := int(tailShare * float64(len(vs)))
	qlo, qhi := nth(vs, k), nth(vs, len(vs)-1-k) // selections, not a sort: a pass or two a column
	if qhi > qlo && hi-lo > 3*(qhi-qlo) {
		whole := true
		for _, v := range vs {
			whole = whole && v == math.Trunc(v)
		}
		lo, hi, step = binsOver(qlo, qhi, whole, want)
		return lo, hi, step, true
	}
	lo, hi, step = binsFor(vs, want)
	return lo, hi, step, false
}

// span returns a round range over lo and hi with about ten steps: the
// scatter plot's axes.
func span(lo, hi float64) (float64, float64) {
	step := niceStep((hi - lo) / 10)
	if hi == lo {
		step = niceStep(math.Max(math.Abs(lo), 1) / 10)
	}
	a, b := math.Floor(lo/step)*step, math.Ceil(hi/step)*step
	if b <= a {
		b = a + step
	}
	return a, b
}

// scatterChart draws predicted against actual with the identity line,
// both axes over the same range; target names the axes.
func scatterChart(id, label, target string, actual, pred []float64) (chart, error) {
	if len(actual) != len(pred) {
		return chart{}, fmt.Errorf("chart %s: %d actual values for %d predictions", id, len(actual), len(pred))
	}
	xys := make(plotter.XYs, 0, len(actual))
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range actual {
		a, p := actual[i], pred[i]
		if math.IsNaN(a) || math.IsInf(a, 0) || math.IsNaN(p) || math.IsInf(p, 0) {
			continue
		}
		xys = append(xys, plotter.XY{X: a, Y: p})
		lo, hi = min(lo, a, p), max(hi, a, p)
	}
	if len(xys) == 0 {
		return chart{}, fmt.Errorf("chart %s: no finite points", id)
	}
	lo, hi = span(lo, hi)
	s, err := plotter.NewScatter(xys)
	if err != nil {
		return chart{}, fmt.Errorf("chart %s: %w", id, err)
	}
	s.GlyphStyle = draw.GlyphStyle{Color: color.NRGBA{R: 0x00, G: 0x72, B: 0xb2, A: 0xb0}, Radius: vg.Points(1.8), Shape: draw.CircleGlyph{}}
	line, err := plotter.NewLine(plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}})
	if err != nil {
		return chart{}, fmt.Errorf("chart %s: %w", id, err)
	}
	line.LineStyle = draw.LineStyle{Color: vermillion, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}
	p := newPlot("actual "+target, "predicted "+target)
	p.Add(plotter.NewGrid(), s, line)
	p.Legend.Add("rows", s)
	p.Legend.Add("perfect prediction", line)
	p.Legend.Top, p.Legend.Left = true, true
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo, hi, lo, hi
	return render(p, id, label, chartW, chartW)
}

// barChart draws one horizontal bar per name from zero, the first name
// at the top.
func barChart(id, label, xLabel string, names []string, values []float64) (chart, error) {
	if err := checkBars(id, names, values, nil); err != nil {
		return chart{}, err
	}
	n := len(names)
	vals := make(plotter.Values, n)
	for i, v := range values {
		vals[n-1-i] = v
	}
	p := newPlot(xLabel, "")
	b, err := plotter.NewBarChart(vals, vg.Points(math.Min(18, 150/float64(n))))
	if err != nil {
		return chart{}, fmt.Errorf("chart %s: %w", id, err)
	}
	b.Horizontal, b.Color, b.LineStyle.Width = true, blue, 0
	p.Add(plotter.NewGrid(), b)
	p.NominalY(reversed(names)...)
	p.X.Min = math.Min(0, slices.Min(values))
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	return render(p, id, label, chartW, rowsHeight(n))
}

// dotChart draws one point with ± error bars per name, the first name at
// the top, the highlighted one in the accent colour and larger. The axis
// spans the data rather than starting at zero: the differences are what
// matter.
func dotChart(id, label, xLabel string, names []string, values, errs []float64, highlight int) (chart, error) {
	if err := checkBars(id, names, values, errs); err != nil {
		return chart{}, err
	}
	n := len(names)
	pts := make(xyErrs, n)
	for i := range names {
		pts[i] = xyErr{x: values[i], y: float64(n - 1 - i), err: math.Abs(errs[i])}
	}
	p := newPlot(xLabel, "")
	eb, err := plotter.NewXErrorBars(pts)
	if err != nil {
		return chart{}, fmt.Errorf("chart %s: %w", id, err)
	}
	eb.LineStyle = draw.LineStyle{Color: ink, Width: vg.Points(1)}
	dots, err := plotter.NewScatter(pts)
	if err != nil {
		return chart{}, fmt.Errorf("chart %s: %w", id, err)
	}
	dots.GlyphStyleFunc = func(i int) draw.GlyphStyle {
		if i == highlight {
			return draw.GlyphStyle{Color: blue, Radius: vg.Points(5), Shape: draw.CircleGlyph{}}
		}
		return draw.GlyphStyle{Color: grey, Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
	}
	p.Add(plotter.NewGrid(), eb, dots)
	p.NominalY(reversed(names)...)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, e := range pts {
		lo, hi = min(lo, e.x-e.err), max(hi, e.x+e.err)
	}
	pad := math.Max((hi-lo)*0.1, 1e-3)
	p.X.Min, p.X.Max = lo-pad, hi+pad
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	return render(p, id, label, chartW, rowsHeight(n))
}

func checkBars(id string, names []string, values, errs []float64) error {
	if len(names) == 0 || len(names) != len(values) || errs != nil && len(errs) != len(values) {
		return fmt.Errorf("chart %s: %d names, %d values, %d errors", id, len(names), len(values), len(errs))
	}
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("chart %s: %s is %v", id, names[i], v)
		}
		if errs != nil && (math.IsNaN(errs[i]) || math.IsInf(errs[i], 0)) {
			return fmt.Errorf("chart %s: the error of %s is %v", id, names[i], errs[i])
		}
	}
	return nil
}

// rowsHeight is the height of a chart with n rows of bars or dots.
func rowsHeight(n int) vg.Length { return vg.Points(math.Max(110, 50+22*float64(n))) }

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// xyErrs are points with symmetric horizontal errors, for
// plotter.NewXErrorBars and plotter.NewScatter.
type xyErrs []xyErr

type xyErr struct{ x, y, err float64 }

func (e xyErrs) Len() int                        { return len(e) }
func (e xyErrs) XY(i int) (float64, float64)     { return e[i].x, e[i].y }
func (e xyErrs) XError(i int) (float64, float64) { return e[i].err, e[i].err }
