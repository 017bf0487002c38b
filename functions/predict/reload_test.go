package main

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/predictor"
)

// TestServedAtLoad: what the api keeps per version (field mapping, drift
// monitor) is made when the version loads, beside the explainer the
// predictor built, so that the first request after a load makes nothing.
func TestServedAtLoad(t *testing.T) {
	root, version, _ := driftStore(t)
	p := predictor.New(modelstore.NewDir(root), modelName, nil)
	a := newAPI(p, Limits{MaxBody: 1 << 20, MaxBatch: 10}, slog.New(slog.DiscardHandler))
	assert.Nil(t, a.served.Load(), "nothing is served before a load")
	require.NoError(t, p.Reload(context.Background()))
	sv := a.served.Load()
	require.NotNil(t, sv, "served not made at load")
	assert.Same(t, p.Current(), sv.loaded)
	assert.Equal(t, version, sv.loaded.Version)
	assert.NotNil(t, sv.fs)
	assert.NotNil(t, sv.monitor, "the drift monitor of a model with a training baseline")
	_, err := sv.loaded.Explainer()
	assert.NoError(t, err)
}
