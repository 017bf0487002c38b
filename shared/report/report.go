// Package report renders the human-readable training report: one
// self-contained HTML page whose charts are inline SVG, so it needs no
// other files and opens from S3 or a disk alike.
package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"math"
	"slices"

	"github.com/studentperf/studentperf/shared/model"
)

//go:embed report.html.tmpl
var pageText string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"f4":  func(f float64) string { return fmt.Sprintf("%.4f", f) },
	"f2":  func(f float64) string { return fmt.Sprintf("%.2f", f) },
	"pct": func(f float64) string { return fmt.Sprintf("%.1f", 100*f) },
}).Parse(pageText))

// Input is what the report shows.
type Input struct {
	Model     string
	Metrics   *model.Metrics
	Actual    []float64 // held-out targets
	Predicted []float64 // the selected model's predictions for them
}

// Render returns the report page.
func Render(in Input) ([]byte, error) {
	if in.Metrics == nil {
		return nil, fmt.Errorf("render report: no metrics")
	}
	if len(in.Actual) != len(in.Predicted) {
		return nil, fmt.Errorf("render report: %d targets for %d predictions", len(in.Actual), len(in.Predicted))
	}
	data := struct {
		Input
		Bars    []bar
		Scatter template.HTML
		Resid   template.HTML
	}{Input: in, Bars: bars(in.Metrics.Candidates), Scatter: scatter(in.Actual, in.Predicted), Resid: histogram(in.Actual, in.Predicted)}
	var buf bytes.Buffer
	if err := page.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("render report: %w", err)
	}
	return buf.Bytes(), nil
}

type bar struct {
	Name     string
	Mean     float64
	Std      float64
	Width    float64 // percent of the chart
	Selected bool
	Seconds  float64
}

// bars scales each candidate's mean CV R² between the worst and best.
func bars(cs []model.Candidate) []bar {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range cs {
		lo, hi = math.Min(lo, c.CVR2Mean), math.Max(hi, c.CVR2Mean)
	}
	span := hi - lo
	out := make([]bar, len(cs))
	for i, c := range cs {
		w := 100.0
		if span > 0 {
			w = 10 + 90*(c.CVR2Mean-lo)/span
		}
		out[i] = bar{Name: c.Name, Mean: c.CVR2Mean, Std: c.CVR2Std, Width: w, Seconds: c.FitSeconds}
	}
	return out
}

const svgSize = 320

// scatter draws predicted against actual scores (at most 2000 points,
// evenly sampled) with the identity line.
func scatter(actual, pred []float64) template.HTML {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="predicted against actual">`, svgSize, svgSize, svgSize, svgSize)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff" stroke="#999"/>`, svgSize, svgSize)
	fmt.Fprintf(&b, `<line x1="0" y1="%d" x2="%d" y2="0" stroke="#c33" stroke-dasharray="4"/>`, svgSize, svgSize)
	step := max(1, len(actual)/2000)
	for i := 0; i < len(actual); i += step {
		x := clamp(actual[i]) * svgSize / 100
		y := svgSize - clamp(pred[i])*svgSize/100
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2" fill="#36c" fill-opacity="0.5"/>`, x, y)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from numbers only
}

// histogram draws the residuals (actual − predicted) in 2-point bins.
func histogram(actual, pred []float64) template.HTML {
	const bins, lo, width = 30, -30.0, 2.0
	counts := make([]int, bins)
	for i := range actual {
		k := int(math.Floor((actual[i] - pred[i] - lo) / width))
		counts[min(max(k, 0), bins-1)]++
	}
	peak := max(1, slices.Max(counts))
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="160" viewBox="0 0 %d 160" role="img" aria-label="residuals">`, svgSize, svgSize)
	bw := float64(svgSize) / bins
	for k, c := range counts {
		h := 150 * float64(c) / float64(peak)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#36c"/>`, float64(k)*bw, 155-h, bw-1, h)
	}
	fmt.Fprintf(&b, `<line x1="%.1f" y1="0" x2="%.1f" y2="160" stroke="#c33"/>`, float64(svgSize)/2, float64(svgSize)/2)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from numbers only
}

func clamp(v float64) float64 { return math.Min(100, math.Max(0, v)) }
