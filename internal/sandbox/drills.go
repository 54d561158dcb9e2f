package sandbox

import (
	"context"
	"net"
	"time"

	"github.com/dbrestore/db-restore/internal/drill/mysqlemu"
)

// The data every restored instance of the sandbox holds: what the sample
// policy's drill checks (policy.yml, drills:).
var restoredTables = map[string]int{"shop.orders": 1500, "shop.customers": 40}

// DrillTick is how often the sandbox's bot looks for due drills: the
// sample drill runs a few seconds after start.
const DrillTick = 2 * time.Second

// startRestoredDB starts the MySQL-protocol emulator that every new
// instance of the GaussDB emulator answers at, so drill checks read rows.
func (sb *Sandbox) startRestoredDB() error {
	emu, err := mysqlemu.Start(restoredTables)
	if err != nil {
		return err
	}
	sb.restored = emu
	host, port, _ := net.SplitHostPort(emu.Addr)
	sb.GaussDB.SetNewInstanceAddress(host, port)
	return nil
}

// followPasswords gives each new instance the root password its create
// call carried, as GaussDB does, so the bot logs in with the one it
// generated (and nothing else works).
func (sb *Sandbox) followPasswords(ctx context.Context) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	seen := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		calls := sb.GaussDB.CreateCalls()
		for ; seen < len(calls); seen++ {
			sb.restored.SetPassword("root", calls[seen].Body.Password)
		}
	}
}
