package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/cli"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/testkit/s3test"
)

// s3Env is a fake getenv holding the server's SDK environment plus kv.
// The SDK's default chain reads the process environment itself, so the
// server's variables are set there too (s3test.Setenv).
func s3Env(t *testing.T, srv *s3test.Server, kv ...string) func(string) string {
	t.Helper()
	srv.Setenv(t)
	var all []string
	for _, e := range srv.Env() {
		k, v, _ := strings.Cut(e, "=")
		all = append(all, k, v)
	}
	return env(append(all, kv...)...)
}

func csvBytes(t *testing.T, n int, seed uint64) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, dataset.Generate(&b, n, seed))
	return b.Bytes()
}

func s3Current(t *testing.T, srv *s3test.Server, uri string) (modelstore.Pointer, []byte) {
	t.Helper()
	ctx := context.Background()
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(uri, "s3://"), "/")
	s := srv.Store(bucket, prefix)
	p, err := s.Current(ctx, "student-math-score")
	require.NoError(t, err)
	b, err := s.ReadFile(ctx, "student-math-score", p.Version, "model.json")
	require.NoError(t, err)
	return p, b
}

// Training data from S3 into a model store on S3, by the command line and
// by the S3 upload event, as the Lambda function is triggered.
func TestS3DataToS3Store(t *testing.T) {
	srv := s3test.Start(t)
	srv.Bucket(t, "studentperf-data")
	srv.Bucket(t, "models")
	srv.Put(t, "studentperf-data", "students/train.csv", csvBytes(t, 1000, 3))
	srv.Put(t, "studentperf-data", "students/term 2.csv", csvBytes(t, 1500, 4))
	getenv := s3Env(t, srv, "MODEL_STORE", "s3://models/prod", "DATA_URI", "s3://studentperf-data/students/train.csv")

	out, err := runTrain(t, getenv)
	require.NoError(t, err, out)
	assert.Contains(t, out, "pushed: s3://models/prod")
	p, b := s3Current(t, srv, "s3://models/prod")
	_, err = model.Load(b, p.SHA256)
	require.NoError(t, err, "the pushed model verifies")

	// The same object through the sample S3 event: the same model, rightly
	// not pushed again.
	res, err := invokeEnv(t, getenv, eventFile("train-s3-put.json"))
	require.NoError(t, err)
	assert.Equal(t, false, res["pushed"], "%v", res)
	assert.Contains(t, res["reason"], "same sha256")

	// A key with a space arrives URL-encoded, '+' for the space.
	res, err = invokeEnv(t, getenv, writeEvent(t, `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"studentperf-data"},"object":{"key":"students/term+2.csv"}}}]}`))
	require.NoError(t, err)
	data := res["data"].(map[string]any)
	assert.Equal(t, "s3://studentperf-data/students/term 2.csv", data["uri"])
	assert.EqualValues(t, 1500, data["rows"])

	var vout bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"versions", "-json"}, getenv, nil, &vout, &vout))
	var vs []versionInfo
	require.NoError(t, json.Unmarshal(vout.Bytes(), &vs), vout.String())
	assert.NotEmpty(t, vs)
}

// Each way an S3 data source can fail is one line naming the URI, a
// non-zero exit, and the store as it was.
func TestS3DataErrors(t *testing.T) {
	srv := s3test.Start(t)
	srv.Bucket(t, "data")
	srv.Bucket(t, "models")
	srv.Put(t, "data", "ok.csv", csvBytes(t, 500, 1))
	store := t.TempDir()
	out, err := runTrain(t, s3Env(t, srv), "-store", store, "-data", "s3://data/ok.csv")
	require.NoError(t, err, out)
	before := snapshot(t, store)

	cases := []struct {
		name string
		uri  string
		env  []string
		want string
	}{
		{"missing bucket", "s3://no-such-bucket/x.csv", nil, "bucket does not exist"},
		{"missing key", "s3://data/missing.csv", nil, "no such object"},
		{"a prefix, not an object", "s3://data/students/", nil, "not an object"},
		{"refused credentials", "s3://data/ok.csv", []string{"AWS_SECRET_ACCESS_KEY", "wrong-secret"}, "credentials were refused"},
		{"wrong region", "s3://data/ok.csv", []string{"AWS_REGION", "eu-west-2"}, "region"},
		{"no credentials", "s3://data/ok.csv", []string{"AWS_ACCESS_KEY_ID", "", "AWS_SECRET_ACCESS_KEY", ""}, "no credentials found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			getenv := s3Env(t, srv)
			for i := 0; i+1 < len(c.env); i += 2 {
				t.Setenv(c.env[i], c.env[i+1])
			}
			_, err := runTrain(t, getenv, "-store", store, "-data", c.uri)
			require.Error(t, err)
			assert.NotZero(t, cli.ExitCode(err))
			msg := cli.OneLine(err.Error())
			assert.Contains(t, msg, c.uri)
			assert.Contains(t, msg, c.want)
			assert.NotContains(t, msg, "\n")
			sameTree(t, before, snapshot(t, store))
		})
	}
}

// The store commands behave the same on a directory and on S3.
func TestVersionsAndRollback(t *testing.T) {
	srv := s3test.Start(t)
	srv.Bucket(t, "models")
	train, test := generated(t, 800, 1), generated(t, 200, 2)
	for _, store := range []string{t.TempDir(), "s3://models/rollback"} {
		t.Run(strings.SplitN(store, ":", 2)[0], func(t *testing.T) {
			getenv := s3Env(t, srv, "MODEL_STORE", store, "MIN_R2", "0")
			// Three versions, each better than the last on the same held-out rows.
			var pushed []string
			for _, n := range []int{100, 300, 800} {
				out, err := runTrain(t, getenv, "-data", head(t, train, n), "-test-data", test)
				require.NoError(t, err, out)
				require.Contains(t, out, "pushed: ", out)
				require.NotContains(t, out, "not pushed", out)
				pushed = append(pushed, versionOf(t, getenv))
			}
			out, err := runTrain(t, getenv, "versions")
			require.NoError(t, err)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			require.Len(t, lines, 4, out)
			assert.True(t, strings.HasPrefix(lines[1], "* "+pushed[2]), "newest first, * on the current one:\n%s", out)
			assert.Contains(t, lines[3], pushed[0])

			out, err = runTrain(t, getenv, "rollback")
			require.NoError(t, err, out)
			assert.Contains(t, out, "from "+pushed[2]+" to "+pushed[1])
			assert.Equal(t, pushed[1], versionOf(t, getenv))
			out, err = runTrain(t, getenv, "rollback")
			require.NoError(t, err, out)
			assert.Equal(t, pushed[0], versionOf(t, getenv))
			_, err = runTrain(t, getenv, "rollback")
			require.ErrorIs(t, err, errRollback, "nothing older")

			_, err = runTrain(t, getenv, "rollback", "-to", "20990101T000000.000000000Z-nope")
			require.ErrorContains(t, err, "no complete version")
			out, err = runTrain(t, getenv, "rollback", "-to", pushed[2])
			require.NoError(t, err, out)
			assert.Equal(t, pushed[2], versionOf(t, getenv))

			// A version whose model.json no longer matches its push is
			// refused, and current.json stays.
			corrupt(t, srv, store, pushed[1])
			_, err = runTrain(t, getenv, "rollback", "-to", pushed[1])
			require.ErrorContains(t, err, "fails verification")
			assert.Equal(t, pushed[2], versionOf(t, getenv))

			// The direct payloads do the same under Lambda.
			res, err := invokeEnv(t, getenv, writeEvent(t, `{"command":"rollback","to":"`+pushed[0]+`"}`))
			require.NoError(t, err)
			assert.Equal(t, true, res["rolled_back"])
			assert.Equal(t, pushed[0], versionOf(t, getenv))
		})
	}
}

func versionOf(t *testing.T, getenv func(string) string) string {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"versions", "-json"}, getenv, nil, &out, &out))
	var vs []versionInfo
	require.NoError(t, json.Unmarshal(out.Bytes(), &vs))
	for _, v := range vs {
		if v.Current {
			return v.Version
		}
	}
	t.Fatal("no current version")
	return ""
}

// corrupt flips a byte of a version's model.json in place.
func corrupt(t *testing.T, srv *s3test.Server, store, version string) {
	t.Helper()
	ctx := context.Background()
	var s modelstore.Store = modelstore.NewDir(store)
	if strings.HasPrefix(store, "s3://") {
		s = srv.Store("models", "rollback")
	}
	b, err := s.ReadFile(ctx, "student-math-score", version, "model.json")
	require.NoError(t, err)
	b = bytes.Replace(b, []byte(`"name"`), []byte(`"nome"`), 1)
	if strings.HasPrefix(store, "s3://") {
		srv.Put(t, "models", "rollback/student-math-score/versions/"+version+"/model.json", b)
		return
	}
	require.NoError(t, os.WriteFile(store+"/student-math-score/versions/"+version+"/model.json", b, 0o644))
}

// Eight trainers push to one S3 store at once, ten rounds: each round ends
// with exactly one current.json naming a complete version that verifies,
// no orphaned version, and every loser exits non-zero naming the race.
func TestS3RaceOfEightTrainers(t *testing.T) {
	bin := buildTrain(t)
	srv := s3test.Start(t)
	srv.Bucket(t, "models")
	test := generated(t, 1000, 999)
	const trainers, rounds = 8, 10
	pushes, losses := 0, 0
	bases := map[string]bool{} // the base versions pushes started from
	for round := range rounds {
		var wg sync.WaitGroup
		type result struct {
			out  string
			code int
		}
		results := make([]result, trainers)
		for i := range trainers {
			wg.Go(func() {
				// More rows each round, so later rounds mostly beat the base.
				cmd := exec.Command(bin, "run", "-store", "s3://models/race", "-test-data", test,
					"-data", fmt.Sprintf("synthetic:%d", 1000*(round+1)), "-seed", fmt.Sprint(100*round+i), "-folds", "2")
				cmd.Env = append(os.Environ(), srv.Env()...)
				out, err := cmd.CombinedOutput()
				results[i] = result{string(out), cmd.ProcessState.ExitCode()}
				_ = err
			})
		}
		wg.Wait()
		won, lost := 0, 0
		for i, r := range results {
			switch {
			case r.code == 0 && strings.Contains(r.out, "\npushed: "):
				won++
				// The base this winner started from: no other winner may
				// have started from it, or one push overwrote another.
				base := "none"
				if m := baseVersion.FindStringSubmatch(r.out); m != nil {
					base = m[1] + m[2]
				} else {
					require.Contains(t, r.out, "(no current model)", "round %d trainer %d", round, i)
				}
				require.False(t, bases[base], "round %d trainer %d: a second push from base %s:\n%s", round, i, base, r.out)
				bases[base] = true
			case r.code == 0 && strings.Contains(r.out, "not pushed: "):
			case r.code != 0 && strings.Contains(r.out, "lost the race") && strings.Contains(r.out, "was deleted"):
				lost++
			default:
				t.Fatalf("round %d trainer %d: exit %d:\n%s", round, i, r.code, r.out)
			}
		}
		if round == 0 {
			// Trainers that start late (a loaded machine) may see the
			// winner's pointer instead of an empty store: not a race, and
			// not counted as one; but someone won.
			require.GreaterOrEqual(t, won, 1, "round 0")
		}
		pushes += won
		losses += lost
		p, b := s3Current(t, srv, "s3://models/race")
		_, err := model.Load(b, p.SHA256)
		require.NoError(t, err, "round %d: current.json names a version that verifies", round)
		vs, err := srv.Store("models", "race").Versions(context.Background(), "student-math-score")
		require.NoError(t, err)
		require.Len(t, vs, pushes, "round %d: one version per push, no orphans", round)
		entries, err := os.ReadDir(srv.Root() + "/models/race/student-math-score/versions")
		require.NoError(t, err)
		require.Len(t, entries, pushes, "round %d: no partial version folder left", round)
	}
	t.Logf("%d rounds of %d trainers: %d pushes, %d lost races", rounds, trainers, pushes, losses)
	require.Positive(t, losses, "the trainers raced")
}

// baseVersion finds the base of a push in train's summary.
var baseVersion = regexp.MustCompile(`not worse than current version (\S+) on the same held-out rows|current version (\S+) (?:is unreadable|fails verification|cannot)`)

// S3 stopped in the middle of a push: the run fails, current.json is
// unchanged, and once S3 is back the next run succeeds.
func TestS3StoppedDuringAPush(t *testing.T) {
	srv := s3test.Start(t)
	srv.Bucket(t, "models")
	proxy := s3test.NewProxy(t, srv)
	getenv := s3Env(t, srv, "MODEL_STORE", "s3://models/fault", "AWS_ENDPOINT_URL_S3", proxy.Endpoint())
	out, err := runTrain(t, getenv, "-data", "synthetic:2000", "-seed", "1")
	require.NoError(t, err, out)
	before := snapshot(t, srv.Root()+"/models/fault/student-math-score/current.json")

	var once sync.Once
	proxy.OnRequest = func(r *http.Request) bool {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/versions/") {
			once.Do(func() { srv.Stop(t) })
		}
		return true
	}
	_, err = runTrain(t, getenv, "-data", "synthetic:3000", "-seed", "2")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "push")
	proxy.OnRequest = nil
	srv.Restart(t)
	sameTree(t, before, snapshot(t, srv.Root()+"/models/fault/student-math-score/current.json"))
	p, b := s3Current(t, srv, "s3://models/fault")
	_, err = model.Load(b, p.SHA256)
	require.NoError(t, err)

	out, err = runTrain(t, getenv, "-data", "synthetic:3000", "-seed", "2")
	require.NoError(t, err, out)
}

// The train process killed (SIGKILL) between writing its version and the
// pointer: the store stays consistent and readable, the next run succeeds.
func TestS3KilledBetweenVersionAndPointer(t *testing.T) {
	bin := buildTrain(t)
	srv := s3test.Start(t)
	srv.Bucket(t, "models")
	proxy := s3test.NewProxy(t, srv)
	run := func(seed string) *exec.Cmd {
		cmd := exec.Command(bin, "run", "-store", "s3://models/kill", "-data", "synthetic:2000", "-seed", seed)
		cmd.Env = append(append(os.Environ(), srv.Env()...), "AWS_ENDPOINT_URL_S3="+proxy.Endpoint())
		return cmd
	}
	out, err := run("1").CombinedOutput()
	require.NoError(t, err, "%s", out)
	first, _ := s3Current(t, srv, "s3://models/kill")

	cmd := run("2")
	var mu sync.Mutex
	killed := false
	proxy.OnRequest = func(r *http.Request) bool {
		if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/current.json") {
			mu.Lock()
			defer mu.Unlock()
			cmd.Process.Kill()
			killed = true
			return false // the pointer write never arrives
		}
		return true
	}
	err = cmd.Run()
	require.Error(t, err)
	mu.Lock()
	require.True(t, killed, "the run reached the pointer write")
	mu.Unlock()
	proxy.OnRequest = nil

	cur, b := s3Current(t, srv, "s3://models/kill")
	assert.Equal(t, first.Version, cur.Version, "the pointer still names the old version")
	_, err = model.Load(b, cur.SHA256)
	require.NoError(t, err, "and it verifies")

	out, err = run("3").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "pushed: ")
}
