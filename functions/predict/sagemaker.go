package main

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/studentperf/studentperf/functions/predict/internal/request"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/predictor"
)

// SageMaker's container contract: the image is started with the argument
// serve, listens on 8080, answers GET /ping with 200 once it can serve
// (here: a verified model is loaded, as /readyz) and scores
// POST /invocations. Batch Transform with SplitType=Line and
// BatchStrategy=MultiRecord posts lines of the input file with no header,
// and joins the answer's lines back to them (AssembleWith=Line), so a
// headerless CSV body is answered by exactly one line a record.

// errNotAcceptable is an Accept header naming nothing predict writes.
var errNotAcceptable = errors.New("not acceptable")

// Media types of /invocations.
const (
	mediaCSV  = "text/csv"
	mediaJSON = "application/json"
)

func (a *api) invocations() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l, fs, err := a.current()
		if err != nil {
			writeError(w, err)
			return
		}
		// No Content-Type is CSV, as SageMaker's own containers take it;
		// a JSON object or array is JSON whatever the header says.
		body, mt, err := readBody(w, r, a.limits, mediaCSV, mediaJSON)
		if err != nil {
			writeError(w, err)
			return
		}
		out, err := acceptedType(r, mt)
		if err != nil {
			writeError(w, err)
			return
		}
		var (
			rows   []features.Row
			header bool // a CSV answer starts with a header line
			batch  = true
		)
		if mt == mediaCSV {
			rows, header, err = request.CSVAnyHeader(body, fs, l.Model.Schema(), a.limits.MaxBatch)
		} else {
			var req request.Request
			req, err = request.JSON(body, fs, a.limits.MaxBatch)
			rows, batch = req.Rows, req.Batch
		}
		if err != nil {
			writeError(w, err)
			return
		}
		preds, err := a.predictRows(w, l, rows)
		if err != nil {
			writeError(w, err)
			return
		}
		writePredictions(w, l, out, preds, batch, header)
	}
}

// writePredictions answers in the media type chosen: JSON as /predict
// does, or CSV with one prediction a line, in order, after a header line
// only when the request had one.
func writePredictions(w http.ResponseWriter, l *predictor.Loaded, mt string, preds []float64, batch, header bool) {
	if mt == mediaJSON {
		if !batch {
			writeJSON(w, http.StatusOK, answer(l.Model.Target, preds[0], l.Version))
			return
		}
		writeJSON(w, http.StatusOK, batchResponse{Predictions: preds, ModelVersion: l.Version})
		return
	}
	buf := make([]byte, 0, len(l.Model.Target)+1+len(preds)*20)
	if header {
		buf = appendCSVField(buf, l.Model.Target)
		buf = append(buf, '\n')
	}
	for _, y := range preds {
		buf = strconv.AppendFloat(buf, y, 'g', -1, 64)
		buf = append(buf, '\n')
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(buf)
}

// acceptedType picks the answer's media type from Accept: the first of
// text/csv and application/json it names (text/* and application/* count),
// or the request's own type when Accept is absent or */*. Anything else is
// a 406 naming what is written.
func acceptedType(r *http.Request, requestType string) (string, error) {
	accept := r.Header.Values("Accept")
	if len(accept) == 0 {
		return requestType, nil
	}
	for _, v := range accept {
		for _, part := range strings.Split(v, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			switch mt {
			case "*/*":
				return requestType, nil
			case mediaCSV, "text/*":
				return mediaCSV, nil
			case mediaJSON, "application/*":
				return mediaJSON, nil
			}
		}
	}
	return "", fmt.Errorf("%w: Accept %q; /invocations answers text/csv or application/json", errNotAcceptable, clipHeader(strings.Join(accept, ", ")))
}
