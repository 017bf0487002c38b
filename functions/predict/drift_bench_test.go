package main

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/predictor"
)

// BenchmarkHandlerPredictDrift is BenchmarkHandlerPredict over a model
// with a training baseline, with drift counting on and off: the cost of
// counting one record.
func BenchmarkHandlerPredictDrift(b *testing.B) {
	root, _, _ := driftStore(b)
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			log := slog.New(slog.NewJSONHandler(io.Discard, nil))
			p := predictor.New(modelstore.NewDir(root), modelName, log)
			require.NoError(b, p.Reload(context.Background()))
			a := newAPI(p, Limits{MaxBody: 1 << 20, MaxBatch: 10000}, log)
			a.drift = on
			h := a.handler()
			postLoop(b, h, "/predict")
		})
	}
}

// BenchmarkHandlerPredictExplain is one POST /predict?explain=true.
func BenchmarkHandlerPredictExplain(b *testing.B) {
	h := benchHandler(b)
	postLoop(b, h, "/predict?explain=true")
}
