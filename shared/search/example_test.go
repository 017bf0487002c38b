package search_test

import (
	"fmt"

	"github.com/studentperf/studentperf/shared/search"
)

// Criteria and kNN weightings are coded as numbers in a candidate's
// parameters; ParamValue writes them back by name, and any other value
// as a plain decimal.
func ExampleParamValue() {
	fmt.Println(search.ParamValue("criterion", 0), search.ParamValue("criterion", 3))
	fmt.Println(search.ParamValue("weights", 1))
	fmt.Println(search.ParamValue("n_estimators", 256), search.ParamValue("learning_rate", 0.1))
	fmt.Println(search.ParamValue("criterion", 9), search.ParamValue("weights", 0.5))
	// Output:
	// squared_error poisson
	// distance
	// 256 0.1
	// 9 0.5
}
