package infra

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/studentperf/studentperf/shared/emf"
	"github.com/studentperf/studentperf/shared/testkit/lambdatest"
)

// Under the Lambda Runtime Interface Emulator each invocation of either
// function writes one Embedded Metric Format record to stdout (the log
// CloudWatch Logs reads), valid by the format's rules, with the values of
// that invocation.
func TestEMFUnderEmulator(t *testing.T) {
	rie := lambdatest.Binary(t)
	train := lambdatest.BuildFunction(t, "../functions/train")
	predict := lambdatest.BuildFunction(t, "../functions/predict")
	store := t.TempDir()
	run := exec.Command(train, "run", "-data", "synthetic:400", "-store", store)
	run.Env = append(os.Environ(), "AWS_LAMBDA_RUNTIME_API=")
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("train run: %v\n%s", err, out)
	}

	records := invokeCapturing(t, rie, predict, []string{"MODEL_STORE=" + store, "AWS_LAMBDA_FUNCTION_NAME=studentperf-predict"}, readEvent(t, "../events/predict-http-api.json"))
	if len(records) != 1 {
		t.Fatalf("predict: %d EMF records; want 1", len(records))
	}
	checkRecord(t, "predict", records[0], map[string]float64{"Requests": 1, "Errors": 0, "ClientErrors": 0, "DriftWarnings": 0},
		[]string{"Latency"}, map[string]string{"Function": "studentperf-predict"}, "model_version")

	records = invokeCapturing(t, rie, train, []string{"MODEL_STORE=" + t.TempDir(), "DATA_URI=synthetic:400", "AWS_LAMBDA_FUNCTION_NAME=studentperf-train"}, readEvent(t, "../events/train-direct.json"))
	if len(records) != 1 {
		t.Fatalf("train: %d EMF records; want 1", len(records))
	}
	checkRecord(t, "train", records[0], map[string]float64{"Invocations": 1, "Failures": 0, "Pushed": 1},
		[]string{"Duration", "TestR2"}, map[string]string{"Function": "studentperf-train"}, "model_version")
}

func checkRecord(t *testing.T, fn, line string, exact map[string]float64, positive []string, dims map[string]string, props ...string) {
	t.Helper()
	t.Logf("%s EMF record: %s", fn, line)
	values, err := emf.Validate([]byte(line))
	if err != nil {
		t.Fatalf("%s: not valid EMF: %v", fn, err)
	}
	for name, want := range exact {
		if got := values[name]; len(got) != 1 || got[0] != want {
			t.Errorf("%s: %s = %v; want [%v]", fn, name, got, want)
		}
	}
	for _, name := range positive {
		if got := values[name]; len(got) != 1 || !(got[0] > 0) {
			t.Errorf("%s: %s = %v; want one value above 0", fn, name, got)
		}
	}
	var root map[string]any
	json.Unmarshal([]byte(line), &root)
	for k, v := range dims {
		if root[k] != v {
			t.Errorf("%s: dimension %s = %v; want %q", fn, k, root[k], v)
		}
	}
	for _, p := range props {
		if s, _ := root[p].(string); s == "" {
			t.Errorf("%s: no property %s", fn, p)
		}
	}
}

// invokeCapturing runs fn under the emulator with env (and no AWS keys:
// the functions here use a directory store), sends one event, stops the
// emulator and returns the function's stdout lines that hold "_aws".
func invokeCapturing(t *testing.T, rie, fn string, env []string, event []byte) []string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	api := ln2.Addr().String()
	ln2.Close()
	var out lockedBuffer
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", addr, "--runtime-api-address", api, fn)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "AWS_REGION=us-east-1"}, env...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	url := "http://" + addr + "/2015-03-31/functions/function/invocations"
	var resp *http.Response
	for deadline := time.Now().Add(15 * time.Second); ; {
		resp, err = http.Post(url, "application/json", bytes.NewReader(event))
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("invoke: %v\n%s", err, out.String())
	}
	body := new(bytes.Buffer)
	body.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.Contains(body.String(), `"errorMessage"`) {
		t.Fatalf("invoke: %d %s\n%s", resp.StatusCode, body, out.String())
	}
	time.Sleep(200 * time.Millisecond) // the emulator copies the function's output as it comes
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"_aws"`) {
			lines = append(lines, sc.Text())
		}
	}
	if len(lines) == 0 {
		t.Logf("emulator and function output:\n%s", out.String())
	}
	return lines
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprint(l.b.String())
}
