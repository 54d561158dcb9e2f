//go:build !linux

package redistest

import "os/exec"

// serverDiesWithParent is false where the kernel cannot kill a child with
// its parent: a shared redis-server would outlive every test binary, so
// New uses miniredis instead (set REDIS_URL to test against Redis).
const serverDiesWithParent = false

func setParentDeathSignal(*exec.Cmd) {}
