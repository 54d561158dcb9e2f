// Package pause waits without outliving a context: the one sleep the bot's
// loops and tools use (Socket Mode reconnect back-off, the safety backup's
// and a new instance's polling, the load tool's settling).
package pause

import (
	"context"
	"time"
)

// For waits d, or until ctx ends (then it returns ctx's error). A d of zero
// or less returns ctx's error at once.
func For(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
