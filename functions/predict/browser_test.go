package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// browserShotDir, when set, receives a copy of every screenshot the browser
// test takes, so a person can look at the pages:
//
//	go test -run Browser ./functions/predict/ -args -browser.screenshots /tmp/shots
var browserShotDir = flag.String("browser.screenshots", "", "also write the browser test's screenshots to this directory")

// browserInstall is what to run when Chromium is missing.
const browserInstall = "bash .ci/install-chromium.sh (or: apt-get install -y chromium)"

// browserTimeout bounds the whole browser test: starting Chromium, every
// page and every wait.
const browserTimeout = 60 * time.Second

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

// newBrowser starts headless Chromium with a fresh profile and returns a
// chromedp context for one tab, bounded by browserTimeout. The browser is
// stopped, and its profile removed, when the test ends; its output is
// logged if the test failed.
func newBrowser(t *testing.T) context.Context {
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
		chromedp.WindowSize(1000, 1200),
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
	return tabCtx
}

// browserReferenceForm is the reference record as the web form's fields.
var browserReferenceForm = []struct{ id, value string }{
	{"gender", "female"},
	{"ethnicity", "group B"},
	{"parental_level_of_education", "bachelor's degree"},
	{"lunch", "standard"},
	{"test_preparation_course", "none"},
}

// browserFillForm picks the reference categories and types the two scores, then
// checks that every field holds what was chosen.
func browserFillForm(t *testing.T, ctx context.Context, reading, writing string) {
	t.Helper()
	var steps []chromedp.Action[chromedp.Void]
	for _, f := range browserReferenceForm {
		steps = append(steps, chromedp.SetValue(chromedp.ID(f.id), f.value))
	}
	steps = append(steps,
		chromedp.Clear(chromedp.ID("reading_score")),
		chromedp.SendKeys(chromedp.ID("reading_score"), reading),
		chromedp.Clear(chromedp.ID("writing_score")),
		chromedp.SendKeys(chromedp.ID("writing_score"), writing),
	)
	require.NoError(t, chromedp.Do(ctx, steps...), "fill the form")
	// A <select> without the option ends up with the value "": read back.
	want := append(browserReferenceForm[:len(browserReferenceForm):len(browserReferenceForm)],
		struct{ id, value string }{"reading_score", reading},
		struct{ id, value string }{"writing_score", writing})
	for _, f := range want {
		got, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID(f.id)))
		require.NoError(t, err, "read #%s", f.id)
		require.Equal(t, f.value, got, "#%s after filling it in", f.id)
	}
}

// browserScreenshot takes a full-page PNG screenshot into dir, checks it is a
// real, non-blank picture, and copies it to -browser.screenshots if given.
func browserScreenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err, "screenshot %s", name)
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, b, 0o644))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.NotZero(t, fi.Size(), "screenshot %s is empty", path)
	img, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err, "screenshot %s is not a PNG", path)
	r := img.Bounds()
	require.True(t, r.Dx() >= 100 && r.Dy() >= 100, "screenshot %s is %dx%d; want a whole page", path, r.Dx(), r.Dy())
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
	if *browserShotDir != "" {
		require.NoError(t, os.MkdirAll(*browserShotDir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(*browserShotDir, name), b, 0o644))
	}
}

// TestBrowserForm drives the web form in headless Chromium the way a person
// would: pick the categories, type the scores, press the button, read the
// predicted score.
func TestBrowserForm(t *testing.T) {
	ctx := newBrowser(t) // skip (or fail under CI) before training anything
	root, version := sampleStore(t)
	base, logs := startServer(t, map[string]string{"MODEL_STORE": root})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})
	shots := t.TempDir()

	// What the JSON API predicts for the same record: the page must show
	// the same number, rounded to two decimals.
	status, _, body := post(t, base+"/predict", "application/json", referenceJSON)
	require.Equal(t, http.StatusOK, status, "POST /predict: %s", body)
	api := decodeAs[predictResponse](t, body)
	require.InDelta(t, modelPrediction(t, root, referenceRecord), api.MathScore, 1e-9, "POST /predict: want what the model predicts in-process")
	wantScore := fmt.Sprintf("%.2f", api.MathScore)

	t.Run("reference record", func(t *testing.T) {
		resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(base+"/"))
		require.NoError(t, err, "GET /")
		require.EqualValues(t, http.StatusOK, resp.Status, "GET /")
		browserFillForm(t, ctx, "72", "74")
		resp, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("submit")))
		require.NoError(t, err, "submit")
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
		for _, f := range browserReferenceForm {
			got, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID(f.id)))
			if assert.NoError(t, err, "read #%s", f.id) {
				assert.Equal(t, f.value, got, "#%s after submitting", f.id)
			}
		}
		browserScreenshot(t, ctx, shots, "result.png")
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
		for _, want := range []string{"reading_score", "150", "between 0 and 100"} {
			assert.Contains(t, text, want, "#errors")
		}
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#score").length`))
		if assert.NoError(t, err) {
			assert.Zero(t, n, "the error page shows a score; want none")
		}
		// The page keeps the values, so the person can correct the one field.
		got, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("reading_score")))
		if assert.NoError(t, err) {
			assert.Equal(t, "150", got, "#reading_score on the error page")
		}
		browserScreenshot(t, ctx, shots, "error.png")
	})
}
