package request

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
)

// CSVAnyHeader reads a CSV body that may or may not start with a header,
// as SageMaker sends it: Batch Transform (SplitType=Line, BatchStrategy=
// MultiRecord) sends lines of the input file with no header, their fields
// in the schema's input order (a date column once). A first line that names a feature column
// is a header, and the body is read as CSV does; otherwise every line is
// a record of exactly the features, in order. Both go through the same
// reader as training and predict batch, so the same text gives the same
// numbers; lines in problems are the body's own. header reports which
// form the body had.
func CSVAnyHeader(body []byte, fs *Fields, s dataset.Schema, maxBatch int) (rows []features.Row, header bool, err error) {
	if len(bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\uFEFF")))) == 0 {
		return nil, false, fmt.Errorf("%w: empty body; send CSV records, one a line, with the features in order: %s", ErrBadRequest, strings.Join(fs.names, ","))
	}
	if hasHeader(body, fs) {
		rows, err := CSV(body, fs, s, maxBatch)
		return rows, true, err
	}
	var hdr bytes.Buffer
	w := csv.NewWriter(&hdr)
	names := fs.names
	if err := w.Write(names); err != nil {
		return nil, false, fmt.Errorf("headerless CSV: %w", err)
	}
	w.Flush()
	// The schema's own header in front, and the body after it: a BOM of
	// the body moves with it out of the first line.
	joined := make([]byte, 0, hdr.Len()+len(body))
	joined = append(joined, hdr.Bytes()...)
	joined = append(joined, bytes.TrimPrefix(body, []byte("\uFEFF"))...)
	rows, err = CSV(joined, fs, s, maxBatch)
	return rows, false, headerlessProblems(err, len(names))
}

// hasHeader reports a first record naming an input column of fs.
func hasHeader(body []byte, fs *Fields) bool {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\uFEFF"))))
	r.FieldsPerRecord, r.LazyQuotes, r.ReuseRecord = -1, true, true
	first, err := r.Read()
	if err != nil {
		return false
	}
	for _, f := range first {
		if fs.fieldIndex([]byte(dataset.TrimCell(f))) >= 0 {
			return true
		}
	}
	return false
}

// headerlessProblems renumbers the problems of a body read behind the
// schema's header to the body's own lines, and says what a headerless
// row must hold where the reader compared it with that header.
func headerlessProblems(err error, nfeat int) error {
	ps, ok := err.(features.Problems)
	if !ok {
		return err
	}
	out := make(features.Problems, len(ps))
	suffix := fmt.Sprintf(", header has %d", nfeat)
	for i, p := range ps {
		if p.Line > 0 {
			p.Line--
		}
		if strings.HasSuffix(p.Reason, suffix) {
			p.Reason = strings.TrimSuffix(p.Reason, suffix) + fmt.Sprintf("; a line without a header holds the %d features in schema order", nfeat)
		}
		out[i] = p
	}
	return out
}
