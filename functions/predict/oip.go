package main

import (
	"fmt"
	"net/http"

	"github.com/studentperf/studentperf/functions/predict/internal/request"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
)

type oipTensorMeta struct {
	Name     string  `json:"name"`
	Datatype string  `json:"datatype"`
	Shape    []int64 `json:"shape"`
}

type oipOutputTensor struct {
	Name     string    `json:"name"`
	Shape    []int64   `json:"shape"`
	Datatype string    `json:"datatype"`
	Data     []float64 `json:"data"`
}

type oipInferResponse struct {
	ModelName    string            `json:"model_name"`
	ModelVersion string            `json:"model_version"`
	ID           string            `json:"id,omitempty"`
	Outputs      []oipOutputTensor `json:"outputs"`
}

func (a *api) oipServer() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"name": "studentperf-predict", "version": "1", "extensions": []string{}})
	}
}

func (a *api) oipLive() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]bool{"live": true})
	}
}

func (a *api) oipReady() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, _, err := a.current(); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"ready": false, "error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"ready": true})
	}
}

// checkModelName answers 404 for a model this server does not serve.
func (a *api) checkModelName(r *http.Request) error {
	if name := r.PathValue("model"); name != a.pred.Name() {
		return fmt.Errorf("%w: model %q (this server serves %q)", errNotFound, features.Clip(name), a.pred.Name())
	}
	return nil
}

func (a *api) oipModel() http.HandlerFunc {
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
		// One input per input field: BYTES for categories and dates (ISO
		// 8601 strings), FP64 for numbers.
		var inputs []oipTensorMeta
		for _, in := range fs.Inputs() {
			dt := "FP64"
			if in.Kind != dataset.Numeric {
				dt = "BYTES"
			}
			inputs = append(inputs, oipTensorMeta{Name: in.Name, Datatype: dt, Shape: []int64{-1}})
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"name": a.pred.Name(), "versions": []string{l.Version}, "platform": "studentperf-go",
			"inputs": inputs, "outputs": []oipTensorMeta{{Name: fs.Target(), Datatype: "FP64", Shape: []int64{-1}}},
		})
	}
}

func (a *api) oipModelReady() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.checkModelName(r); err != nil {
			writeError(w, err)
			return
		}
		if _, _, err := a.current(); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"name": a.pred.Name(), "ready": false, "error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"name": a.pred.Name(), "ready": true})
	}
}

func (a *api) oipInfer() http.HandlerFunc {
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
		body, _, err := readBody(w, r, a.limits, "application/json")
		if err != nil {
			writeError(w, err)
			return
		}
		req, rows, err := request.Infer(body, fs, a.limits.MaxBatch)
		if err != nil {
			writeError(w, err)
			return
		}
		out, err := a.predictRows(w, l, rows)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, oipInferResponse{
			ModelName: a.pred.Name(), ModelVersion: l.Version, ID: req.ID,
			Outputs: []oipOutputTensor{{Name: fs.Target(), Shape: []int64{int64(len(out))}, Datatype: "FP64", Data: out}},
		})
	}
}
