package deploy

import "syscall"

// setParentDeathSignal makes the kernel kill the child when the runner dies without
// cleaning up (SIGKILL, a crash), so no service outlives it.
func setParentDeathSignal(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGKILL
}
