//go:build !linux

package main

import (
	"os/exec"
	"time"
)

// setParentDeathSignal does nothing here: only Linux has Pdeathsig. The
// load tool still stops its children on every normal path.
func setParentDeathSignal(*exec.Cmd) {}

// selfCPU is not measured here (the load tool reads /proc, Linux only).
func selfCPU() time.Duration { return 0 }
