package emf_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/studentperf/studentperf/shared/emf"
)

func TestEmitIsValidEMF(t *testing.T) {
	var buf bytes.Buffer
	l := emf.New(&buf, "studentperf", map[string]string{"Function": "predict"})
	err := l.Emit([]emf.Metric{
		{Name: "Requests", Unit: emf.Count, Value: 1},
		{Name: "Latency", Unit: emf.Milliseconds, Value: 2.5},
		{Name: "Errors", Unit: emf.Count, Value: 0},
	}, map[string]any{"model_version": "v1", "route": "/predict"})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("got %d lines; want 1: %q", len(lines), buf.String())
	}
	values, err := emf.Validate([]byte(lines[0]))
	if err != nil {
		t.Fatalf("Validate(%s): %v", lines[0], err)
	}
	for name, want := range map[string]float64{"Requests": 1, "Latency": 2.5, "Errors": 0} {
		if got := values[name]; len(got) != 1 || got[0] != want {
			t.Errorf("metric %s = %v; want [%v]", name, got, want)
		}
	}
	var root map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &root); err != nil {
		t.Fatal(err)
	}
	if root["model_version"] != "v1" || root["Function"] != "predict" {
		t.Errorf("properties and dimensions: got %v", root)
	}
}

func TestNilLoggerWritesNothing(t *testing.T) {
	var l *emf.Logger
	if err := l.Emit([]emf.Metric{{Name: "Requests", Unit: emf.Count, Value: 1}}, nil); err != nil {
		t.Fatal(err)
	}
}

// Validate refuses what CloudWatch would not turn into metrics.
func TestValidateRefuses(t *testing.T) {
	for name, line := range map[string]string{
		"not JSON":              `Requests=1`,
		"trailing data":         `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[]}} x`,
		"no _aws":               `{"Requests":1}`,
		"no timestamp":          `{"_aws":{"CloudWatchMetrics":[]}}`,
		"string timestamp":      `{"_aws":{"Timestamp":"now","CloudWatchMetrics":[]}}`,
		"blank namespace":       `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":" ","Dimensions":[[]],"Metrics":[]}]}}`,
		"no dimensions":         `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Metrics":[]}]}}`,
		"dimension not in root": `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["F"]],"Metrics":[]}]}}`,
		"numeric dimension":     `{"F":1,"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["F"]],"Metrics":[]}]}}`,
		"metric not in root":    `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[[]],"Metrics":[{"Name":"R"}]}]}}`,
		"string metric":         `{"R":"1","_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[[]],"Metrics":[{"Name":"R"}]}]}}`,
		"bad unit":              `{"R":1,"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[[]],"Metrics":[{"Name":"R","Unit":"Requests"}]}]}}`,
		"bad resolution":        `{"R":1,"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[[]],"Metrics":[{"Name":"R","StorageResolution":5}]}]}}`,
	} {
		if _, err := emf.Validate([]byte(line)); err == nil {
			t.Errorf("%s: Validate(%s) = nil; want an error", name, line)
		}
	}
}

func ExampleLogger_Emit() {
	var buf bytes.Buffer
	l := emf.New(&buf, "studentperf", map[string]string{"Function": "train"})
	l.Emit([]emf.Metric{{Name: "TrainingRuns", Unit: emf.Count, Value: 1}}, map[string]any{"trigger": "schedule"})
	values, err := emf.Validate(buf.Bytes())
	fmt.Println(values, err)
	// Output: map[TrainingRuns:[1]] <nil>
}
