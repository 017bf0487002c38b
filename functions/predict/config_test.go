package main

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/cli"
)

func TestConfigDrift(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want bool
	}{
		{name: "default on", want: true},
		{name: "env off", env: map[string]string{"DRIFT": "off"}, want: false},
		{name: "env on", env: map[string]string{"DRIFT": "on"}, want: true},
		{name: "env OFF, any case", env: map[string]string{"DRIFT": " OFF "}, want: false},
		{name: "flag off", args: []string{"-drift", "off"}, want: false},
		{name: "flag overrides env", env: map[string]string{"DRIFT": "off"}, args: []string{"-drift=on"}, want: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := loadConfig("serve", tc.args, func(k string) string { return tc.env[k] }, io.Discard)
			require.NoError(t, err)
			assert.Equal(t, tc.want, cfg.Drift, "Drift")
		})
	}
}

func TestConfigDriftBadValue(t *testing.T) {
	_, err := loadConfig("serve", nil, func(k string) string { return map[string]string{"DRIFT": "sometimes"}[k] }, io.Discard)
	var u cli.UsageError
	require.ErrorAs(t, err, &u, "a bad DRIFT is a usage error")
	assert.ErrorContains(t, err, `DRIFT="sometimes"`, "the error names the variable and value")
	assert.ErrorContains(t, err, "on or off")

	_, err = loadConfig("serve", []string{"-drift", "maybe"}, func(string) string { return "" }, io.Discard)
	require.ErrorAs(t, err, &u, "a bad -drift is a usage error")
	assert.ErrorContains(t, err, "-drift")
}
