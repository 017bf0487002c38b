package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ErrChecksum reports model bytes whose sha256 is not the expected one.
var ErrChecksum = errors.New("model: checksum mismatch")

// Encode returns model.json: indented JSON, byte-identical for identical
// models (fields in declaration order, map keys sorted, floats in their
// shortest exact form, which decodes to the same bits).
func Encode(m *Model) ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode model: %w", err)
	}
	return append(b, '\n'), nil
}

// Decode parses and checks model.json. Unknown fields and trailing data
// are errors.
func Decode(data []byte) (*Model, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Model
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode model: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("decode model: trailing data after the JSON object")
	}
	if err := m.init(); err != nil {
		return nil, fmt.Errorf("decode model: %w", err)
	}
	return &m, nil
}

// Sum is the hex sha256 of model bytes, as current.json records it.
func Sum(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// Load verifies that data hashes to wantSHA256 and decodes it.
func Load(data []byte, wantSHA256 string) (*Model, error) {
	if got := Sum(data); got != wantSHA256 {
		return nil, fmt.Errorf("%w: got sha256 %s; want %s", ErrChecksum, got, wantSHA256)
	}
	return Decode(data)
}
