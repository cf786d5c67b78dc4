//go:build unix

package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
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

// lockPorts takes a lock shared by every runner of this machine (a file in the
// temporary directory), so that copies of applications started at the same time do
// not pick the same free ports: each starts once the one before it is listening. The
// returned function releases it. A lock that cannot be taken is not an error: the
// start proceeds unlocked.
func lockPorts() func() {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "filibuster-ports.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return func() {}
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return func() {}
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}
}
