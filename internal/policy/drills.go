package policy

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"github.com/dbrestore/db-restore/internal/restore"
)

// Drill is a scheduled restore test (drills: in the policy file): restore
// the instances it covers to throw-away new instances, check the data over
// the MySQL protocol, time it, delete them and report. The policy file is
// the approval; no person approves a drill run.
type Drill struct {
	// Name identifies the drill in commands, messages, metrics and Redis.
	Name string
	// Match says which instances the drill restores, as for rules.
	Match Matchers
	// Schedule says when the drill runs.
	Schedule Schedule
	// From is what is restored: the newest completed backup, or the instant
	// Ago before the run.
	From DrillFrom
	// Ago is how far back a point-in-time drill restores (From ==
	// FromPointInTime only).
	Ago time.Duration
	// Checks run, after the default SELECT 1, against the restored instance.
	Checks []Check
	// Channel is where runs are announced and reported; empty means the
	// bot's configured channel.
	Channel string
	// MaxDuration bounds a run from the restore call to the checks done;
	// past it the run fails and the instance is deleted.
	MaxDuration time.Duration
	// Keep is how long the instance lives after the checks (0: deleted at
	// once).
	Keep time.Duration
}

// DrillFrom is what a drill restores.
type DrillFrom string

// What a drill restores.
const (
	FromLatestBackup DrillFrom = "latest_backup"
	FromPointInTime  DrillFrom = "point_in_time"
)

// Schedule is when a drill runs: Every (aligned to the Unix epoch, so every
// replica agrees on the periods) or a five-field Cron expression read in
// TimeZone.
type Schedule struct {
	Every    time.Duration
	Cron     string
	TimeZone string // an IANA zone name; set with Cron
}

// String says it as the file does, e.g. "every 168h" or `cron "0 3 * * 1"
// (Europe/Berlin)`.
func (s Schedule) String() string {
	if s.Cron == "" {
		return "every " + FormatDuration(s.Every)
	}
	return "cron " + strconv.Quote(s.Cron) + " (" + s.TimeZone + ")"
}

// Check is one read-only check of a drill: a query with its expected first
// value, or a list of tables that must exist.
type Check struct {
	SQL         string
	Expect      Expect
	TablesExist []string // db.table
	// Timeout bounds the check (statement and waiting); DefaultCheckTimeout
	// when unset.
	Timeout time.Duration
}

// DefaultCheckTimeout bounds a check that sets no timeout.
const DefaultCheckTimeout = time.Minute

// Default drill settings.
const (
	DefaultMaxDuration = 3 * time.Hour
	maxDrillKeep       = 7 * 24 * time.Hour
)

// CronParser reads the five standard fields and the @daily-style
// descriptors; the zone is time_zone's, never a CRON_TZ= prefix.
var CronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

var (
	drillKeys = []string{"name", "match", "every", "cron", "time_zone", "from", "ago", "checks", "channel", "max_duration", "keep"}
	checkKeys = []string{"sql", "expect", "tables_exist", "timeout"}
	tableName = regexp.MustCompile(`^[A-Za-z0-9_$]{1,64}\.[A-Za-z0-9_$]{1,64}$`)
	readOnly  = regexp.MustCompile(`(?i)^\s*(select|show|with|explain|desc|describe)\b`)
)

func (p *parser) drills(n *yaml.Node, field string) []Drill {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.add(n, field, "must be a list of drills (each starting with - name: …); got %s", describe(n))
		return nil
	}
	if !p.spend(n, len(n.Content)) {
		return nil
	}
	var out []Drill
	names := map[string]int{}
	for i, c := range n.Content {
		f := fmt.Sprintf("%s[%d]", field, i)
		d, nameNode := p.drill(resolve(c), f)
		if nameNode != nil && d.Name != "" {
			if first, dup := names[d.Name]; dup {
				p.add(nameNode, f+".name", "drill name %s is already used by %s[%d]; names must be unique", strconv.Quote(d.Name), field, first)
			}
			names[d.Name] = i
		}
		out = append(out, d)
	}
	return out
}

// drill reads one drill and returns it with its name's node (nil if unset).
func (p *parser) drill(n *yaml.Node, field string) (Drill, *yaml.Node) {
	d := Drill{From: FromLatestBackup, MaxDuration: DefaultMaxDuration}
	has := map[string]*yaml.Node{}
	ok := p.fields(n, field, drillKeys, nil, func(key, f string, v *yaml.Node) {
		has[key] = v
		p.drillKey(&d, key, f, v)
	})
	if !ok {
		return d, nil
	}
	if _, ok := has["name"]; !ok {
		p.add(n, field, "needs a name: a unique label such as orders-weekly")
	}
	if _, ok := has["match"]; !ok {
		p.add(n, field, "needs a match: at least one of %s", strings.Join(matchKeys, ", "))
	}
	p.checkSchedule(n, field, has)
	switch _, ago := has["ago"]; {
	case d.From == FromPointInTime && !ago:
		p.add(has["from"], join(field, "ago"), "is needed with from: point_in_time: how far back to restore, e.g. ago: 5m")
	case d.From != FromPointInTime && ago:
		p.add(has["ago"], join(field, "ago"), "applies only with from: point_in_time; remove it or set from: point_in_time")
	}
	return d, has["name"]
}

func (p *parser) drillKey(d *Drill, key, f string, v *yaml.Node) {
	switch key {
	case "name":
		d.Name = p.name(v, f)
	case "match":
		d.Match = p.matchers(v, f)
	case "every":
		d.Schedule.Every = p.duration(v, f, time.Minute, 0, "a period such as 168h or 24h")
	case "cron":
		d.Schedule.Cron = p.cronSpec(v, f)
	case "time_zone":
		d.Schedule.TimeZone = p.timeZone(v, f)
	case "from":
		d.From = p.drillFrom(v, f)
	case "ago":
		d.Ago = p.duration(v, f, time.Second, 0, "how far back, such as 5m")
	case "checks":
		d.Checks = p.checks(v, f)
	case "channel":
		d.Channel = p.channel(v, f)
	case "max_duration":
		d.MaxDuration = p.duration(v, f, time.Second, 0, "a bound such as 3h")
	case "keep":
		d.Keep = p.duration(v, f, 0, maxDrillKeep, "how long the instance lives after the checks, such as 0 or 2h")
	}
}

// checkSchedule requires exactly one of every and cron, and a zone with
// cron only.
func (p *parser) checkSchedule(n *yaml.Node, field string, has map[string]*yaml.Node) {
	_, every := has["every"]
	_, cr := has["cron"]
	tz, zone := has["time_zone"]
	switch {
	case every && cr:
		p.add(has["cron"], join(field, "cron"), "a drill has one schedule: every or cron, not both")
	case !every && !cr:
		p.add(n, field, `needs a schedule: every: 168h, or cron: "0 3 * * 1" with time_zone: Europe/Berlin`)
	case cr && !zone:
		p.add(has["cron"], join(field, "time_zone"), "is needed with cron: the zone the expression is read in, e.g. UTC or Europe/Berlin")
	case every && zone:
		p.add(tz, join(field, "time_zone"), "applies only with cron (every counts real time); remove it")
	}
}

func (p *parser) cronSpec(n *yaml.Node, field string) string {
	const want = `a five-field cron expression such as "0 3 * * 1" (minute hour day-of-month month day-of-week)`
	s, ok := p.scalar(n, field, want)
	if !ok {
		return ""
	}
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ="):
		p.add(n, field, "must not carry a zone; set time_zone: instead")
	case strings.HasPrefix(s, "@every"):
		p.add(n, field, "@every is written as every: (e.g. every: 24h) instead of cron:")
	default:
		sched, err := CronParser.Parse(s)
		switch {
		case err != nil:
			p.add(n, field, "must be %s; %s: %v", want, strconv.Quote(s), err)
		case sched.Next(time.Unix(0, 0).UTC()).IsZero():
			p.add(n, field, "%s never fires (no such day); check the day and month", strconv.Quote(s))
		}
	}
	return s
}

func (p *parser) timeZone(n *yaml.Node, field string) string {
	const want = "an IANA time zone such as UTC or Europe/Berlin"
	s, ok := p.scalar(n, field, want)
	if !ok {
		return ""
	}
	if s == "" || strings.EqualFold(s, "local") {
		p.add(n, field, "must be %s; got %s", want, strconv.Quote(s))
		return ""
	}
	if _, err := time.LoadLocation(s); err != nil {
		p.add(n, field, "must be %s; %s is not one", want, strconv.Quote(s))
		return ""
	}
	return s
}

func (p *parser) drillFrom(n *yaml.Node, field string) DrillFrom {
	s, ok := p.scalar(n, field, "latest_backup or point_in_time")
	switch f := DrillFrom(s); {
	case !ok:
	case f == FromLatestBackup || f == FromPointInTime:
		return f
	default:
		p.add(n, field, "must be latest_backup or point_in_time; got %s", strconv.Quote(s))
	}
	return FromLatestBackup
}

// duration reads a Go duration (5m, 3h, 168h), at least lo and, when hi is
// set, at most hi.
func (p *parser) duration(n *yaml.Node, field string, lo, hi time.Duration, want string) time.Duration {
	s, ok := p.scalar(n, field, want)
	if !ok {
		return 0
	}
	if s == "0" {
		s = "0s"
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		p.add(n, field, "must be %s (a number and a unit: s, m or h); got %s", want, strconv.Quote(s))
	case d < lo || (lo == 0 && d < 0):
		p.add(n, field, "must be at least %s; got %s", FormatDuration(lo), s)
	case hi > 0 && d > hi:
		p.add(n, field, "must be at most %s; got %s", FormatDuration(hi), s)
	default:
		return d
	}
	return 0
}

// FormatDuration writes d without the zero units Go adds ("3h" for 3h0m0s).
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// Covers reports whether the drill restores in.
func (d Drill) Covers(in restore.Instance) bool {
	_, ok := d.Match.matches(in)
	return ok
}

// Drill returns the drill called name.
func (p *Policy) Drill(name string) (Drill, bool) {
	for _, d := range p.Drills {
		if d.Name == name {
			return d, true
		}
	}
	return Drill{}, false
}
