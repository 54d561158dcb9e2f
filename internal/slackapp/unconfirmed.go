package slackapp

import (
	"errors"

	"github.com/dbrestore/db-restore/internal/approvals"
)

// unconfirmed splits a decision's error: a decision the store made on the
// Redis primary but its replicas did not confirm (approvals.ErrNotDurable)
// is done and told, with a warning (the first result) that a failover
// could undo it; any other error is returned as it is.
func unconfirmed(err error) (string, error) {
	if errors.Is(err, approvals.ErrNotDurable) {
		return unconfirmedWarning, nil
	}
	return "", err
}

// unconfirmedWarning follows the words of a decision the replicas did not
// confirm.
const unconfirmedWarning = "\n:warning: The store could not confirm this with its replicas in time: a Redis failover now could undo it. Check again in a minute."
