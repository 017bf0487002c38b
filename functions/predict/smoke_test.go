package main

import (
	"encoding/json"
	"math"
	"net/http"
	"testing"
)

func TestServeReferenceRecord(t *testing.T) {
	root, version := referenceStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	status, h, body := post(t, base+"/predict", "application/json", referenceJSON)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var got predictResponse
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if math.Abs(got.MathScore-referenceScore) > 0.01 || got.ModelVersion != version || h.Get("X-Model-Version") != version {
		t.Fatalf("got %+v (header %q); want %.4f ± 0.01 from version %s", got, h.Get("X-Model-Version"), referenceScore, version)
	}
}
