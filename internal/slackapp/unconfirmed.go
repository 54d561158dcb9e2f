package slackapp

import (
	"errors"

	"github.com/dbrestore/db-restore/internal/approvals"
)

// unconfirmed splits a decision's error: a decision the store made on the
// Redis primary but its replicas did not confirm (approvals.ErrNotDurable)
// is done and told, with a warning that a failover could undo it (the
// first result is true); any other error is returned as it is.
func unconfirmed(err error) (bool, error) {
	if errors.Is(err, approvals.ErrNotDurable) {
		return true, nil
	}
	return false, err
}
