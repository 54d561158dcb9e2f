// Package drill runs restore drills: on a schedule, restore a covered
// instance to a throw-away new instance, check its data over the MySQL
// protocol, time it, delete it, record the run and report it.
package drill

import (
	"errors"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/dbrestore/db-restore/internal/policy"
)

// Schedule says when a drill's periods start. A drill runs once in each
// period, as soon as it can after the period starts: a period missed while
// no replica ran (or before the drill was deployed) runs late, once.
type Schedule struct {
	every time.Duration
	spec  cron.Schedule
	loc   *time.Location
}

// maxLookBack bounds the search for a cron expression's last firing; the
// cron parser itself gives up on expressions that do not fire within five
// years.
const maxLookBack = 5 * 366 * 24 * time.Hour

// NewSchedule reads a drill's schedule as the policy file gives it.
func NewSchedule(s policy.Schedule) (Schedule, error) {
	if s.Cron == "" {
		if s.Every <= 0 {
			return Schedule{}, errors.New("schedule: no cron expression and no positive period")
		}
		return Schedule{every: s.Every}, nil
	}
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil || s.TimeZone == "" {
		return Schedule{}, fmt.Errorf("schedule: time zone %q: unknown", s.TimeZone)
	}
	spec, err := policy.CronParser.Parse(s.Cron)
	if err != nil {
		return Schedule{}, fmt.Errorf("schedule: cron %q: %w", s.Cron, err)
	}
	if ss, ok := spec.(*cron.SpecSchedule); ok {
		ss.Location = loc // the parser's default is the machine's zone
	}
	return Schedule{spec: onceAWall{spec}, loc: loc}, nil
}

// onceAWall drops a firing whose wall-clock time repeats an earlier one: in
// the hour a daylight-saving change repeats ("30 2 * * *" on the autumn
// night), a drill runs once, as classic cron does. A time that does not
// exist that day (the spring gap) does not fire that day: robfig/cron
// skips it.
type onceAWall struct{ cron.Schedule }

func (o onceAWall) Next(t time.Time) time.Time {
	n := o.Schedule.Next(t)
	for i := 0; i < 4 && !n.IsZero() && repeatsWall(n); i++ {
		n = o.Schedule.Next(n)
	}
	return n
}

// repeatsWall reports whether the wall-clock time of t also named an
// instant shortly before it (DST shifts are 30 minutes to 2 hours).
func repeatsWall(t time.Time) bool {
	for _, back := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
		if e := t.Add(-back); wall(e) == wall(t) {
			return true
		}
	}
	return false
}

func wall(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// Slot returns the start of the period holding t (the last firing at or
// before t; zero when there is none within five years) and the start of
// the next one (zero when the expression never fires again).
func (s Schedule) Slot(t time.Time) (cur, next time.Time) {
	if s.spec == nil {
		k := t.UnixNano() / int64(s.every)
		if t.UnixNano() < 0 && t.UnixNano()%int64(s.every) != 0 {
			k--
		}
		cur = time.Unix(0, k*int64(s.every)).UTC()
		return cur, cur.Add(s.every)
	}
	t = t.In(s.loc)
	next = s.spec.Next(t)
	for back := time.Minute; back <= maxLookBack; back *= 2 {
		f := s.spec.Next(t.Add(-back))
		if f.IsZero() || f.After(t) {
			continue
		}
		for i := 0; i < 1<<20; i++ {
			n := s.spec.Next(f)
			if n.IsZero() || n.After(t) {
				break
			}
			f = n
		}
		return f, next
	}
	return time.Time{}, next
}

// Period is the length of the period holding t: the every, or the gap
// between the cron firings around t (zero when unknown).
func (s Schedule) Period(t time.Time) time.Duration {
	cur, next := s.Slot(t)
	if cur.IsZero() || next.IsZero() {
		return 0
	}
	return next.Sub(cur)
}
