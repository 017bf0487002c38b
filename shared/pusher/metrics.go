package pusher

import (
	"encoding/json"
	"fmt"

	"github.com/studentperf/studentperf/shared/model"
)

func encodeMetrics(m *model.Metrics) ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode metrics: %w", err)
	}
	return append(b, '\n'), nil
}
