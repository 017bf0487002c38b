package pusher_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/pusher"
)

// recording renders a report that spells out the outcome it was given,
// and remembers the outcomes.
func recording(c *pusher.Candidate) *[]pusher.Outcome {
	var seen []pusher.Outcome
	c.Render = func(o pusher.Outcome) ([]byte, error) {
		seen = append(seen, o)
		return []byte("<html>pushed=" + boolText(o.Decision.Pushed) + " reason=" + o.Decision.Reason + "</html>"), nil
	}
	return &seen
}

func boolText(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// snapshot is the store's versions/ and current.json, byte for byte.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, dir := range []string{filepath.Join(root, "m", "versions"), filepath.Join(root, "m", modelstore.CurrentFile)} {
		filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
			if err != nil {
				return nil // absent
			}
			if !e.IsDir() {
				b, rerr := os.ReadFile(p)
				require.NoError(t, rerr)
				out[p] = string(b)
			}
			return nil
		})
	}
	return out
}

// runSummary reads a refused run's metrics.json.
func runSummary(t *testing.T, root, run string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "m", "runs", run, "metrics.json"))
	require.NoError(t, err, "the run's metrics.json")
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func TestRefusedRunsWriteTheirReportBesideTheSummary(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d := modelstore.NewDir(root)

	first := candidate(t, 300, 1, 0.9)
	seen := recording(&first)
	dec, err := push(t, d, first, pusher.Policy{MinR2: 0.5})
	require.NoError(t, err)
	require.True(t, dec.Pushed)
	assert.Equal(t, filepath.Join(root, "m", "versions", dec.Version, "report.html"), dec.Report)
	require.Len(t, *seen, 1)
	assert.True(t, (*seen)[0].Decision.Pushed, "the version's report is told it was pushed")
	assert.Nil(t, (*seen)[0].Decision.Previous, "nothing to compare with")
	report, err := d.ReadFile(ctx, "m", dec.Version, "report.html")
	require.NoError(t, err)
	assert.Contains(t, string(report), "pushed=yes reason=no current model")
	_, err = os.Stat(filepath.Join(root, "m", "runs"))
	assert.ErrorIs(t, err, os.ErrNotExist, "a pushed run writes nothing under runs/")
	pushedVersion := dec.Version

	cases := []struct {
		name   string
		c      pusher.Candidate
		policy pusher.Policy
		err    error
		reason string
	}{
		{"same model", candidate(t, 300, 1, 0.9), pusher.Policy{MinR2: 0.5}, nil, "same sha256"},
		{"worse model", candidate(t, 300, 2, 0.0001), pusher.Policy{MinR2: 0}, nil, "is better on the same held-out rows"},
		{"below MIN_R2", candidate(t, 300, 3, 0.4), pusher.Policy{MinR2: 0.5}, pusher.ErrBelowMinR2, "below MIN_R2 0.5000"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.Now = tc.c.Now.Add(time.Duration(i+1) * time.Minute) // a run id of its own
			seen := recording(&tc.c)
			before := snapshot(t, root)
			dec, err := push(t, d, tc.c, tc.policy)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
			} else {
				require.NoError(t, err)
			}
			assert.False(t, dec.Pushed)
			assert.Contains(t, dec.Reason, tc.reason)
			assert.Equal(t, before, snapshot(t, root), "versions/ and current.json are as they were")
			require.NotEmpty(t, dec.Run)
			assert.NoError(t, dec.ReportErr)
			assert.Equal(t, filepath.Join(root, "m", "runs", dec.Run, "report.html"), dec.Report)

			b, err := os.ReadFile(dec.Report)
			require.NoError(t, err, "the run's report")
			assert.Contains(t, string(b), "pushed=no reason="+dec.Reason, "the report states the reason")
			sum := runSummary(t, root, dec.Run)
			assert.Equal(t, false, sum["pushed"])
			assert.Equal(t, dec.Run, sum["run"])
			assert.Equal(t, dec.Reason, sum["push"].(map[string]any)["reason"])
			assert.Equal(t, pushedVersion, sum["push"].(map[string]any)["previous_version"])

			require.Len(t, *seen, 1)
			prev := (*seen)[0].Decision.Previous
			require.NotNil(t, prev, "the report is told what it was compared with")
			assert.Equal(t, pushedVersion, prev.Version)
			require.NotNil(t, prev.Metrics, "the previous version's metrics.json is read: %s", prev.Note)
			assert.Equal(t, "ols", prev.Metrics.Selected)
			require.NotNil(t, prev.Test, "the previous version is scored on this run's rows: %s", prev.Note)
			assert.Equal(t, tc.c.Test.Len(), prev.Test.Rows)
		})
	}
}

func TestAPushedVersionReportsThePreviousOne(t *testing.T) {
	d := modelstore.NewDir(t.TempDir())
	first := candidate(t, 300, 1, 0.9)
	dec, err := push(t, d, first, pusher.Policy{MinR2: 0.5})
	require.NoError(t, err)
	better := candidate(t, 300, 3, 1)
	seen := recording(&better)
	dec2, err := push(t, d, better, pusher.Policy{MinR2: 0})
	require.NoError(t, err)
	require.True(t, dec2.Pushed)
	require.Len(t, *seen, 1)
	o := (*seen)[0]
	assert.Equal(t, dec2.Version, o.Decision.Version)
	require.NotNil(t, o.Decision.Previous)
	assert.Equal(t, dec.Version, o.Decision.Previous.Version)
	require.NotNil(t, o.Decision.Previous.Test)
	assert.Equal(t, *dec2.PreviousR2, o.Decision.Previous.Test.R2)
	require.NotNil(t, o.Decision.Previous.Metrics)
	assert.InDelta(t, 0.9, o.Decision.Previous.Metrics.Test.R2, 1e-12, "its own recorded R²")
}

// runFailingStore is a directory store that cannot write runs.
type runFailingStore struct{ *modelstore.Dir }

func (runFailingStore) WriteRun(context.Context, string, string, map[string][]byte) error {
	return errors.New("injected: runs/ is not writable")
}

func TestAnUnwritableRunReportDoesNotFailARefusal(t *testing.T) {
	root := t.TempDir()
	d := modelstore.NewDir(root)
	first := candidate(t, 300, 1, 0.9)
	_, err := push(t, d, first, pusher.Policy{MinR2: 0.5})
	require.NoError(t, err)

	dec, err := push(t, runFailingStore{d}, first, pusher.Policy{MinR2: 0.5})
	require.NoError(t, err, "the same model is rightly not pushed, report or not")
	assert.False(t, dec.Pushed)
	assert.Empty(t, dec.Report)
	require.ErrorContains(t, dec.ReportErr, "injected")

	broken := candidate(t, 300, 2, 0.0001)
	broken.Render = func(pusher.Outcome) ([]byte, error) { return nil, errors.New("injected: cannot render") }
	dec, err = push(t, d, broken, pusher.Policy{MinR2: 0})
	require.NoError(t, err, "a worse model is rightly not pushed, report or not")
	require.ErrorContains(t, dec.ReportErr, "cannot render")

	_, err = push(t, runFailingStore{d}, candidate(t, 300, 3, 0.1), pusher.Policy{MinR2: 0.5})
	require.ErrorIs(t, err, pusher.ErrBelowMinR2, "the exit code follows the refusal")
}

func TestTheLoserOfARaceWritesARunReport(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d := modelstore.NewDir(root)
	a, b := candidate(t, 300, 1, 0.9), candidate(t, 300, 2, 0.9)
	base, err := pusher.ReadBase(ctx, d, "m")
	require.NoError(t, err)
	a.Base, b.Base = base, base
	_, err = pusher.Push(ctx, d, "m", a, pusher.Policy{MinR2: 0.5})
	require.NoError(t, err)
	seen := recording(&b)
	dec, err := pusher.Push(ctx, d, "m", b, pusher.Policy{MinR2: 0.5})
	require.ErrorIs(t, err, pusher.ErrLostRace)
	assert.False(t, dec.Pushed)
	require.NotEmpty(t, dec.Run)
	report, rerr := os.ReadFile(dec.Report)
	require.NoError(t, rerr)
	assert.True(t, strings.Contains(string(report), "pushed=no reason=") && strings.Contains(string(report), "lost the race"), "report: %s", report)
	require.Len(t, *seen, 2, "rendered for the version, then for the run")
	assert.True(t, (*seen)[0].Decision.Pushed)
	assert.False(t, (*seen)[1].Decision.Pushed)
}
