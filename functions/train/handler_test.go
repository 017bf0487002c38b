package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// invoke runs `train invoke -event path` through run and decodes stdout.
func invoke(t *testing.T, store, path string) (map[string]any, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"invoke", "-event", path}, env("MODEL_STORE", store), strings.NewReader(""), &out, &errOut)
	if err != nil {
		return nil, err
	}
	var res map[string]any
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("invoke printed %q: %v", out.String(), err)
	}
	return res, nil
}

func eventFile(name string) string { return filepath.Join("..", "..", "events", name) }

func TestSampleEvents(t *testing.T) {
	store := t.TempDir()
	res, err := invoke(t, store, eventFile("train-schedule.json"))
	if err != nil || res["pushed"] != true || res["version"] == "" {
		t.Fatalf("scheduled event: got %v, %v; want a pushed model", res, err)
	}
	first, _ := currentModel(t, store)
	// The direct payload asks for the same data and seed: the same model,
	// so it is rightly not pushed again.
	res, err = invoke(t, store, eventFile("train-direct.json"))
	if err != nil || res["pushed"] != false || !strings.Contains(res["reason"].(string), "same sha256") {
		t.Fatalf("direct payload: got %v, %v; want not pushed, same model", res, err)
	}
	if cur, _ := currentModel(t, store); cur.Version != first.Version {
		t.Fatalf("current moved to %s after an identical model", cur.Version)
	}
	// The S3 upload names s3://studentperf-data/students/train.csv: this
	// build has no S3 data source yet, and says so.
	before := snapshot(t, store)
	_, err = invoke(t, store, eventFile("train-s3-put.json"))
	if err == nil || !strings.Contains(err.Error(), `"s3"`) || !strings.Contains(err.Error(), "s3://studentperf-data/students/train.csv") {
		t.Fatalf("S3 event: got %v; want an unsupported-scheme error naming the object", err)
	}
	sameTree(t, before, snapshot(t, store))
}

func TestEventErrors(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"not an object":  `[1,2]`,
		"unknown member": `{"data":"sample","colour":"red"}`,
		"bad fraction":   `{"test_fraction":1.5}`,
		"two S3 records": `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put"},{"eventSource":"aws:s3","eventName":"ObjectCreated:Put"}]}`,
		"S3 delete":      `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}`,
		"bad detail":     `{"detail-type":"Scheduled Event","source":"aws.events","detail":{"seed":"x"}}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".json")
			os.WriteFile(path, []byte(body), 0o644)
			store := t.TempDir()
			if _, err := invoke(t, store, path); err == nil {
				t.Fatal("got success; want an error")
			}
			if entries, _ := os.ReadDir(store); len(entries) != 0 {
				t.Fatalf("store touched by a rejected event: %v", entries)
			}
		})
	}
	if _, err := invoke(t, t.TempDir(), filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Fatalf("missing event file: got %v; want an error naming it", err)
	}
}

func TestServeTrainsOverHTTP(t *testing.T) {
	store := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, env("MODEL_STORE", store, "PORT", addr), nil, io.Discard, io.Discard)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	}()
	base := "http://" + addr
	for i := 0; ; i++ {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if i > 500 {
			t.Fatalf("server not up: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	postJSON := func(path, body string) (int, map[string]any) {
		t.Helper()
		resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	cases := []struct {
		body   string
		status int
	}{
		{`{"data":"synthetic:3000","seed":3}`, 200},
		{`{"data":"synthetic:3000","seed":3}`, 200}, // the same model: not pushed, still 200
		{`{"data":`, 400},
		{`{"seeds":3}`, 400},
		{`{"data":"/nonexistent/x.csv"}`, 400},
		{`{"data":"synthetic:0"}`, 400},
		{`{"data":"synthetic:3000","min_r2":0.99}`, 422},
	}
	for i, c := range cases {
		status, m := postJSON("/train", c.body)
		if status != c.status {
			t.Errorf("case %d %s: got %d %v; want %d", i, c.body, status, m, c.status)
		}
		if status != 200 && m["error"] == "" {
			t.Errorf("case %d: error body lacks \"error\": %v", i, m)
		}
	}
	// The same event through the invoke route, as under Lambda.
	ev, _ := os.ReadFile(eventFile("train-direct.json"))
	resp, err := http.Post(base+"/2015-03-31/functions/function/invocations", "application/json", bytes.NewReader(ev))
	if err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if resp.StatusCode != 200 || res["pushed"] == nil {
		t.Fatalf("invoke route: got %d %v; want a run result", resp.StatusCode, res)
	}
}
