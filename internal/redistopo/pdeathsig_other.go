//go:build !linux

package redistopo

import "os/exec"

// dieWithParent: only Linux can tie the server's life to the test binary;
// elsewhere the test's cleanup kills it.
func dieWithParent(*exec.Cmd) {}
