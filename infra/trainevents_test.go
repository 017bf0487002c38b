package infra

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/testkit/lambdatest"
	"github.com/studentperf/studentperf/shared/testkit/s3test"
)

// The deployed train function with exactly the environment the template
// gives it (read from the translated template, not restated here), under
// the Lambda Runtime Interface Emulator, with the template's bucket on a
// local S3 server: the nightly schedule must train on the template's data
// object, and an upload under the trigger's prefix (the S3 event the
// template subscribes to) must train on that upload rather than be refused.
func TestTrainEventsWithTemplateEnvironment(t *testing.T) {
	tpl := translate(t, readTemplate(t), "ImageTag=test")
	lambdatest.Binary(t) // skip (fail under CI) before building, when the emulator is missing
	srv := s3test.Start(t)

	fn, ok := tpl.Resources["TrainFunction"]
	if !ok || fn.Type != "AWS::Lambda::Function" {
		t.Fatal("no TrainFunction in the translated template")
	}
	vars, _ := dig(tpl.resolve(fn.Properties).(map[string]any), "Environment", "Variables").(map[string]any)
	var env, names []string
	for k, v := range vars {
		env = append(env, k+"="+fmt.Sprint(v))
		names = append(names, k)
	}
	sort.Strings(env)
	sort.Strings(names)
	t.Logf("TrainFunction's environment in the template: %v", env)

	// The bucket and the trigger's prefix, as the template names them.
	bucket := tpl.ref("ModelBucket")
	prefix := notificationPrefix(t, tpl, bucket)
	srv.Bucket(t, bucket)
	var csv bytes.Buffer
	if err := dataset.Generate(&csv, 400, 7); err != nil {
		t.Fatal(err)
	}
	dataKey := tpl.Params["DataPrefix"] + "/" + tpl.Params["DataKey"]
	if tpl.Params["DataKey"] == "" {
		dataKey = tpl.Params["DataPrefix"] + "/train.csv" // where a user would put it
	}
	srv.Put(t, bucket, dataKey, csv.Bytes())
	uploadKey := prefix + "uploads/2026-12-07.csv"
	srv.Put(t, bucket, uploadKey, csv.Bytes()[:csv.Len()*3/4-bytes.IndexByte(reverse(csv.Bytes()[:csv.Len()*3/4]), '\n')])

	bin := lambdatest.BuildFunction(t, "../functions/train")
	// The template's variables, then what Lambda adds from the role (here
	// the local server's keys and endpoint): nothing else.
	emu := lambdatest.Start(t, bin, append(env, srv.Env()...))

	schedule := readEvent(t, "../events/train-schedule.json")
	upload := readEvent(t, "../events/train-s3-put.json")
	upload = bytes.ReplaceAll(upload, []byte(`"studentperf-data"`), []byte(`"`+bucket+`"`))
	upload = bytes.ReplaceAll(upload, []byte(`arn:aws:s3:::studentperf-data`), []byte(`arn:aws:s3:::`+bucket))
	upload = bytes.ReplaceAll(upload, []byte(`"students/train.csv"`), []byte(`"`+uploadKey+`"`))

	for _, c := range []struct {
		name  string
		event []byte
		want  string
	}{
		{"schedule (Nightly)", schedule, "s3://" + bucket + "/" + dataKey},
		{"S3 put (NewData)", upload, "s3://" + bucket + "/" + uploadKey},
	} {
		status, body := emu.Invoke(t, c.event)
		var res struct {
			Pushed bool
			Reason string
			Data   struct {
				URI  string
				Rows int
			}
			ErrorMessage string
		}
		if err := json.Unmarshal(body, &res); err != nil || status != 200 {
			t.Errorf("%s: status %d, body %s (%v)", c.name, status, body, err)
			continue
		}
		if res.ErrorMessage != "" {
			t.Errorf("%s: the function failed: %s", c.name, res.ErrorMessage)
			continue
		}
		if res.Data.URI != c.want {
			t.Errorf("%s: trained on %q (%d rows); want %q", c.name, res.Data.URI, res.Data.Rows, c.want)
			continue
		}
		t.Logf("%s: trained on %s, %d rows; pushed %v: %s", c.name, res.Data.URI, res.Data.Rows, res.Pushed, res.Reason)
	}
}

// notificationPrefix is the key prefix of the bucket's notification that
// invokes TrainFunction (SAM turns the S3 event into the bucket's
// NotificationConfiguration).
func notificationPrefix(t *testing.T, tpl *samTemplate, bucket string) string {
	t.Helper()
	b := tpl.Resources["ModelBucket"].Properties
	cfgs, _ := dig(tpl.resolve(b).(map[string]any), "NotificationConfiguration", "LambdaConfigurations").([]any)
	for _, c := range cfgs {
		c, _ := c.(map[string]any)
		if f := fmt.Sprint(c["Function"]); f != tpl.getAtt("TrainFunction", "Arn") && !strings.Contains(f, "TrainFunction") {
			continue
		}
		rules, _ := dig(c, "Filter", "S3Key", "Rules").([]any)
		for _, r := range rules {
			r, _ := r.(map[string]any)
			if strings.EqualFold(fmt.Sprint(r["Name"]), "prefix") {
				return fmt.Sprint(r["Value"])
			}
		}
	}
	t.Fatalf("no S3 notification of bucket %s invokes TrainFunction with a prefix", bucket)
	return ""
}

func readEvent(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func reverse(b []byte) []byte {
	r := make([]byte, len(b))
	for i, c := range b {
		r[len(b)-1-i] = c
	}
	return r
}
