//go:build unix

package deploy

import (
	"os/exec"
	"syscall"
)

// processGroupAttr puts a child in its own process group, so that the whole group can
// be signalled and a terminal's Ctrl-C reaches only the runner, which then stops it.
func processGroupAttr() *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(attr)
	return attr
}

// terminateGroup sends SIGTERM to the process group led by cmd's process.
func terminateGroup(cmd *exec.Cmd) {
	syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
}

// killGroup sends SIGKILL to the process group led by cmd's process.
func killGroup(cmd *exec.Cmd) {
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
