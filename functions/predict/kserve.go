package main

import (
	"net/http"

	"github.com/studentperf/studentperf/functions/predict/internal/request"
)

// KServe's V1 data plane: GET /v1/models/{model} says whether the model is
// ready, POST /v1/models/{model}:predict scores {"instances": [...]} (each
// a record, or an array of the feature values in schema order) and
// answers {"predictions": [...]}.

// kserveModel is the answer of GET /v1/models/{model}.
type kserveModel struct {
	Name  string `json:"name"`
	Ready bool   `json:"ready"`
	Error string `json:"error,omitempty"`
}

func (a *api) kserveReady() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.checkModelName(r); err != nil {
			writeError(w, err)
			return
		}
		l, _, err := a.current()
		if err != nil {
			writeJSON(w, http.StatusServiceUnavailable, kserveModel{Name: a.pred.Name(), Error: err.Error()})
			return
		}
		w.Header().Set("X-Model-Version", l.Version)
		writeJSON(w, http.StatusOK, kserveModel{Name: a.pred.Name(), Ready: true})
	}
}

// kservePredictions is the answer of :predict.
type kservePredictions struct {
	Predictions []float64 `json:"predictions"`
}

func (a *api) kservePredict() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.checkModelName(r); err != nil {
			writeError(w, err)
			return
		}
		l, fs, err := a.current()
		if err != nil {
			writeError(w, err)
			return
		}
		body, _, err := readBody(w, r, a.limits, mediaJSON)
		if err != nil {
			writeError(w, err)
			return
		}
		rows, err := request.Instances(body, fs, a.limits.MaxBatch)
		if err != nil {
			writeError(w, err)
			return
		}
		preds, err := a.predictRows(w, l, rows)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, kservePredictions{Predictions: preds})
	}
}
