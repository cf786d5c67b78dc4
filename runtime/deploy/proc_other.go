//go:build !unix

package deploy

import (
	"os/exec"
	"syscall"
)

// processGroupAttr returns nil: process groups are a Unix notion.
func processGroupAttr() *syscall.SysProcAttr { return nil }

// terminateGroup kills cmd's process: there is no gentler portable signal.
func terminateGroup(cmd *exec.Cmd) { cmd.Process.Kill() }

// killGroup kills cmd's process.
func killGroup(cmd *exec.Cmd) { cmd.Process.Kill() }

// lockPorts does nothing here: copies started at the same time may pick the same
// ports, and the second one then fails to start.
func lockPorts() func() { return func() {} }
