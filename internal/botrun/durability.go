package botrun

import (
	"context"
	"fmt"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/redisconn"
)

// durability is how the store confirms a write before the bot acts on it
// (nil: the embedded store, which confirms nothing). Replicas confirm it
// (WAIT) wherever the deployment has them. A single server with none must
// keep an acknowledged write across its own crash: WAITAOF (Redis 7.2+
// with the append-only file) after each confirmed write, or appendfsync
// always. Otherwise the bot refuses to start, naming the settings, unless
// REDIS_DURABILITY=best_effort, when it starts with a loud warning.
func durability(ctx context.Context, p parts) (*approvals.Durability, error) {
	if p.conn.Embedded {
		return nil, nil
	}
	d := approvals.Durability{MinReplicas: p.cfg.RedisWaitReplicas, Timeout: p.cfg.RedisWaitTimeout, Patience: p.cfg.RedisConfirmWithin}
	if d.MinReplicas < 0 { // unset: a deployment with failover has at least one replica
		d.MinReplicas = 0
		if p.conn.Mode != redisconn.ModeSingle {
			d.MinReplicas = 1
		}
	}
	if p.conn.Mode != redisconn.ModeSingle || d.MinReplicas > 0 {
		return &d, nil // a replica holds every confirmed write
	}
	per, err := redisconn.ReadPersistence(ctx, p.conn.Client)
	switch {
	case err != nil && p.cfg.RedisBestEffort:
		p.log.Warn().Err(err).Msg("REDIS_DURABILITY=best_effort: could not read how this Redis server persists; it may lose the last acknowledged writes in a crash")
		return &d, nil
	case err != nil:
		return nil, fmt.Errorf("REDIS_URL %s: %w (the bot needs to know it keeps acknowledged writes across a crash; REDIS_DURABILITY=best_effort skips the check)", p.conn.Addr, err)
	}
	switch {
	case per.AOF && per.WaitAOF:
		d.WaitAOF = true
	case per.Durable():
	case p.cfg.RedisBestEffort:
		p.log.Warn().Str("redis_persistence", per.String()).
			Msg("REDIS_DURABILITY=best_effort: this Redis server can lose the last acknowledged writes in a crash; the called marker of a restore could vanish and the restore be reported not called while it runs")
	default:
		return nil, fmt.Errorf("REDIS_URL %s cannot promise to keep an acknowledged write across a crash (%s): "+
			"the called marker or an approval written just before a restore call could vanish, and the restore be reported not called while it runs. "+
			"Set appendonly yes with appendfsync always (or use Redis 7.2+ with appendonly yes: the bot then waits for WAITAOF), "+
			"or use replicas (redis+sentinel://, redis+cluster://, or REDIS_WAIT_REPLICAS>=1), "+
			"or set REDIS_DURABILITY=best_effort to accept the risk", p.conn.Addr, per)
	}
	return &d, nil
}
