package infra

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/studentperf/studentperf/shared/testkit/lambdatest"
	"github.com/studentperf/studentperf/shared/testkit/s3test"
)

// imdsMock is a running amazon-ec2-metadata-mock that hands out the
// instance role's credentials.
type imdsMock struct {
	endpoint string
	cmd      *exec.Cmd
}

// startIMDS runs ec2-metadata-mock on a free loopback port, configured to
// hand out key and secret as the instance role's credentials, expiring in
// an hour. EC2 also hands out a session token; this one is empty because
// versitygw, the S3 server here, refuses any X-Amz-Security-Token
// (InvalidToken): it has no STS. Without the mock the test skips, except
// under CI=true where it fails.
func startIMDS(t *testing.T, key, secret string) *imdsMock {
	t.Helper()
	bin, err := exec.LookPath("ec2-metadata-mock")
	if err != nil {
		install, _ := os.ReadFile("ec2/IMDS-MOCK-INSTALL")
		msg := fmt.Sprintf("ec2-metadata-mock is not on PATH; .ci/install-ec2-metadata-mock.sh installs it:\n%s", install)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	cfg := map[string]any{"metadata": map[string]any{"values": map[string]any{
		"iam-security-credentials-role": "studentperf-runner",
		"iam-security-credentials": map[string]any{
			"Code": "Success", "Type": "AWS-HMAC", "LastUpdated": time.Now().UTC().Format(time.RFC3339),
			"AccessKeyId": key, "SecretAccessKey": secret, "Token": "",
			"Expiration": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		},
	}}}
	b, _ := json.Marshal(cfg)
	cfgFile := filepath.Join(dir, "aemm-config.json")
	if err := os.WriteFile(cfgFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	// --imdsv2: a session token is required, as new EC2 instances default to.
	cmd := exec.Command(bin, "--imdsv2", "--hostname", "127.0.0.1", "--port", fmt.Sprint(port), "--config-file", cfgFile)
	cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m := &imdsMock{endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd}
	t.Cleanup(m.stop)
	for deadline := time.Now().Add(15 * time.Second); ; {
		resp, err := imdsGet(m.endpoint, "/latest/meta-data/iam/security-credentials/")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.Contains(string(body), "studentperf-runner") {
				return m
			}
		}
		if time.Now().After(deadline) {
			m.stop()
			t.Fatalf("ec2-metadata-mock did not serve the role on %s: %v\n%s", m.endpoint, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (m *imdsMock) stop() {
	if m.cmd.ProcessState == nil {
		m.cmd.Process.Kill()
		m.cmd.Wait()
	}
}

// ec2Env is the environment of the EC2 host's containers
// (infra/ec2/bootstrap.sh's predict.env and train.env: region and store,
// no keys) pointed at the local store and the metadata mock, with no
// shared config that could supply credentials.
func ec2Env(t *testing.T, srv *s3test.Server, imds string, store string) []string {
	home := t.TempDir()
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home,
		"AWS_REGION=" + s3test.Region,
		"AWS_ENDPOINT_URL_S3=" + srv.Endpoint(),
		"AWS_EC2_METADATA_SERVICE_ENDPOINT=" + imds,
		"AWS_CONFIG_FILE=" + filepath.Join(home, "none"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"),
		"MODEL_STORE=" + store,
	}
}

// The EC2 path: train and predict with no keys in their environment get
// the instance role's credentials from the instance metadata service (the
// SDK's default chain, IMDSv2 token first) and use the S3 store with them;
// with the metadata service off the same run fails.
func TestEC2InstanceRoleCredentials(t *testing.T) {
	srv := s3test.Start(t)
	imds := startIMDS(t, s3test.AccessKey, s3test.SecretKey)
	srv.Bucket(t, "models")
	train := lambdatest.BuildFunction(t, "../functions/train")
	predict := lambdatest.BuildFunction(t, "../functions/predict")
	env := ec2Env(t, srv, imds.endpoint, "s3://models/store")
	for _, kv := range env {
		if strings.HasPrefix(kv, "AWS_ACCESS_KEY_ID=") || strings.HasPrefix(kv, "AWS_SECRET_ACCESS_KEY=") {
			t.Fatalf("the EC2 environment holds a key: %s", kv)
		}
	}

	run := exec.Command(train, "run", "-data", "synthetic:400")
	run.Env = env
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("train run with instance-role credentials: %v\n%s", err, out)
	}
	t.Logf("train run on \"EC2\": %s", lastLines(out, 3))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var logs bytes.Buffer
	serve := exec.Command(predict, "serve")
	serve.Env = append(env, "PORT="+addr)
	serve.Stdout, serve.Stderr = &logs, &logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { serve.Process.Kill(); serve.Wait() }()
	base := "http://" + addr
	ready := false
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && !ready; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			ready = resp.StatusCode == 200
		}
	}
	if !ready {
		t.Fatalf("predict never became ready on instance-role credentials:\n%s", logs.String())
	}
	record := `{"gender":"female","race_ethnicity":"group B","parental_level_of_education":"bachelor's degree","lunch":"standard","test_preparation_course":"none","reading_score":72,"writing_score":74}`
	resp, err := http.Post(base+"/predict", "application/json", strings.NewReader(record))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"math_score"`) {
		t.Fatalf("POST /predict: %d %s", resp.StatusCode, body)
	}
	t.Logf("predict on \"EC2\" POST /predict: %s", strings.TrimSpace(string(body)))

	// IMDS off: the same run finds no credentials and fails.
	imds.stop()
	run = exec.Command(train, "run", "-data", "synthetic:400")
	run.Env = env
	out, err = run.CombinedOutput()
	if err == nil {
		t.Fatalf("train run succeeded with the metadata service off: where did its credentials come from?\n%s", out)
	}
	t.Logf("train run with the metadata service off fails: %s", lastLines(out, 1))
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// imdsGet is an IMDSv2 read: a session token first, then the path.
func imdsGet(endpoint, path string) (*http.Response, error) {
	req, _ := http.NewRequest(http.MethodPut, endpoint+"/latest/api/token", nil)
	req.Header.Set("X-aws-ec2-metadata-token-ttl-seconds", "60")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	token, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	req, _ = http.NewRequest(http.MethodGet, endpoint+path, nil)
	req.Header.Set("X-aws-ec2-metadata-token", string(token))
	return http.DefaultClient.Do(req)
}
