package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/explain"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
)

// browserInstall is what to run when Chromium is missing.
const browserInstall = "bash .ci/install-chromium.sh (or: apt-get install -y chromium)"

// browserTimeout bounds the whole browser test: starting Chromium, every
// page and every wait.
const browserTimeout = 90 * time.Second

// browserChromium returns the Chromium binary: $CHROMIUM_PATH if set, else
// chromium on PATH. Without one it skips the test, but fails it when
// CI=true, so that CI never passes without having driven a browser.
func browserChromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("CHROMIUM_PATH=%s: %v", p, err)
		}
		return p
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	msg := "chromium is not on PATH and CHROMIUM_PATH is not set; install it with: " + browserInstall
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browserConsole collects what the pages write to the console: calls of
// console.error, uncaught exceptions and error entries of the browser log
// (a failed request, such as a missing favicon, is one).
type browserConsole struct {
	mu   chan struct{} // a one-slot lock, so that reading never races the collector
	msgs []string
}

func (c *browserConsole) add(m string) {
	c.mu <- struct{}{}
	c.msgs = append(c.msgs, m)
	<-c.mu
}

// take returns the errors collected since the last take.
func (c *browserConsole) take() []string {
	c.mu <- struct{}{}
	defer func() { <-c.mu }()
	out := c.msgs
	c.msgs = nil
	return out
}

// newBrowser starts headless Chromium with a fresh profile and returns a
// chromedp context for one tab, bounded by browserTimeout, and the tab's
// console errors. The browser is stopped, and its profile removed, when
// the test ends; its output is logged if the test failed.
func newBrowser(t *testing.T) (context.Context, *browserConsole) {
	t.Helper()
	exe := browserChromium(t)
	profile := t.TempDir() // created before the cleanup below, so removed after Chromium exits
	output := &syncBuffer{}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		// Root in a container: Chromium's sandbox needs user namespaces.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// The network is closed: keep Chromium from calling home.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.WindowSize(browserDesktop, 900),
		chromedp.CombinedOutput(output),
	)
	ctx, cancelTimeout := context.WithTimeout(context.Background(), browserTimeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for Chromium to exit
		cancelTimeout()
		if t.Failed() {
			t.Logf("chromium output:\n%s", output)
		}
	})
	// Start the browser now, so that a broken install fails here, clearly.
	if err := chromedp.Do(tabCtx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start %s: %v\n%s", exe, err, output)
	}
	console := &browserConsole{mu: make(chan struct{}, 1)}
	msgs := chromedp.Console(tabCtx) // subscribed now; read below until the tab ends
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				console.add(fmt.Sprintf("%s (%s)", m, m.URL))
			}
		}
	}()
	return tabCtx, console
}

// browserForm is what the test enters: the Python original's reference
// record, but with the free or reduced lunch, so that the answers move
// the prediction both up (the scores are above the median) and down.
var browserForm = []struct{ id, value string }{
	{"gender", "female"},
	{"ethnicity", "group B"},
	{"parental_level_of_education", "bachelor's degree"},
	{"lunch", "free/reduced"},
	{"test_preparation_course", "none"},
	{"reading_score", "72"},
	{"writing_score", "74"},
}

// browserRecord is browserForm as a record of the JSON API.
func browserRecord() map[string]any {
	r := map[string]any{}
	for k, v := range referenceRecord {
		r[k] = v
	}
	r["lunch"] = "free/reduced"
	return r
}

// Viewport widths of the screenshots: a desktop and a phone (an iPhone
// 12 to 15 is 390 CSS pixels wide).
const (
	browserDesktop = 1280
	browserPhone   = 390
)

// browserShotDir is where the screenshots go: $ARTIFACTS_DIR when set (CI
// keeps it), else testdata/screenshots (git-ignored), to look at locally.
func browserShotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ARTIFACTS_DIR")
	if dir == "" {
		dir = filepath.Join("testdata", "screenshots")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	abs, err := filepath.Abs(dir)
	require.NoError(t, err)
	return abs
}

// browserScreenshots takes full-page PNG screenshots of the page at the
// desktop and the phone width into dir (name-1280.png, name-390.png),
// checks that each is a real, non-blank picture, and that at the phone
// width nothing is wider than the screen. It leaves the desktop width set.
func browserScreenshots(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	for _, w := range []int64{browserPhone, browserDesktop} {
		opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
		if w == browserPhone {
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
		}
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(w, 800, opts...)), "viewport %d px", w)
		if w == browserPhone {
			scroll, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
			require.NoError(t, err)
			assert.LessOrEqual(t, scroll, browserPhone, "%s at %d px: the page is %d px wide; want no sideways scrolling", name, browserPhone, scroll)
		}
		b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err, "screenshot %s at %d px", name, w)
		path := filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, w))
		require.NoError(t, os.WriteFile(path, b, 0o644))
		img, err := png.Decode(bytes.NewReader(b))
		require.NoError(t, err, "screenshot %s is not a PNG", path)
		r := img.Bounds()
		assert.Equal(t, int(w), r.Dx(), "screenshot %s: width", path)
		require.GreaterOrEqual(t, r.Dy(), 100, "screenshot %s is %dx%d; want a whole page", path, r.Dx(), r.Dy())
		first := img.At(r.Min.X, r.Min.Y)
		blank := true
		for y := r.Min.Y; y < r.Max.Y && blank; y += 4 {
			for x := r.Min.X; x < r.Max.X; x += 4 {
				if img.At(x, y) != first {
					blank = false
					break
				}
			}
		}
		require.False(t, blank, "screenshot %s is one colour: nothing was rendered", path)
		t.Logf("screenshot %s (%dx%d)", path, r.Dx(), r.Dy())
	}
}

// browserNoConsoleErrors fails the test if the pages since the last call
// wrote errors to the console.
func browserNoConsoleErrors(t *testing.T, console *browserConsole, page string) {
	t.Helper()
	// Log entries arrive asynchronously: give the last ones a moment.
	time.Sleep(100 * time.Millisecond)
	assert.Empty(t, console.take(), "%s: console errors", page)
}

// browserFillForm enters browserForm with the keyboard, as a person
// without a mouse would: Tab from the top of the page through every field
// in order, pick each option with the arrow keys and type each score. It
// checks that every field holds what was entered and shows where the
// focus is, and leaves the focus on the submit button.
func browserFillForm(t *testing.T, ctx context.Context, reading, writing string) {
	t.Helper()
	want := slices.Clone(browserForm)
	want[5].value, want[6].value = reading, writing
	// Start from the top of the document, with nothing focused.
	require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)`)))
	for _, f := range want {
		// Tab to the next field: it must be this one (the tab order is the
		// order of the form), skipping nothing but links before the form.
		var focused string
		for range 5 {
			require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)), "Tab to #%s", f.id)
			id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.tagName === "A" ? "a" : document.activeElement.id`))
			require.NoError(t, err)
			if focused = id; id != "a" {
				break
			}
		}
		require.Equal(t, f.id, focused, "Tab: the focus went to #%s; want #%s (fields in the order of the form)", focused, f.id)
		browserFocusVisible(t, ctx, f.id)
		isSelect, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.activeElement.tagName === "SELECT"`))
		require.NoError(t, err)
		if isSelect {
			// Arrow keys move through the options of a closed drop-down.
			at, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(
				`[...document.getElementById(%q).options].findIndex(o => o.value === %q)`, f.id, f.value)))
			require.NoError(t, err)
			require.Positive(t, at, "#%s has no option %q", f.id, f.value)
			cur, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.getElementById(%q).selectedIndex`, f.id)))
			require.NoError(t, err)
			key := kb.ArrowDown
			if cur > at {
				key = kb.ArrowUp
			}
			for i := 0; i < max(at-cur, cur-at); i++ {
				require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(key)), "arrow key in #%s", f.id)
			}
		} else {
			// Select what is there, then type over it.
			require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.activeElement.select()`)))
			require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(f.value)), "type into #%s", f.id)
		}
		got, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID(f.id)))
		require.NoError(t, err, "read #%s", f.id)
		require.Equal(t, f.value, got, "#%s after entering it with the keyboard", f.id)
	}
	require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)), "Tab to the button")
	id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`))
	require.NoError(t, err)
	require.Equal(t, "submit", id, "Tab after the last field: focus on #%s; want the submit button", id)
	browserFocusVisible(t, ctx, "submit")
}

// browserFocusVisible checks that the focused element draws a focus
// indicator: an outline at least 2 px wide.
func browserFocusVisible(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	outline, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`(s => s.outlineStyle + " " + s.outlineWidth)(getComputedStyle(document.activeElement))`))
	require.NoError(t, err)
	style, width, _ := strings.Cut(outline, " ")
	px, _ := strconv.ParseFloat(strings.TrimSuffix(width, "px"), 64)
	assert.True(t, style != "none" && px >= 2, "#%s has the focus but its outline is %q; want a visible focus indicator", id, outline)
}

// browserChecks evaluates a script that returns a list of problems found
// on the page, and reports each.
func browserChecks(t *testing.T, ctx context.Context, page, script string) {
	t.Helper()
	problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](script))
	require.NoError(t, err, "%s: run the checks", page)
	for _, p := range problems {
		assert.Fail(t, page+": "+p)
	}
}

// browserFormChecks are what every page with the form must hold: a
// viewport for phones, an icon that needs no request, every field with
// its label and its help, the fields in one column at the phone width.
const browserFormChecks = `(() => {
	const out = [];
	if (!document.querySelector('meta[name="viewport"][content*="width=device-width"]')) out.push("no meta viewport");
	const icon = document.querySelector('link[rel="icon"]');
	if (!icon || !icon.getAttribute("href").startsWith("data:")) out.push("no inline data: favicon");
	for (const el of document.querySelectorAll("form select, form input")) {
		const label = document.querySelector('label[for="' + el.id + '"]');
		if (!label || !label.textContent.trim()) out.push("#" + el.id + " has no label");
		const ids = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
		if (!ids.length) out.push("#" + el.id + " has no aria-describedby help");
		for (const id of ids) if (!document.getElementById(id)) out.push("#" + el.id + " describedby #" + id + ", which is missing");
	}
	for (const el of document.querySelectorAll("link[href], script[src], img[src]")) {
		const u = new URL(el.getAttribute("href") || el.getAttribute("src"), location.href);
		if (u.protocol !== "data:" && u.origin !== location.origin) out.push("external asset " + u.href);
	}
	if (![...document.querySelectorAll("a")].some(a => a.getAttribute("href") === "/model/report")) out.push("no link to /model/report");
	return out;
})()`

// browserOneColumn checks that at the phone width every field and the
// button start at the same left edge, one under the other.
const browserOneColumn = `(() => {
	const els = [...document.querySelectorAll("form select, form input, form button")];
	const lefts = new Set(els.map(e => Math.round(e.getBoundingClientRect().left)));
	const out = lefts.size === 1 ? [] : ["fields start at " + [...lefts].join(", ") + " px; want one column"];
	for (let i = 1; i < els.length; i++) {
		if (els[i].getBoundingClientRect().top <= els[i-1].getBoundingClientRect().top) out.push("#" + els[i].id + " is not below #" + els[i-1].id);
	}
	return out;
})()`

// TestBrowserForm drives the web form in headless Chromium the way a person
// would: Tab through the fields, pick the categories with the arrow keys,
// type the scores, press the button, read the predicted score and what
// moved it; then the error pages and the training report. It saves
// full-page screenshots of each page at a desktop and a phone width.
func TestBrowserForm(t *testing.T) {
	browserChromium(t) // skip (or fail under CI) before training anything
	root, metrics := trainedStore(t)
	l := loadedModel(t, root)
	version := l.Version
	base, logs := startServer(t, map[string]string{"MODEL_STORE": root})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})
	ctx, console := newBrowser(t)
	shots := browserShotDir(t)

	// What the JSON API predicts for the same record: the page must show
	// the same number, rounded to two decimals.
	record := browserRecord()
	body, err := json.Marshal(record)
	require.NoError(t, err)
	status, _, resp := post(t, base+"/predict", "application/json", string(body))
	require.Equal(t, http.StatusOK, status, "POST /predict: %s", resp)
	api := decodeAs[predictResponse](t, resp)
	require.InDelta(t, modelPrediction(t, root, record), api.MathScore, 1e-9, "POST /predict: want what the model predicts in-process")
	wantScore := fmt.Sprintf("%.2f", api.MathScore)

	t.Run("form", func(t *testing.T) {
		resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(base+"/"))
		require.NoError(t, err, "GET /")
		require.EqualValues(t, http.StatusOK, resp.Status, "GET /")
		browserChecks(t, ctx, "GET /", browserFormChecks)
		browserScreenshots(t, ctx, shots, "form")
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(browserPhone, 800, chromedp.EmulateMobile)))
		browserChecks(t, ctx, "GET / at the phone width", browserOneColumn)
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(browserDesktop, 800)))
		browserNoConsoleErrors(t, console, "GET /")
	})

	t.Run("result", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/")), "GET /")
		browserFillForm(t, ctx, "72", "74")
		resp, err := chromedp.RunResponse(ctx, chromedp.KeyEvent(kb.Enter))
		require.NoError(t, err, "submit with Enter")
		require.EqualValues(t, http.StatusOK, resp.Status, "submit: %s", resp.URL)
		require.True(t, strings.HasSuffix(resp.URL, "/predictdata"), "submit: answered from %s; want /predictdata", resp.URL)
		require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("score"))), "wait for #score")
		score, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("score")))
		require.NoError(t, err, "read #score")
		gotVersion, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("model-version")))
		require.NoError(t, err, "read #model-version")
		score, gotVersion = strings.TrimSpace(score), strings.TrimSpace(gotVersion)
		assert.Equal(t, wantScore, score, "#score (POST /predict gave %v)", api.MathScore)
		if f, err := strconv.ParseFloat(score, 64); assert.NoError(t, err, "#score %q is not a number", score) {
			assert.InDelta(t, api.MathScore, f, 0.005, "#score: the prediction to two decimals")
		}
		assert.Equal(t, version, gotVersion, "#model-version")
		// The form keeps what was submitted, so the person can change one field.
		for _, f := range browserForm {
			got, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID(f.id)))
			if assert.NoError(t, err, "read #%s", f.id) {
				assert.Equal(t, f.value, got, "#%s after submitting", f.id)
			}
		}
		browserChecks(t, ctx, "the result", browserFormChecks)
		browserCheckContributions(t, ctx, l.Model, record)
		browserScreenshots(t, ctx, shots, "result")
		browserNoConsoleErrors(t, console, "the result")
	})

	t.Run("score out of range: the browser refuses", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/")), "GET /")
		browserFillForm(t, ctx, "150", "74")
		msg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("reading_score").validationMessage`))
		require.NoError(t, err)
		require.NotEmpty(t, msg, "reading_score 150 has no validation message; want the browser to reject it (max=100)")
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("submit"))), "click #submit")
		// Validation is synchronous: had the form been sent, the page would
		// be leaving for /predictdata by now. Give it time to show if so.
		require.NoError(t, chromedp.Do(ctx, chromedp.Sleep(500*time.Millisecond)))
		loc, err := chromedp.Run(ctx, chromedp.Location())
		require.NoError(t, err)
		assert.Equal(t, base+"/", loc, "after submitting reading_score 150 the page must stay")
		scores, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#score, #errors").length`))
		require.NoError(t, err)
		assert.Zero(t, scores, "after submitting reading_score 150 the page shows a result or errors; want the form untouched")
		t.Logf("Chromium's message: %s", msg)
		browserNoConsoleErrors(t, console, "the browser's refusal")
	})

	t.Run("score out of range: the server refuses", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/")), "GET /")
		browserFillForm(t, ctx, "150", "74")
		// Turn the browser's checks off, as an old browser or a script would.
		require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector("form").noValidate = true`)))
		resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("submit")))
		require.NoError(t, err, "submit")
		require.EqualValues(t, http.StatusBadRequest, resp.Status, "submit with reading_score 150")
		var contentType string
		for k, v := range resp.Headers {
			if strings.EqualFold(k, "Content-Type") {
				contentType = fmt.Sprint(v)
			}
		}
		assert.True(t, strings.HasPrefix(contentType, "text/html"), "Content-Type = %q; want text/html for a browser", contentType)
		require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("errors"))), "wait for #errors")
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("errors")))
		require.NoError(t, err)
		for _, want := range []string{"Reading score", "150", "between 0 and 100"} {
			assert.Contains(t, text, want, "#errors")
		}
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#score").length`))
		if assert.NoError(t, err) {
			assert.Zero(t, n, "the error page shows a score; want none")
		}
		// The error sits next to the field, which says it is invalid and
		// points to it; the summary links to the field.
		attrs, err := chromedp.Run(ctx, chromedp.Attributes(chromedp.ID("reading_score")))
		require.NoError(t, err)
		assert.Equal(t, "true", attrs["aria-invalid"], "#reading_score aria-invalid")
		assert.Contains(t, strings.Fields(attrs["aria-describedby"]), "reading_score-error", "#reading_score aria-describedby")
		inline, err := chromedp.Run(ctx, chromedp.Evaluate[string](
			`(e => e ? e.getAttribute("role") + ": " + e.textContent : "")(document.getElementById("reading_score-error"))`))
		require.NoError(t, err)
		assert.Regexp(t, `^alert: .*150.*between 0 and 100`, inline, "#reading_score-error")
		n, err = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[aria-invalid="true"]').length`))
		if assert.NoError(t, err) {
			assert.Equal(t, 1, n, "fields marked invalid; want only #reading_score")
		}
		link, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(a => a ? a.getAttribute("href") : "")(document.querySelector("#errors a"))`))
		require.NoError(t, err)
		assert.Equal(t, "#reading_score", link, "the error summary's link")
		// The page keeps the values, so the person can correct the one field.
		for _, f := range browserForm {
			want := f.value
			if f.id == "reading_score" {
				want = "150"
			}
			got, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID(f.id)))
			if assert.NoError(t, err) {
				assert.Equal(t, want, got, "#%s on the error page", f.id)
			}
		}
		browserChecks(t, ctx, "the error page", browserFormChecks)
		browserScreenshots(t, ctx, shots, "error")
		// The request's 400 is logged as a failed resource load: expected.
		for _, m := range console.take() {
			if !strings.Contains(m, "400") {
				assert.Fail(t, "the error page: console error: "+m)
			}
		}
	})

	t.Run("report", func(t *testing.T) {
		resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(base+"/model/report"))
		require.NoError(t, err, "GET /model/report")
		require.EqualValues(t, http.StatusOK, resp.Status, "GET /model/report")
		title, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("h1") ? document.querySelector("h1").textContent : ""`))
		require.NoError(t, err)
		assert.NotEmpty(t, strings.TrimSpace(title), "the report has no <h1>")
		text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		require.NoError(t, err)
		if sel, ok := metrics["selected"].(string); assert.True(t, ok, "metrics.json has no selected: %v", metrics) {
			assert.Contains(t, text, sel, "the report names the selected candidate")
		}
		// Every chart is drawn: it has a size and plotted marks. A mark is
		// a shape with an area, or a line with a length, drawn in a colour
		// (axes, ticks, grid lines and frames are black, white or grey; the
		// data is not), outside text and definitions.
		type chart struct {
			Name          string
			Width, Height float64
			Shapes, Marks int
		}
		charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]chart](`[...document.querySelectorAll("svg")].filter(s => !s.parentElement.closest("svg")).map((s, i) => {
			const r = s.getBoundingClientRect();
			const chromatic = c => {
				const m = (c || "").match(/rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?/);
				if (!m || m[4] === "0") return false;
				const v = [m[1], m[2], m[3]].map(Number);
				return Math.max(...v) - Math.min(...v) > 40;
			};
			const shapes = [...s.querySelectorAll("path, circle, rect, line, polyline, polygon, ellipse")].filter(e => {
				if (e.closest("text, defs, clipPath, mask, symbol, marker, pattern")) return false;
				const b = e.getBBox();
				return b.width > 0 || b.height > 0;
			});
			const marks = shapes.filter(e => { const st = getComputedStyle(e); return chromatic(st.fill) || chromatic(st.stroke); });
			return {Name: s.getAttribute("aria-label") || (s.querySelector("title") || {}).textContent || "svg " + (i + 1),
				Width: r.width, Height: r.height, Shapes: shapes.length, Marks: marks.length};
		})`))
		require.NoError(t, err)
		require.NotEmpty(t, charts, "the report has no <svg> chart")
		for _, c := range charts {
			assert.True(t, c.Width > 50 && c.Height > 50, "chart %q is %.0fx%.0f px: too small to see", c.Name, c.Width, c.Height)
			assert.Positive(t, c.Marks, "chart %q: %d shapes, none of them data in a colour; want plotted marks, not an empty frame", c.Name, c.Shapes)
			t.Logf("chart %q: %.0fx%.0f px, %d shapes, %d marks", c.Name, c.Width, c.Height, c.Shapes, c.Marks)
		}
		browserScreenshots(t, ctx, shots, "report")
		browserNoConsoleErrors(t, console, "GET /model/report")
	})
}

// browserCheckContributions checks the result page's explanation against
// the model's own for record: the typical student's prediction, then one
// line per input, largest first, each in words with its signed points,
// and a bar on the side of its sign, as long as the contribution is in
// proportion to the largest, coloured by sign.
func browserCheckContributions(t *testing.T, ctx context.Context, m *model.Model, record map[string]any) {
	t.Helper()
	var row features.Row
	for _, c := range m.Transform.Categorical {
		row.Cat = append(row.Cat, record[c.Name].(string))
	}
	for _, n := range m.Transform.Numeric {
		row.Num = append(row.Num, record[n.Name].(float64))
	}
	exp, err := explain.New(m)
	require.NoError(t, err, "explainer of the model")
	ex, err := exp.Explain(row)
	require.NoError(t, err, "explain %v in-process", record)

	baseline, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("baseline")))
	require.NoError(t, err, "read #baseline")
	assert.Equal(t, fmt.Sprintf("%.2f", ex.Baseline), strings.TrimSpace(baseline), "#baseline: the typical student's prediction")

	type line struct {
		Text, Side, Colour string
		Bar, Half          float64 // widths in CSS pixels
	}
	lines, err := chromedp.Run(ctx, chromedp.Evaluate[[]line](`[...document.querySelectorAll("#contributions li")].map(li => {
		const bar = li.querySelector(".bar");
		const half = bar ? bar.parentElement : li.querySelector(".track .higher");
		return {Text: li.querySelector(".what").textContent,
			Side: bar ? bar.parentElement.className : "",
			Colour: bar ? getComputedStyle(bar).backgroundColor : "",
			Bar: bar ? bar.getBoundingClientRect().width : 0,
			Half: half.clientWidth};
	})`))
	require.NoError(t, err, "read #contributions")
	require.Len(t, lines, len(m.Features), "#contributions: one line per input")

	order := make([]int, len(m.Features))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmpDesc(math.Abs(ex.Contributions[a]), math.Abs(ex.Contributions[b]))
	})
	top := math.Abs(ex.Contributions[order[0]])
	colours := map[string]string{}
	for k, i := range order {
		c, got := ex.Contributions[i], lines[k]
		f := m.Features[i]
		value := fmt.Sprint(record[f.Name])
		assert.Contains(t, got.Text, " "+value+" (", "line %d should be %s (contribution %+.3f)", k+1, f.Name, c)
		points := fmt.Sprintf("%.1f", math.Abs(c))
		switch {
		case points == "0.0":
			assert.Regexp(t, `\((same as a typical student|0\.0 points vs a typical student)\)$`, got.Text, "line %d (%s, %+.3f)", k+1, f.Name, c)
			assert.Empty(t, got.Side, "line %d (%s, %+.3f): a bar for nothing", k+1, f.Name, c)
			continue
		case c > 0:
			assert.Contains(t, got.Text, "(+"+points+" points vs a typical student)", "line %d (%s, %+.3f)", k+1, f.Name, c)
			assert.Equal(t, "higher", got.Side, "line %d (%s, %+.3f): the bar's side", k+1, f.Name, c)
			colours["up"] = got.Colour
		default:
			assert.Contains(t, got.Text, "(−"+points+" points vs a typical student)", "line %d (%s, %+.3f)", k+1, f.Name, c)
			assert.Equal(t, "lower", got.Side, "line %d (%s, %+.3f): the bar's side", k+1, f.Name, c)
			colours["down"] = got.Colour
		}
		assert.InDelta(t, got.Half*math.Abs(c)/top, got.Bar, 1.5, "line %d (%s, %+.3f): bar width in px, of %.0f px for %.3f", k+1, f.Name, c, got.Half, top)
	}
	require.Len(t, colours, 2, "want contributions of both signs for %v: %v", record, ex.Contributions)
	assert.NotEqual(t, colours["up"], colours["down"], "bars up and down have one colour")
}

// cmpDesc orders larger numbers first.
func cmpDesc(a, b float64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}
