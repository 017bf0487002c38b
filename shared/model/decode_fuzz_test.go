package model_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/model"
)

// FuzzDecode: no bytes make Decode panic, and whatever it accepts can
// predict a row of the right shape without panicking.
func FuzzDecode(f *testing.F) {
	m, _ := trained(f, 200)
	good, err := model.Encode(m)
	require.NoError(f, err)
	f.Add(good)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"format":1,"name":"m","features":[],"transform":{"numeric":[],"categorical":[]},"estimator":{"linear":{"intercept":1,"coef":[]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := model.Decode(data)
		if err != nil {
			return
		}
		m.Predict(reference)
		_, err = model.Encode(m)
		require.NoError(t, err, "a decoded model does not encode")
	})
}
