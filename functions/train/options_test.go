package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTableOptionsAreCheckedLikeFlags: a request's target, task, ignore,
// categorical and schema set what the flags set, and are refused as the
// flags are.
func TestTableOptionsAreCheckedLikeFlags(t *testing.T) {
	base, err := loadConfig("serve", nil, env(), io.Discard)
	require.NoError(t, err)
	o, err := decodeOptions([]byte(`{"target":"Sale Price","task":"regression","ignore":["a"," b "],"categorical":"c, d,"}`))
	require.NoError(t, err)
	cfg, err := o.apply(base)
	require.NoError(t, err)
	assert.Equal(t, "Sale Price", cfg.Target)
	assert.Equal(t, "sale-price", cfg.Model, "a target names its model as -target does")
	assert.Equal(t, "regression", cfg.Task)
	assert.Equal(t, []string{"a", "b"}, cfg.Ignore)
	assert.Equal(t, []string{"c", "d"}, cfg.Categorical)
	assert.Empty(t, base.Target, "the configuration itself is not changed")

	named, err := loadConfig("serve", nil, env("MODEL_NAME", "houses"), io.Discard)
	require.NoError(t, err)
	cfg, err = o.apply(named)
	require.NoError(t, err)
	assert.Equal(t, "houses", cfg.Model, "the operator's MODEL_NAME stands")

	o, err = decodeOptions([]byte(`{"schema":"s3://bucket/schema.json"}`))
	require.NoError(t, err)
	cfg, err = o.apply(base)
	require.NoError(t, err)
	assert.Equal(t, "s3://bucket/schema.json", cfg.SchemaURI)

	for body, want := range map[string]string{
		`{"target":""}`:                                 "target: must not be empty",
		`{"task":"sideways"}`:                           `task "sideways": want auto, regression or classification`,
		`{"schema":"s.json","ignore":["a"]}`:            "a schema file replaces",
		`{"schema":"s.json","categorical":"a"}`:         "a schema file replaces",
		`{"target":"%%%"}`:                              "", // kebab case of nothing is "model": fine
		`{"target":"price","test_fraction":2.0}`:        "test_fraction 2",
		`{"target":"` + strings.Repeat("x", 200) + `"}`: "invalid model name",
	} {
		o, err := decodeOptions([]byte(body))
		require.NoError(t, err, body)
		_, err = o.apply(base)
		if want == "" {
			assert.NoError(t, err, body)
			continue
		}
		require.ErrorIs(t, err, errBadOptions, body)
		assert.Contains(t, err.Error(), want, body)
	}
	for body, want := range map[string]string{
		`{"ignore":5}`:     "want an array of column names",
		`{"ignore":[1]}`:   "want an array of column names",
		`{"targets":"x"}`:  "members: command, to, data, test_data, test_fraction, seed, min_r2, target, task, ignore, categorical, schema",
		`{"target":["x"]}`: "target",
	} {
		_, err := decodeOptions([]byte(body))
		require.ErrorIs(t, err, errBadOptions, body)
		assert.Contains(t, err.Error(), want, body)
	}
}

// TestServeTrainsAnyTable: POST /train and a direct payload train a
// table named by its target (or by a schema file under the data guard)
// into the target's model, and refuse what train run refuses, with a 4xx.
func TestServeTrainsAnyTable(t *testing.T) {
	data := houses(t, 200, 3)
	dir := filepath.Dir(data)
	store := t.TempDir()
	out, err := runTrain(t, env(), "schema", "-data", data, "-target", "price", "-ignore", "listed", "-out", filepath.Join(dir, "schema.json"))
	require.NoError(t, err, out)
	elsewhere := filepath.Join(t.TempDir(), "schema.json")
	b, err := os.ReadFile(filepath.Join(dir, "schema.json"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(elsewhere, b, 0o644))

	base := server(t, "MODEL_STORE", store, "DATA_URI", data)
	status, m := post(t, base+"/train", "", `{"target":"price","ignore":["listed"]}`)
	require.Equal(t, http.StatusOK, status, "%v", m)
	assert.Equal(t, "price", m["model"])
	assert.Equal(t, true, m["pushed"], "%v", m)
	model, _ := modelOf(t, store, "price")
	assert.Equal(t, "price", model.Target)
	assert.NotContains(t, featureNames(model.Schema()), "listed.year", "ignore was honoured")
	before := tree(t, store)

	cases := []struct {
		body   string
		status int
		want   string
	}{
		{`{"target":"district"}`, http.StatusBadRequest, "classification target"},
		{`{"target":"cost"}`, http.StatusBadRequest, `target "cost" is not a column`},
		{`{"target":"k"}`, http.StatusBadRequest, "constant"},
		{`{"task":"sideways"}`, http.StatusBadRequest, "task"},
		{`{"schema":"/etc/passwd"}`, http.StatusForbidden, `schema "/etc/passwd": outside the data sources`},
		{`{"schema":"` + elsewhere + `"}`, http.StatusForbidden, "outside the data sources"},
		{`{"target":"price","schema":"` + filepath.Join(dir, "schema.json") + `","ignore":"listed"}`, http.StatusBadRequest, "a schema file replaces"},
	}
	for _, c := range cases {
		status, m := post(t, base+"/train", "", c.body)
		assert.Equal(t, c.status, status, "%s: %v", c.body, m)
		assert.Contains(t, m["error"], c.want, c.body)
		assert.Equal(t, before, tree(t, store), "%s: the store must be unchanged", c.body)
	}

	// The schema file alone names the target and so the model; the same
	// model as the request above, so not pushed again.
	status, m = post(t, base+"/train", "", `{"schema":"`+filepath.Join(dir, "schema.json")+`"}`)
	require.Equal(t, http.StatusOK, status, "%v", m)
	assert.Equal(t, "price", m["model"])
	assert.Equal(t, false, m["pushed"], "%v", m)
	assert.Contains(t, m["reason"], "is this very model", "%v", m)

	// A direct payload, through the invoke route as under Lambda.
	status, m = post(t, base+"/2015-03-31/functions/function/invocations", "", `{"target":"price","ignore":"listed","seed":9}`)
	require.Equal(t, http.StatusOK, status, "%v", m)
	assert.Equal(t, "price", m["model"], "%v", m)
	status, m = post(t, base+"/2015-03-31/functions/function/invocations", "", `{"command":"versions","target":"price"}`)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, m["errorMessage"], "takes no run options")
}

func TestColumnsReadsArraysAndStrings(t *testing.T) {
	var c columns
	require.NoError(t, json.Unmarshal([]byte(`"a, b,,c"`), &c))
	assert.Equal(t, columns{"a", "b", "c"}, c)
	require.NoError(t, json.Unmarshal([]byte(`["x"]`), &c))
	assert.Equal(t, columns{"x"}, c)
	assert.Error(t, json.Unmarshal([]byte(`{"a":1}`), &c))

	// An empty list clears the operator's.
	ignoring, err := loadConfig("serve", []string{"-ignore", "a,b"}, env(), io.Discard)
	require.NoError(t, err)
	o, err := decodeOptions([]byte(`{"ignore":[]}`))
	require.NoError(t, err)
	cfg, err := o.apply(ignoring)
	require.NoError(t, err)
	assert.Empty(t, cfg.Ignore)
	assert.Equal(t, []string{"a", "b"}, ignoring.Ignore)
}
