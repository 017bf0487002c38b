// Package codecheck holds checks of the repository's own Go source that
// neither the compiler nor vet nor staticcheck makes. Its code is tests:
// go test ./... runs them with everything else.
//
//   - No function or method in non-test code is longer than 100 lines
//     (TestFunctionLength); the failure lists every offender with its
//     file, line and length.
package codecheck
