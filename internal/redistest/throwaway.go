package redistest

import (
	"fmt"
	"os/exec"

	"github.com/alicebob/miniredis/v2"
)

// Throwaway gives a program (the load tool) a Redis of its own, as New
// does a test without REDIS_URL: a redis-server from PATH with persistence
// off on a free loopback port (closest to production), else, when there is
// none or it does not start, an embedded miniredis (Lua included, key TTLs
// on the wall clock). stop ends it.
func Throwaway() (url string, stop func(), err error) {
	if path, err := exec.LookPath("redis-server"); err == nil {
		if s, err := Launch(Options{Bin: path}); err == nil {
			return s.URL(), s.Kill, nil
		}
	}
	m := miniredis.NewMiniRedis()
	m.ClockTTL(true)
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return "", nil, fmt.Errorf("start the in-process Redis emulator: %w", err)
	}
	return "redis://" + m.Addr() + "/0", m.Close, nil
}
