package emf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// units are the units the format accepts (CloudWatch's StandardUnit).
var units = map[string]bool{}

func init() {
	for _, u := range strings.Fields(`Seconds Microseconds Milliseconds Bytes Kilobytes Megabytes Gigabytes
		Terabytes Bits Kilobits Megabits Gigabits Terabits Percent Count Bytes/Second Kilobytes/Second
		Megabytes/Second Gigabytes/Second Terabytes/Second Bits/Second Kilobits/Second Megabits/Second
		Gigabits/Second Terabits/Second Count/Second None`) {
		units[u] = true
	}
}

// Validate checks one log line against the Embedded Metric Format
// specification: a JSON object and nothing else; an "_aws" object with a
// numeric Timestamp and a CloudWatchMetrics array of directives; each
// directive with a non-blank Namespace of at most 1024 characters,
// Dimensions (sets of at most 30 names, each naming a string member of the
// root) and Metrics (at most 100, each a Name of 1 to 1024 characters
// naming a root member that is a number or an array of at most 100
// numbers, a Unit from CloudWatch's list if any, a StorageResolution of 1
// or 60 if any). It returns the metric values by name.
func Validate(line []byte) (map[string][]float64, error) {
	var root map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&root); err != nil || root == nil {
		return nil, fmt.Errorf("not a JSON object: %v", err)
	}
	if dec.More() {
		return nil, errors.New("data after the JSON object")
	}
	var meta struct {
		Timestamp         *json.Number
		CloudWatchMetrics *[]struct {
			Namespace  *string
			Dimensions *[][]string
			Metrics    *[]struct {
				Name              *string
				Unit              *string
				StorageResolution *int
			}
		}
	}
	raw, ok := root["_aws"]
	if !ok {
		return nil, errors.New(`no "_aws" member`)
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&meta); err != nil {
		return nil, fmt.Errorf(`"_aws": %v`, err)
	}
	if meta.Timestamp == nil {
		return nil, errors.New(`"_aws" has no Timestamp`)
	}
	if _, err := meta.Timestamp.Int64(); err != nil {
		return nil, fmt.Errorf("_aws.Timestamp %s: not milliseconds since the epoch", *meta.Timestamp)
	}
	if meta.CloudWatchMetrics == nil {
		return nil, errors.New(`"_aws" has no CloudWatchMetrics`)
	}
	values := map[string][]float64{}
	for i, dir := range *meta.CloudWatchMetrics {
		where := fmt.Sprintf("CloudWatchMetrics[%d]", i)
		if dir.Namespace == nil || strings.TrimSpace(*dir.Namespace) == "" || len(*dir.Namespace) > 1024 {
			return nil, fmt.Errorf("%s: Namespace missing, blank or over 1024 characters", where)
		}
		if dir.Dimensions == nil {
			return nil, fmt.Errorf("%s: no Dimensions", where)
		}
		for _, set := range *dir.Dimensions {
			if len(set) > 30 {
				return nil, fmt.Errorf("%s: a dimension set of %d names (at most 30)", where, len(set))
			}
			for _, name := range set {
				var s string
				if err := json.Unmarshal(root[name], &s); err != nil {
					return nil, fmt.Errorf("%s: dimension %q is not a string member of the root", where, name)
				}
			}
		}
		if dir.Metrics == nil || len(*dir.Metrics) > 100 {
			return nil, fmt.Errorf("%s: Metrics missing or over 100", where)
		}
		for _, m := range *dir.Metrics {
			if m.Name == nil || *m.Name == "" || len(*m.Name) > 1024 {
				return nil, fmt.Errorf("%s: a metric without a Name of 1 to 1024 characters", where)
			}
			if m.Unit != nil && !units[*m.Unit] {
				return nil, fmt.Errorf("%s: metric %s: unit %q is not a CloudWatch unit", where, *m.Name, *m.Unit)
			}
			if m.StorageResolution != nil && *m.StorageResolution != 1 && *m.StorageResolution != 60 {
				return nil, fmt.Errorf("%s: metric %s: StorageResolution %d (want 1 or 60)", where, *m.Name, *m.StorageResolution)
			}
			member, ok := root[*m.Name]
			if !ok {
				return nil, fmt.Errorf("%s: metric %s has no member in the root", where, *m.Name)
			}
			var v float64
			var vs []float64
			if err := json.Unmarshal(member, &v); err == nil {
				vs = []float64{v}
			} else if err := json.Unmarshal(member, &vs); err != nil || len(vs) == 0 || len(vs) > 100 {
				return nil, fmt.Errorf("%s: metric %s: %s is not a number or an array of 1 to 100 numbers", where, *m.Name, member)
			}
			values[*m.Name] = vs
		}
	}
	return values, nil
}
