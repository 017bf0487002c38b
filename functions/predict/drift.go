package main

import (
	"fmt"
	"net/http"

	"github.com/studentperf/studentperf/shared/drift"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/predictor"
)

// newMonitor returns the drift monitor of a newly loaded version: nil when
// counting is off (DRIFT=off) or the model has no training baseline
// (trained before models carried one).
func (a *api) newMonitor(l *predictor.Loaded) *drift.Monitor {
	if !a.drift || l.Model.Training == nil {
		return nil
	}
	mon, err := drift.NewMonitor(l.Model.Training, l.Model.Transform)
	if err != nil {
		// The model verified, so this is a bug rather than bad input: serve
		// without drift, and say so.
		a.log.Error("drift monitor not made; serving without", "version", l.Version, "err", err.Error())
		return nil
	}
	return mon
}

// observeDrift counts rows, just served by the model l, in the drift
// monitor of l's version. The rows are as decoded, before the model
// imputes anything: a category level the model has not seen is still
// its string, which the monitor counts as unseen even where the model's
// schema serves it as missing. Every prediction route calls it through
// predictRows; a handler that predicts without predictRows calls it
// itself. It takes no lock and allocates nothing; with DRIFT=off, or for
// a version the api no longer serves (a reload in between), it does
// nothing.
func (a *api) observeDrift(l *predictor.Loaded, rows []features.Row) {
	sv := a.served.Load()
	if sv == nil || sv.loaded != l || sv.monitor == nil {
		return
	}
	for i := range rows {
		sv.monitor.Observe(rows[i])
	}
}

// currentMonitor is the monitor of the version being served, for the
// Prometheus collector; nil when there is none.
func (a *api) currentMonitor() *drift.Monitor {
	sv := a.served.Load()
	if sv == nil || sv.loaded != a.pred.Current() {
		return nil
	}
	return sv.monitor
}

// driftResponse is the body of GET /model/drift: the monitor's report of
// the records served by this process since the version was loaded.
type driftResponse struct {
	ModelVersion string `json:"model_version"`
	drift.Report
}

func (a *api) modelDrift() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sv, err := a.currentServed()
		if err != nil {
			writeError(w, err)
			return
		}
		w.Header().Set("X-Model-Version", sv.loaded.Version)
		switch {
		case !a.drift:
			writeError(w, fmt.Errorf("%w: drift counting is off (DRIFT=off)", errNotFound))
			return
		case sv.monitor == nil:
			writeError(w, fmt.Errorf("%w: model version %s has no training baseline to compare with (retrain to get one)", errNotFound, sv.loaded.Version))
			return
		}
		writeJSON(w, http.StatusOK, driftResponse{ModelVersion: sv.loaded.Version, Report: sv.monitor.Snapshot()})
	}
}
