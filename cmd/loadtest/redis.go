package main

import (
	"fmt"

	"github.com/alicebob/miniredis/v2"
)

// embeddedRedis starts the Redis emulator the bot itself embeds without
// REDIS_URL (miniredis, Lua scripts included) on a loopback port, so the
// load tool needs no Redis of its own. The replicas, separate processes,
// share it over TCP. A real Redis (-redis) gives latencies closer to
// production; the bots' memory figures are the same either way.
func embeddedRedis() (url string, stop func(), err error) {
	m := miniredis.NewMiniRedis()
	m.ClockTTL(true) // key TTLs (leases) on the wall clock, as in Redis
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return "", nil, fmt.Errorf("start the in-process Redis emulator: %w", err)
	}
	return "redis://" + m.Addr() + "/0", m.Close, nil
}
