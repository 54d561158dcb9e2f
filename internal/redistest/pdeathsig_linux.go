package redistest

import (
	"os/exec"
	"syscall"
)

// serverDiesWithParent is true where setParentDeathSignal works, so a
// throwaway redis-server never outlives the test binary.
const serverDiesWithParent = true

// setParentDeathSignal makes the kernel kill the server when the thread
// that started it ends.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
