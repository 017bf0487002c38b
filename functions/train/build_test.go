package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var trainBin struct {
	once sync.Once
	path string
	err  error
}

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return fmt.Sprintf("build train: %v\n%s", e.err, e.out) }

func TestMain(m *testing.M) {
	code := m.Run()
	if trainBin.path != "" {
		os.RemoveAll(filepath.Dir(trainBin.path))
	}
	os.Exit(code)
}
