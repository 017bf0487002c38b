package request

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/studentperf/studentperf/shared/features"
)

// Instances decodes a KServe V1 predict body, {"instances": [...]} of at
// most maxBatch instances, each either a record (as POST /predict takes
// it) or an array of the feature values in schema order (as KServe's
// scikit-learn clients send them). Every problem is named, with the
// instance's index and the feature's name.
func Instances(body []byte, fs *Fields, maxBatch int) ([]features.Row, error) {
	if err := checkJSON(body); err != nil {
		return nil, err
	}
	var req struct {
		Instances []json.RawMessage `json:"instances"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(&req)
	if err == nil && !exactMember(body, "instances") {
		// encoding/json matched the member case-insensitively
		// ("INSTANCES"); the general decoder, reading the body again,
		// would not.
		err = errors.New(`the member must be named "instances"`)
	}
	if err != nil || req.Instances == nil {
		msg := "want {\"instances\": [...]}"
		if err != nil {
			msg += ": " + err.Error()
		}
		return nil, fmt.Errorf("%w: KServe V1 predict body: %s", ErrBadRequest, msg)
	}
	if len(req.Instances) > maxBatch {
		return nil, fmt.Errorf("%w: more than %d instances in one request (MAX_BATCH)", ErrTooLarge, maxBatch)
	}
	if len(req.Instances) == 0 || bytes.TrimSpace(req.Instances[0])[0] != '[' {
		r, err := decodePredict(body, fs, maxBatch)
		return r.Rows, err
	}
	records, err := positional(req.Instances, fs)
	if err != nil {
		return nil, err
	}
	r, err := decodePredict(records, fs, maxBatch)
	return r.Rows, err
}

// positional turns instances that are arrays of feature values into the
// same instances as records, for the general decoder to check.
func positional(instances []json.RawMessage, fs *Fields) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"instances":[`)
	for i, raw := range instances {
		var values []json.RawMessage
		if err := json.Unmarshal(raw, &values); err != nil {
			return nil, fmt.Errorf("%w: instances[%d] must be an array of the feature values, like instances[0]", ErrBadRequest, i)
		}
		if len(values) != len(fs.names) {
			return nil, features.Problems{{Field: fmt.Sprintf("instances[%d]", i), Value: fmt.Sprint(len(values)),
				Reason: fmt.Sprintf("has %d values; want the %d features in order: %s", len(values), len(fs.names), strings.Join(fs.names, ", "))}}
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('{')
		for j, v := range values {
			if j > 0 {
				b.WriteByte(',')
			}
			name, _ := json.Marshal(fs.names[j])
			b.Write(name)
			b.WriteByte(':')
			b.Write(v)
		}
		b.WriteByte('}')
	}
	b.WriteString(`]}`)
	return b.Bytes(), nil
}

// exactMember reports whether the JSON object body has a member named
// exactly name.
func exactMember(body []byte, name string) bool {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return false
	}
	_, ok := members[name]
	return ok
}
