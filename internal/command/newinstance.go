package command

import (
	"strconv"
	"strings"
	"time"
)

// Bounds of keep=: the policy's max_keep is the caller's to check.
const (
	MinKeep = time.Hour
	MaxKeep = 90 * 24 * time.Hour
)

// checkNewInstanceRequest checks a restore to a new instance (target=new):
// backup= or time=, no tables, and name= and keep= only with it.
func checkNewInstanceRequest(req Request, seen map[string]bool, keepText string) (Command, error) {
	if !strings.EqualFold(req.Target, "new") {
		return nil, usageErr("name= and keep= only go with target=new (a restore into a new instance), e.g. target=new %s %s",
			example("name"), example("keep"))
	}
	req.Target, req.NewInstance = "", true
	switch {
	case seen["tables"] || seen["suffix"]:
		return nil, usageErr("tables= cannot go with target=new: a table restore puts tables back into the source; " +
			"remove tables= to restore the whole instance into a new one")
	case req.BackupID != "" && req.Time != "":
		return nil, usageErr("give backup= or time=, not both: backup= restores a backup, time= restores to a point in time")
	}
	if keepText != "" {
		req.Keep, _ = parseKeep(keepText) // checked by checkValue
	}
	if missing := missingWhole(req); len(missing) > 0 {
		return nil, usageErr("missing %s, e.g. source=orders-prod target=new backup=BACKUP_ID reason=\"look at yesterday's orders\"",
			joinAnd(missing))
	}
	return req, nil
}

const keepUsage = "keep= is a lifetime from 1h to 90d in days, hours and minutes, e.g. keep=36h, keep=3d or keep=1d12h"

// parseKeep reads keep=: days (d), hours (h) and minutes (m), whole
// minutes, from MinKeep to MaxKeep, e.g. 36h, 3d, 1d12h, 90m.
func parseKeep(v string) (time.Duration, error) {
	s := strings.ToLower(strings.TrimSpace(v))
	var d time.Duration
	if days, rest, ok := strings.Cut(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || !isDigits(days) || n > 90 {
			return 0, usageErr("%s is not a lifetime: %s", show(v), keepUsage)
		}
		d, s = time.Duration(n)*24*time.Hour, rest
	}
	if s != "" {
		if strings.ContainsAny(s, ".sµnu-+") || !isDigits(s[:1]) {
			return 0, usageErr("%s is not a lifetime: %s", show(v), keepUsage)
		}
		rest, err := time.ParseDuration(s)
		if err != nil {
			return 0, usageErr("%s is not a lifetime: %s", show(v), keepUsage)
		}
		d += rest
	}
	if d < MinKeep || d > MaxKeep {
		return 0, usageErr("keep=%s is out of range: %s", show(v), keepUsage)
	}
	return d, nil
}

// formatKeep writes a lifetime so parseKeep reads it back: 3d, 36h, 1h30m.
func formatKeep(d time.Duration) string {
	days := d / (24 * time.Hour)
	rest := d % (24 * time.Hour)
	var b strings.Builder
	if days > 0 {
		b.WriteString(strconv.Itoa(int(days)) + "d")
	}
	if h := rest / time.Hour; h > 0 {
		b.WriteString(strconv.Itoa(int(h)) + "h")
	}
	if m := rest % time.Hour / time.Minute; m > 0 {
		b.WriteString(strconv.Itoa(int(m)) + "m")
	}
	return b.String()
}
