package sandbox

import "context"

// home is the Home tab user sees: "" until the bot publishes one.
func (sb *Sandbox) home(user string, s Surface) string { return "" }

// openHome tells the bot the user opened its Home tab.
func (sb *Sandbox) openHome(ctx context.Context, user string) error { return nil }
