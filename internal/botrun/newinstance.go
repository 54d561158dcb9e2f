package botrun

import (
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/config"
	"github.com/dbrestore/db-restore/internal/lifetime"
	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/redisconn"
	"github.com/dbrestore/db-restore/internal/restore"
)

// newInstances builds what restores to a new instance need: their checks
// (with the policy's new_instance settings), the registry of the instances
// the bot creates (capped by RESTORE_MAX_NEW_INSTANCES) and their manager.
func newInstances(cfg config.Config, log zerolog.Logger, now func() time.Time, conn *redisconn.Conn, store *approvals.Store,
	client *restore.Client, pol *policy.Policy) (*lifetime.Manager, *restore.NewInstanceValidator, error) {
	nv := restore.NewValidator(client, now).ForNewInstances(client, pol)
	reg := lifetime.NewRegistry(conn.Client, cfg.RedisKeyPrefix, now, cfg.MaxNewInstances)
	m, err := lifetime.NewManager(lifetime.Options{Log: log, Registry: reg, Cloud: client, Checker: nv, Freezes: store, Now: now,
		PollInterval: cfg.JobPollInterval, CallTimeout: cfg.RestoreCallTimeout, ReconcileFor: cfg.ReconcileAfter})
	return m, nv, err
}
