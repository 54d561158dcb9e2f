package redisconn

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Persistence is what one Redis server promises about a write it has
// acknowledged surviving its own crash or restart. Redis answers a write
// before it reaches the disk: with appendfsync everysec (the default when
// the append-only file is on) up to a second of acknowledged writes is
// lost in a crash, and without the append-only file everything since the
// last snapshot. For the bot that could be the called marker or the move
// to executing, written just before the restore call.
type Persistence struct {
	Version string // redis_version
	AOF     bool   // the append-only file is on (aof_enabled)
	Fsync   string // appendfsync; "" when CONFIG GET is not allowed
	// WaitAOF: the server has WAITAOF (Redis 7.2 and later), which waits
	// until the writes of the connection are fsynced to the local AOF.
	WaitAOF bool
}

// Durable reports whether an acknowledged write survives the server's
// crash: fsynced before the answer (appendfsync always), or confirmed by
// WAITAOF after it (which the store then sends; see approvals.Durability).
func (p Persistence) Durable() bool { return p.AOF && (p.WaitAOF || p.Fsync == "always") }

// String says it in a few words, for logs and errors.
func (p Persistence) String() string {
	aof := "appendonly no"
	if p.AOF {
		aof = "appendonly yes"
	}
	fsync := p.Fsync
	if fsync == "" {
		fsync = "unknown (CONFIG GET refused)"
	}
	return fmt.Sprintf("Redis %s, %s, appendfsync %s, WAITAOF %t", p.Version, aof, fsync, p.WaitAOF)
}

// ReadPersistence asks the server behind c (a single server) how it
// persists: INFO server and persistence, and CONFIG GET appendfsync where
// the server allows it (managed services often do not; then Fsync is "").
func ReadPersistence(ctx context.Context, c redis.UniversalClient) (Persistence, error) {
	fields := map[string]string{}
	for _, section := range []string{"server", "persistence"} { // one at a time: INFO a b is Redis 7+
		info, err := c.Info(ctx, section).Result()
		if err != nil {
			return Persistence{}, fmt.Errorf("read redis persistence (INFO %s): %w", section, err)
		}
		for _, line := range strings.Split(info, "\n") {
			if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
				fields[k] = v
			}
		}
	}
	p := Persistence{Version: fields["redis_version"], AOF: fields["aof_enabled"] == "1"}
	p.WaitAOF = AtLeast(p.Version, 7, 2)
	if v, err := c.ConfigGet(ctx, "appendfsync").Result(); err == nil {
		p.Fsync = v["appendfsync"]
	}
	return p, nil
}

// AtLeast reports whether a Redis version (major.minor.patch) is at least
// major.minor.
func AtLeast(version string, major, minor int) bool {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}
