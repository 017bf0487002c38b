//go:build unix

package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stalledFIFO makes a FIFO that no one ever writes: opening it for
// reading blocks in the kernel, where no context reaches.
func stalledFIFO(t *testing.T) (dir, path string) {
	t.Helper()
	dir = t.TempDir()
	path = filepath.Join(dir, "stuck.csv")
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	return dir, path
}

// postCtx posts a run request that ends when ctx does (the client leaving).
func postCtx(ctx context.Context, url, body string) (int, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header, nil
}

// A run whose data never arrives gives up after TRAIN_DATA_WAIT, answers
// 504, pushes nothing, and lets the next run have the lock.
func TestServeGivesUpOnStalledData(t *testing.T) {
	dir, fifo := stalledFIFO(t)
	store := t.TempDir()
	base := server(t, "MODEL_STORE", store, "TRAIN_DATA_ALLOW", dir, "TRAIN_DATA_WAIT", "500ms")

	start := time.Now()
	var status int
	var body map[string]any
	answered := make(chan struct{})
	go func() {
		defer close(answered)
		status, body = post(t, base+"/train", "", `{"data":"`+fifo+`"}`)
	}()
	select {
	case <-answered:
	case <-time.After(20 * time.Second):
		t.Fatal("a run on a FIFO that never delivers did not answer within 20s")
	}
	assert.Equal(t, http.StatusGatewayTimeout, status, "stalled run: %v", body)
	assert.Contains(t, body["error"], "data source stalled")
	assert.Less(t, time.Since(start), 10*time.Second, "the stalled run was not bounded")
	entries, _ := os.ReadDir(store)
	assert.Empty(t, entries, "the stalled run wrote to the store")

	status, body = post(t, base+"/train", "", `{"data":"synthetic:300"}`)
	assert.Equal(t, http.StatusOK, status, "the run after a stalled one: %v", body)
}

// One run goes, TRAIN_QUEUE requests wait, the next is told 429 with
// Retry-After; a waiting client that leaves frees its place, and a
// running client that leaves ends its run and frees the lock.
func TestServeQueueIsBoundedAndFollowsClients(t *testing.T) {
	dir, fifo := stalledFIFO(t)
	base := server(t, "MODEL_STORE", t.TempDir(), "TRAIN_DATA_ALLOW", dir, "TRAIN_DATA_WAIT", "1m", "TRAIN_QUEUE", "1")
	url := base + "/train"

	type reply struct {
		status int
		err    error
	}
	send := func(ctx context.Context, body string) chan reply {
		ch := make(chan reply, 1)
		go func() {
			s, _, err := postCtx(ctx, url, body)
			ch <- reply{s, err}
		}()
		return ch
	}
	pending := func(ch chan reply, what string) {
		t.Helper()
		select {
		case r := <-ch:
			t.Fatalf("%s answered %d (%v); want it still waiting", what, r.status, r.err)
		case <-time.After(500 * time.Millisecond):
		}
	}

	runCtx, leaveRun := context.WithCancel(context.Background())
	defer leaveRun()
	running := send(runCtx, `{"data":"`+fifo+`"}`)
	pending(running, "the stalled run")

	waitCtx, leaveQueue := context.WithCancel(context.Background())
	defer leaveQueue()
	waiting := send(waitCtx, `{"data":"synthetic:300"}`)
	pending(waiting, "the queued request")

	status, h, err := postCtx(context.Background(), url, `{"data":"synthetic:300"}`)
	require.NoError(t, err)
	assert.Equal(t, http.StatusTooManyRequests, status, "a request beyond the queue")
	assert.Equal(t, "30", h.Get("Retry-After"), "a request beyond the queue")

	leaveQueue() // its place is free again: the next request waits instead of a 429
	<-waiting
	againCtx, leaveAgain := context.WithCancel(context.Background())
	again := send(againCtx, `{"data":"synthetic:300"}`)
	pending(again, "a request after the queued one left")
	leaveAgain()
	<-again

	leaveRun() // the stalled run's client leaves: its run ends and the lock is free
	<-running
	start := time.Now()
	status, _, err = postCtx(context.Background(), url, `{"data":"synthetic:300"}`)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status, "a run after the stalled run's client left")
	assert.Less(t, time.Since(start), 30*time.Second)
}
