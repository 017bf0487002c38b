package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
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
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("fill the form: %v", err)
	}
	// A <select> without the option ends up with the value "": read back.
	want := append(browserReferenceForm[:len(browserReferenceForm):len(browserReferenceForm)],
		struct{ id, value string }{"reading_score", reading},
		struct{ id, value string }{"writing_score", writing})
	for _, f := range want {
		got, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID(f.id)))
		if err != nil {
			t.Fatalf("read #%s: %v", f.id, err)
		}
		if got != f.value {
			t.Fatalf("#%s = %q after filling it in; want %q", f.id, got, f.value)
		}
	}
}

// browserScreenshot takes a full-page PNG screenshot into dir, checks it is a
// real, non-blank picture, and copies it to -browser.screenshots if given.
func browserScreenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() == 0 {
		t.Fatalf("screenshot %s is empty", path)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot %s is not a PNG: %v", path, err)
	}
	r := img.Bounds()
	if r.Dx() < 100 || r.Dy() < 100 {
		t.Fatalf("screenshot %s is %dx%d; want a whole page", path, r.Dx(), r.Dy())
	}
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
	if blank {
		t.Fatalf("screenshot %s is one colour: nothing was rendered", path)
	}
	if *browserShotDir != "" {
		if err := os.MkdirAll(*browserShotDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*browserShotDir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBrowserForm drives the web form in headless Chromium the way a person
// would: pick the categories, type the scores, press the button, read the
// predicted score.
func TestBrowserForm(t *testing.T) {
	ctx := newBrowser(t) // skip (or fail under CI) before training anything
	root, version := referenceStore(t)
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
	if status != http.StatusOK {
		t.Fatalf("POST /predict: status %d: %s", status, body)
	}
	var api predictResponse
	if err := json.Unmarshal(body, &api); err != nil {
		t.Fatalf("POST /predict: %v: %s", err, body)
	}
	wantScore := fmt.Sprintf("%.2f", api.MathScore)

	t.Run("reference record", func(t *testing.T) {
		resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(base+"/"))
		if err != nil {
			t.Fatalf("GET /: %v", err)
		}
		if resp.Status != http.StatusOK {
			t.Fatalf("GET /: status %d; want 200", resp.Status)
		}
		browserFillForm(t, ctx, "72", "74")
		resp, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("submit")))
		if err != nil {
			t.Fatalf("submit: %v", err)
		}
		if resp.Status != http.StatusOK || !strings.HasSuffix(resp.URL, "/predictdata") {
			t.Fatalf("submit: %d %s; want 200 from /predictdata", resp.Status, resp.URL)
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("score"))); err != nil {
			t.Fatalf("wait for #score: %v", err)
		}
		score, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("score")))
		if err != nil {
			t.Fatalf("read #score: %v", err)
		}
		gotVersion, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("model-version")))
		if err != nil {
			t.Fatalf("read #model-version: %v", err)
		}
		score, gotVersion = strings.TrimSpace(score), strings.TrimSpace(gotVersion)
		if score != wantScore {
			t.Errorf("#score = %q; want %q (POST /predict gave %v)", score, wantScore, api.MathScore)
		}
		if f, err := strconv.ParseFloat(score, 64); err != nil || math.Abs(f-referenceScore) > 0.01 {
			t.Errorf("#score = %q; want %.4f ± 0.01", score, referenceScore)
		}
		if gotVersion != version {
			t.Errorf("#model-version = %q; want %q", gotVersion, version)
		}
		// The form keeps what was submitted, so the person can change one field.
		for _, f := range browserReferenceForm {
			if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID(f.id))); err != nil || got != f.value {
				t.Errorf("#%s after submitting = %q (%v); want %q", f.id, got, err, f.value)
			}
		}
		browserScreenshot(t, ctx, shots, "result.png")
	})

	t.Run("score out of range: the browser refuses", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
			t.Fatalf("GET /: %v", err)
		}
		browserFillForm(t, ctx, "150", "74")
		msg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("reading_score").validationMessage`))
		if err != nil {
			t.Fatal(err)
		}
		if msg == "" {
			t.Fatal("reading_score 150 has no validation message; want the browser to reject it (max=100)")
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("submit"))); err != nil {
			t.Fatalf("click #submit: %v", err)
		}
		// Validation is synchronous: had the form been sent, the page would
		// be leaving for /predictdata by now. Give it time to show if so.
		if err := chromedp.Do(ctx, chromedp.Sleep(500*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		if loc != base+"/" {
			t.Errorf("after submitting reading_score 150 the page is %s; want it to stay on %s/", loc, base)
		}
		scores, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#score, #errors").length`))
		if err != nil {
			t.Fatal(err)
		}
		if scores != 0 {
			t.Errorf("after submitting reading_score 150 the page shows a result or errors; want the form untouched")
		}
		t.Logf("Chromium's message: %s", msg)
	})

	t.Run("score out of range: the server refuses", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
			t.Fatalf("GET /: %v", err)
		}
		browserFillForm(t, ctx, "150", "74")
		// Turn the browser's checks off, as an old browser or a script would.
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector("form").noValidate = true`)); err != nil {
			t.Fatal(err)
		}
		resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("submit")))
		if err != nil {
			t.Fatalf("submit: %v", err)
		}
		if resp.Status != http.StatusBadRequest {
			t.Fatalf("submit with reading_score 150: status %d; want 400", resp.Status)
		}
		var contentType string
		for k, v := range resp.Headers {
			if strings.EqualFold(k, "Content-Type") {
				contentType = fmt.Sprint(v)
			}
		}
		if !strings.HasPrefix(contentType, "text/html") {
			t.Errorf("Content-Type = %q; want text/html for a browser", contentType)
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("errors"))); err != nil {
			t.Fatalf("wait for #errors: %v", err)
		}
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("errors")))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"reading_score", "150", "between 0 and 100"} {
			if !strings.Contains(text, want) {
				t.Errorf("#errors = %q; want it to mention %q", text, want)
			}
		}
		if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#score").length`)); err != nil || n != 0 {
			t.Errorf("the error page shows a score (%d, %v); want none", n, err)
		}
		// The page keeps the values, so the person can correct the one field.
		if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("reading_score"))); err != nil || got != "150" {
			t.Errorf("#reading_score on the error page = %q (%v); want 150", got, err)
		}
		browserScreenshot(t, ctx, shots, "error.png")
	})
}
