package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSwapUnderLoad is the acceptance test "swap the current model while 8
// clients predict continuously: 0 failed requests, and every response's
// X-Model-Version is the old or the new version".
func TestSwapUnderLoad(t *testing.T) {
	const (
		clients      = 8
		minRun       = 2 * time.Second  // how long the clients run at least
		maxRun       = 10 * time.Second // ... and at most, waiting for the new version
		swapAfter    = 700 * time.Millisecond
		maxPerClient = 20000 // requests per client, a bound on a very fast machine
	)
	root, oldVersion := sampleStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root, "RELOAD_INTERVAL": "100ms"})
	// Fit the second model before the clients start, so the swap is only the push.
	m2, tab2 := fitModel(t, "synthetic:2000", 2)

	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients},
	}
	defer client.CloseIdleConnections()

	type result struct {
		requests int
		versions map[string]int
		failures []string
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		newSeen  = make(chan struct{})
		seenOnce sync.Once
		newV     string
		results  = make([]result, clients)
		start    = time.Now()
	)
	newVersion := func() string {
		mu.Lock()
		defer mu.Unlock()
		return newV
	}
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(r *result) {
			defer wg.Done()
			r.versions = map[string]int{}
			for r.requests < maxPerClient {
				elapsed := time.Since(start)
				if elapsed > maxRun {
					return
				}
				if elapsed > minRun {
					select {
					case <-newSeen:
						return
					default:
					}
				}
				r.requests++
				resp, err := client.Post(base+"/predict", "application/json", strings.NewReader(referenceJSON))
				if err != nil {
					r.failures = append(r.failures, err.Error())
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				version := resp.Header.Get("X-Model-Version")
				var got predictResponse
				switch {
				case err != nil:
					r.failures = append(r.failures, "read body: "+err.Error())
				case resp.StatusCode != http.StatusOK:
					r.failures = append(r.failures, fmt.Sprintf("status %d: %s", resp.StatusCode, body))
				case json.Unmarshal(body, &got) != nil || got.ModelVersion != version:
					r.failures = append(r.failures, fmt.Sprintf("body %s does not match X-Model-Version %q", body, version))
				}
				r.versions[version]++
				if nv := newVersion(); nv != "" && version == nv {
					seenOnce.Do(func() { close(newSeen) })
				}
			}
		}(&results[c])
	}

	time.Sleep(swapAfter)
	v := pushModel(t, root, m2, tab2, time.Now())
	mu.Lock()
	newV = v
	mu.Unlock()
	wg.Wait()

	require.NotEqual(t, oldVersion, v, "the push made the old version again; want a new one")
	total, failed := 0, 0
	versions := map[string]int{}
	for i, r := range results {
		total += r.requests
		failed += len(r.failures)
		for _, f := range r.failures {
			if failed <= 10 {
				assert.Fail(t, "failed request", "client %d: %s", i, f)
			}
		}
		for k, n := range r.versions {
			versions[k] += n
		}
	}
	t.Logf("%d requests from %d clients in %s; versions %v", total, clients, time.Since(start).Round(time.Millisecond), versions)
	assert.Zero(t, failed, "failed requests of %d", total)
	for k, n := range versions {
		assert.Contains(t, []string{oldVersion, v}, k, "%d responses from another version than the old or the new", n)
	}
	assert.Positive(t, versions[oldVersion], "responses from the old version %s: want the clients to start on it", oldVersion)
	assert.Positive(t, versions[v], "responses from the new version %s within %s: want the swap to happen", v, maxRun)
}
