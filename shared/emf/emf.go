// Package emf writes CloudWatch metrics in the Embedded Metric Format: one
// JSON object a line, which CloudWatch Logs turns into metrics when a
// Lambda function writes it to its log (no agent, no PutMetricData call,
// nothing to scrape). Under Lambda nobody scrapes /metrics, so the
// functions report requests, latency, errors, the model version and drift
// warnings this way instead.
//
// A record is the root object with the metric values and dimension values
// as members, and the "_aws" member that says which members are metrics:
//
//	{"_aws":{"Timestamp":1765130000000,"CloudWatchMetrics":[{"Namespace":"studentperf",
//	  "Dimensions":[["Function"]],"Metrics":[{"Name":"Requests","Unit":"Count"}]}]},
//	 "Function":"predict","Requests":1,"model_version":"…"}
//
// Other members (the model version, the route) are properties: searchable
// in CloudWatch Logs Insights, never a metric dimension. Validate checks a
// line against the format's rules.
package emf

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// Unit is a CloudWatch metric unit.
type Unit string

// The units the functions use.
const (
	Count        Unit = "Count"
	Milliseconds Unit = "Milliseconds"
	Seconds      Unit = "Seconds"
	None         Unit = "None"
)

// Metric is one value of one metric.
type Metric struct {
	Name  string
	Unit  Unit
	Value float64
}

// Logger writes records to one writer (a Lambda function's stdout): one
// namespace, one dimension set with fixed values. A nil *Logger writes
// nothing, so callers need no check.
type Logger struct {
	mu        sync.Mutex
	w         io.Writer
	namespace string
	dims      map[string]string
	dimNames  []string
	now       func() time.Time
}

// New returns a Logger writing to w. Every record carries the dimensions
// dims (name → value) as one dimension set, its names in dimOrder's order
// (any order when none is given).
func New(w io.Writer, namespace string, dims map[string]string, dimOrder ...string) *Logger {
	l := &Logger{w: w, namespace: namespace, dims: dims, now: time.Now}
	if len(dimOrder) == 0 {
		for k := range dims {
			dimOrder = append(dimOrder, k)
		}
	}
	l.dimNames = dimOrder
	return l
}

// Emit writes one record of metrics, with props as properties. A property
// that has a metric's or a dimension's name is left out.
func (l *Logger) Emit(metrics []Metric, props map[string]any) error {
	if l == nil || len(metrics) == 0 {
		return nil
	}
	root := make(map[string]any, len(metrics)+len(l.dims)+len(props)+1)
	for k, v := range props {
		root[k] = v
	}
	defs := make([]metricDef, 0, len(metrics))
	seen := make(map[string]bool, len(metrics))
	for _, m := range metrics {
		if seen[m.Name] {
			return fmt.Errorf("emf: metric %q twice in one record", m.Name)
		}
		seen[m.Name] = true
		root[m.Name] = m.Value
		defs = append(defs, metricDef{Name: m.Name, Unit: m.Unit})
	}
	for k, v := range l.dims {
		root[k] = v
	}
	root["_aws"] = metadata{
		Timestamp: l.now().UnixMilli(),
		CloudWatchMetrics: []directive{{
			Namespace:  l.namespace,
			Dimensions: [][]string{append([]string{}, l.dimNames...)},
			Metrics:    defs,
		}},
	}
	b, err := json.Marshal(root)
	if err != nil {
		return fmt.Errorf("emf: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err = l.w.Write(append(b, '\n'))
	return err
}

type metadata struct {
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
}

type directive struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []metricDef `json:"Metrics"`
}

type metricDef struct {
	Name string `json:"Name"`
	Unit Unit   `json:"Unit,omitempty"`
}
