//go:build !unix

package lambdatest

import "os/exec"

// setProcessGroup does nothing where there are no process groups (the emulator runs on Linux only).
func setProcessGroup(*exec.Cmd) {}

// terminate kills cmd: there is no SIGTERM to ask with.
func terminate(cmd *exec.Cmd) error {
	return cmd.Process.Kill()
}

// killProcessGroup kills the started cmd.
func killProcessGroup(cmd *exec.Cmd) error {
	return cmd.Process.Kill()
}
