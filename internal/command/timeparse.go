package command

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseTime reads a restore point typed by a user: an RFC 3339 time with an
// offset, UNIX milliseconds (12 to 14 digits), or a wall-clock time
// `YYYY-MM-DD HH:MM[:SS]` read in loc, the requester's time zone (nil means
// UTC). A wall-clock time that does not exist in loc (a daylight-saving gap)
// or exists twice (an overlap) is refused rather than guessed. The result is
// in UTC; a refusal is a *UsageError.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, timeErr("missing time; " + accepted)
	}
	if isDigits(s) {
		return parseMillis(s)
	}
	norm := s
	if len(norm) > 10 && (norm[10] == ' ' || norm[10] == 't') { // date and time may be split by a space
		norm = norm[:10] + "T" + norm[11:]
	}
	if strings.HasSuffix(norm, "z") {
		norm = norm[:len(norm)-1] + "Z"
	}
	// RFC 3339 (also without seconds), then a wall-clock time. When parsing,
	// Go accepts fractional seconds after the seconds field.
	for _, layout := range [...]string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, norm); err == nil {
			return inRange(s, t.UTC())
		}
	}
	for _, layout := range [...]string{"2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if w, err := time.Parse(layout, norm); err == nil {
			return inZone(s, w, loc)
		}
	}
	return time.Time{}, timeErr(fmt.Sprintf("cannot read the time %s; %s", show(s), accepted))
}

// accepted lists the time forms briefly, for messages.
const accepted = "accepted: 2026-11-26T09:30:00Z, 2026-11-26T17:30:00+08:00, 1795685400000 (UNIX milliseconds) " +
	"or 2026-11-26 09:30 (in your Slack time zone)"

// timeErr is a refusal of a time. Messages that do not already suggest a
// fix end with the accepted forms.
func timeErr(msg string) *UsageError {
	return &UsageError{Message: msg, Usage: TimeUsage}
}

func parseMillis(s string) (time.Time, error) {
	switch {
	case len(s) == 10:
		return time.Time{}, timeErr(fmt.Sprintf("the time %s looks like UNIX seconds; give UNIX milliseconds (13 digits), e.g. %s000", show(s), s))
	case len(s) < 12 || len(s) > 14:
		return time.Time{}, timeErr(fmt.Sprintf("the time %s is not UNIX milliseconds (12 to 14 digits, e.g. 1795685400000); %s", show(s), accepted))
	}
	n, err := strconv.ParseInt(s, 10, 64) // at most 14 digits: cannot overflow
	if err != nil {
		return time.Time{}, timeErr(fmt.Sprintf("cannot read the time %s; %s", show(s), accepted))
	}
	return inRange(s, time.UnixMilli(n).UTC())
}

// inRange refuses instants before 1970 or after 9999 (UTC): no restore
// point lies there, and RFC 3339 cannot write years past 9999.
func inRange(typed string, t time.Time) (time.Time, error) {
	if t.Before(time.Unix(0, 0)) || t.Year() > 9999 {
		return time.Time{}, timeErr(fmt.Sprintf("the time %s is outside the years 1970 to 9999 (UTC)", show(typed)))
	}
	return t, nil
}

// inZone reads the wall-clock time w (parsed as if in UTC, typed as typed) in
// loc, refusing times that daylight saving skips or repeats.
func inZone(typed string, w time.Time, loc *time.Location) (time.Time, error) {
	t := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc)
	cands := readings(w, t, loc)
	switch len(cands) {
	case 1:
		return inRange(typed, cands[0].UTC())
	case 0:
		return time.Time{}, gapErr(typed, w, t, loc)
	}
	return time.Time{}, overlapErr(typed, w, cands, loc)
}

// readings are the instants whose wall clock in loc is w. t is Go's reading
// of w in loc; any other reading uses the offset of a neighbouring zone
// period.
func readings(w, t time.Time, loc *time.Location) []time.Time {
	probes := []time.Time{t}
	start, end := t.ZoneBounds()
	if !start.IsZero() {
		probes = append(probes, start.Add(-time.Nanosecond))
	}
	if !end.IsZero() {
		probes = append(probes, end)
	}
	var out []time.Time
	for _, p := range probes {
		_, off := p.Zone()
		c := w.Add(-time.Duration(off) * time.Second)
		if !wall(c.In(loc)).Equal(w) || containsInstant(out, c) {
			continue
		}
		out = append(out, c)
	}
	if len(out) == 2 && out[1].Before(out[0]) {
		out[0], out[1] = out[1], out[0]
	}
	return out
}

// wall is t's wall clock, as if it were UTC.
func wall(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

func containsInstant(ts []time.Time, t time.Time) bool {
	for _, x := range ts {
		if x.Equal(t) {
			return true
		}
	}
	return false
}

// gapErr explains a wall-clock time w that loc skips. t is Go's reading of
// it, which lies just before or just after the transition.
func gapErr(typed string, w, t time.Time, loc *time.Location) error {
	start, end := t.ZoneBounds()
	tr := end
	if wall(t.In(loc)).After(w) {
		tr = start
	}
	if tr.IsZero() { // not reachable with real zone data; refuse all the same
		return timeErr(fmt.Sprintf("the time %s does not exist in %s; give an explicit offset", show(typed), loc))
	}
	beforeName, beforeOff := tr.Add(-time.Nanosecond).In(loc).Zone()
	afterName, afterOff := tr.In(loc).Zone()
	early := withOffset(w, beforeName, beforeOff)
	late := withOffset(w, afterName, afterOff)
	return timeErr(fmt.Sprintf("the time %s does not exist in %s: on %s clocks jump from %s %s to %s %s. "+
		"Give a time outside that gap, or an explicit offset: %s (%s, which is %s) or %s (%s, which is %s)",
		show(typed), loc, tr.In(loc).Format("2006-01-02"),
		clock(tr, beforeOff), beforeName, clock(tr, afterOff), afterName,
		early.Format(time.RFC3339Nano), beforeName, early.UTC().Format(time.RFC3339Nano),
		late.Format(time.RFC3339Nano), afterName, late.UTC().Format(time.RFC3339Nano)))
}

// overlapErr explains a wall-clock time w that loc repeats; cands are its
// two readings, earlier first.
func overlapErr(typed string, w time.Time, cands []time.Time, loc *time.Location) error {
	first, second := cands[0].In(loc), cands[1].In(loc)
	firstName, firstOff := first.Zone()
	secondName, secondOff := second.Zone()
	tr, _ := second.ZoneBounds()
	return timeErr(fmt.Sprintf("the time %s happens twice in %s: on %s clocks go back from %s %s to %s %s, "+
		"so it is either %s (%s) or %s (%s). Give an explicit offset: %s for the first or %s for the second",
		show(typed), loc, tr.In(loc).Format("2006-01-02"),
		clock(tr, firstOff), firstName, clock(tr, secondOff), secondName,
		first.UTC().Format(time.RFC3339Nano), firstName, second.UTC().Format(time.RFC3339Nano), secondName,
		withOffset(w, firstName, firstOff).Format(time.RFC3339Nano),
		withOffset(w, secondName, secondOff).Format(time.RFC3339Nano)))
}

// withOffset is the wall-clock time w at a fixed offset.
func withOffset(w time.Time, name string, off int) time.Time {
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(),
		time.FixedZone(name, off))
}

// clock is the local clock reading of instant t at a fixed offset.
func clock(t time.Time, off int) string {
	return t.In(time.FixedZone("", off)).Format("15:04")
}
