package dataset_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
)

// TestFoldRuleMatchesFeatures: the rule inference states in its reasons
// is the one features.Fit applies.
func TestFoldRuleMatchesFeatures(t *testing.T) {
	assert.Equal(t, features.MaxLevels, dataset.KeepLevels)
	assert.Equal(t, features.OtherLevel, dataset.OtherLevel)
}
