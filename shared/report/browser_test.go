package report_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/report"
)

// chromium returns the Chromium to drive: $CHROMIUM_PATH or chromium on
// PATH. Without one the test skips, and fails under CI=true.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		return p
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	msg := "chromium is not on PATH and CHROMIUM_PATH is not set; install it with .ci/install-chromium.sh"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// The page stays short whatever the table: its height in headless
// Chromium at a desktop and a phone width, for the student data (with
// the default grid's candidates, as train renders it) and for generated
// tables of 30 features (10 categories of up to 200 levels) and 100
// features (40 categories of 1000 levels).
func TestRenderHeightInChromium(t *testing.T) {
	exe := chromium(t)
	student, _ := sample(t)
	student.Metrics.Candidates = gridCandidates()
	student.Metrics.Selected = student.Metrics.Candidates[0].Name
	pages := []struct {
		name           string
		in             report.Input
		desktop, phone int // the most pixels allowed
	}{
		{"student", student, 9_000, 12_000},
		{"30 features", wideInput(t, wideTable(5000, 20, 10, 200, 1)), 10_000, 14_000},
		{"100 features", wideInput(t, wideTable(4000, 60, 40, 1000, 2)), 12_000, 18_000},
	}
	dir := t.TempDir()
	ctx := newBrowser(t, exe)
	for _, p := range pages {
		page, err := report.Render(p.in)
		require.NoError(t, err, p.name)
		file := filepath.Join(dir, "report.html")
		require.NoError(t, os.WriteFile(file, page, 0o644))
		for _, w := range []struct {
			width, most int
		}{{1280, p.desktop}, {390, p.phone}} {
			require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(int64(w.width), 900)), "%s at %d px", p.name, w.width)
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("file://"+file)), "%s at %d px", p.name, w.width)
			h, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollHeight`))
			require.NoError(t, err, "%s at %d px", p.name, w.width)
			t.Logf("%s report: %d px tall at %d px wide (%d bytes)", p.name, h, w.width, len(page))
			assert.LessOrEqual(t, h, w.most, "%s report at %d px wide", p.name, w.width)
			assert.Greater(t, h, 2000, "%s report at %d px wide: the page rendered", p.name, w.width)
		}
	}
}

func newBrowser(t *testing.T, exe string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox, // root in a container: the sandbox needs user namespaces
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	ctx, cancelTimeout := context.WithTimeout(context.Background(), 2*time.Minute)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelTimeout()
	})
	return tabCtx
}
