// Package config reads the bot's settings from the environment into one
// struct and reports every missing or malformed variable at once.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Config is every setting the bot reads. Field comments name the variable.
type Config struct {
	SlackAppToken string // SLACK_APP_TOKEN (xapp-…)
	SlackBotToken string // SLACK_BOT_TOKEN (xoxb-…)
	SlackAPIURL   string // SLACK_API_URL, with trailing slash

	RedisURL       string // REDIS_URL; empty = embedded in-memory store
	RedisKeyPrefix string // REDIS_KEY_PREFIX; default "{db-restore}:"
	// RedisWaitReplicas is REDIS_WAIT_REPLICAS: the fewest Redis replicas
	// that must confirm an approval before the bot acts on it (it waits for
	// every replica the primary has, and never fewer). -1 when unset: 1 for
	// redis+sentinel:// and redis+cluster:// URLs, 0 for redis://.
	RedisWaitReplicas int
	RedisWaitTimeout  time.Duration // REDIS_WAIT_TIMEOUT; default 2s
	// RedisConfirmWithin is REDIS_CONFIRM_WITHIN: how long an approval the
	// replicas did not confirm waits for the confirmation before it ends
	// not called; 0 ends it at once. Default 30s.
	RedisConfirmWithin time.Duration
	// RedisBestEffort is REDIS_DURABILITY=best_effort: start on a single
	// Redis server that cannot promise to keep an acknowledged write across
	// its crash (no append-only file fsynced always, no WAITAOF), with a
	// warning. Unset or required: the bot refuses to start there.
	RedisBestEffort bool

	CloudAK        string // HUAWEICLOUD_SDK_AK
	CloudSK        string // HUAWEICLOUD_SDK_SK
	CloudProjectID string // HUAWEICLOUD_SDK_PROJECT_ID
	CloudRegion    string // HUAWEICLOUD_REGION
	CloudEndpoint  string // GAUSSDB_ENDPOINT

	Approvers       []string      // RESTORE_APPROVERS
	Requesters      []string      // RESTORE_REQUESTERS; empty = anyone
	Admins          []string      // RESTORE_ADMINS (freeze on/off)
	BreakGlass      []string      // RESTORE_BREAK_GLASS
	ApprovalChannel string        // RESTORE_APPROVAL_CHANNEL
	IncidentChannel string        // RESTORE_INCIDENT_CHANNEL
	RequestTTL      time.Duration // RESTORE_REQUEST_TTL
	DryRun          bool          // RESTORE_DRY_RUN
	PolicyFile      string        // RESTORE_POLICY_FILE

	JobPollInterval time.Duration // RESTORE_JOB_POLL_INTERVAL
	JobTimeout      time.Duration // RESTORE_JOB_TIMEOUT
	RemindAfter     time.Duration // RESTORE_REMIND_AFTER
	ReconcileAfter  time.Duration // RESTORE_RECONCILE_AFTER: how long to look for the job of an unknown outcome
	MaxTables       int           // RESTORE_MAX_TABLES: tables per table restore
	MaxNewInstances int           // RESTORE_MAX_NEW_INSTANCES: new instances alive at once

	// RestoreCallTimeout is RESTORE_CALL_TIMEOUT: the bound on the one
	// restore call; RESTORE_RECONCILE_AFTER may not be shorter.
	RestoreCallTimeout time.Duration

	MaxOpenPerUser    int // RESTORE_MAX_OPEN_PER_USER; 0 = no limit
	CommandsPerMinute int // RESTORE_USER_COMMANDS_PER_MINUTE; 0 = no limit

	// SlackPostInterval is SLACK_POST_INTERVAL: new messages to one channel
	// at most 3 per 3×interval; 0 = unpaced (only against a fake Slack).
	SlackPostInterval time.Duration

	HealthAddr string        // HEALTH_ADDR; "off" disables the listener
	LogLevel   zerolog.Level // LOG_LEVEL

	Tuning // no variable: Defaults' values
}

// CloudConfigured reports whether cloud credentials were given. Without them
// only a dry run may start.
func (c Config) CloudConfigured() bool { return c.CloudAK != "" || c.CloudSK != "" }

var (
	userOrGroupID = regexp.MustCompile(`^[UWS][A-Z0-9]{2,}$`)
	channelID     = regexp.MustCompile(`^[CGD][A-Z0-9]{2,}$`)
	keyPrefix     = regexp.MustCompile(`^[A-Za-z0-9:._-]*\{[A-Za-z0-9:._-]+\}[A-Za-z0-9:._-]*$`)
)

// Load reads the configuration through getenv. The error, if any, names
// every bad variable and what it expects.
func Load(getenv func(string) string) (Config, error) {
	var p problems
	d := Defaults()
	c := Config{
		Tuning:          d.Tuning,
		SlackAppToken:   strings.TrimSpace(getenv("SLACK_APP_TOKEN")),
		SlackBotToken:   strings.TrimSpace(getenv("SLACK_BOT_TOKEN")),
		SlackAPIURL:     strings.TrimSpace(getenv("SLACK_API_URL")),
		RedisURL:        strings.TrimSpace(getenv("REDIS_URL")),
		RedisKeyPrefix:  strings.TrimSpace(getenv("REDIS_KEY_PREFIX")),
		CloudAK:         strings.TrimSpace(getenv("HUAWEICLOUD_SDK_AK")),
		CloudSK:         strings.TrimSpace(getenv("HUAWEICLOUD_SDK_SK")),
		CloudProjectID:  strings.TrimSpace(getenv("HUAWEICLOUD_SDK_PROJECT_ID")),
		CloudRegion:     strings.TrimSpace(getenv("HUAWEICLOUD_REGION")),
		CloudEndpoint:   strings.TrimSpace(getenv("GAUSSDB_ENDPOINT")),
		ApprovalChannel: strings.TrimSpace(getenv("RESTORE_APPROVAL_CHANNEL")),
		IncidentChannel: strings.TrimSpace(getenv("RESTORE_INCIDENT_CHANNEL")),
		PolicyFile:      strings.TrimSpace(getenv("RESTORE_POLICY_FILE")),
		HealthAddr:      strings.TrimSpace(getenv("HEALTH_ADDR")),
	}
	loadSlack(&c, &p, d)
	c.SlackPostInterval = p.duration(getenv, "SLACK_POST_INTERVAL", d.SlackPostInterval, 0, time.Minute)
	loadRedis(&c, &p, getenv, d)
	c.DryRun = p.boolean(getenv, "RESTORE_DRY_RUN", false)
	loadCloud(&c, &p)
	loadPeople(&c, &p, getenv)
	loadRestore(&c, &p, getenv, d)
	loadProcess(&c, &p, getenv, d)
	return c, p.err()
}

// loadSlack checks the Slack tokens and the Web API URL.
func loadSlack(c *Config, p *problems, d Config) {
	switch {
	case c.SlackAppToken == "":
		p.add("SLACK_APP_TOKEN", "is required: the app-level token (xapp-…) with connections:write")
	case !strings.HasPrefix(c.SlackAppToken, "xapp-"):
		p.add("SLACK_APP_TOKEN", "must be an app-level token starting with xapp-")
	}
	switch {
	case c.SlackBotToken == "":
		p.add("SLACK_BOT_TOKEN", "is required: the bot token (xoxb-…)")
	case !strings.HasPrefix(c.SlackBotToken, "xoxb-"):
		p.add("SLACK_BOT_TOKEN", "must be a bot token starting with xoxb-")
	}
	if c.SlackAPIURL == "" {
		c.SlackAPIURL = d.SlackAPIURL
	} else if u, err := url.Parse(c.SlackAPIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.add("SLACK_API_URL", "must be an http(s) URL such as https://slack.com/api/")
	} else if !strings.HasSuffix(c.SlackAPIURL, "/") {
		c.SlackAPIURL += "/"
	}
}

// loadRedis checks REDIS_URL and reads how approvals are confirmed.
func loadRedis(c *Config, p *problems, getenv func(string) string, d Config) {
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || !strings.HasPrefix(u.Scheme, "redis") {
			p.add("REDIS_URL", "must be a redis://, rediss://, redis+sentinel:// or redis+cluster:// URL")
		}
	}

	switch {
	case c.RedisKeyPrefix == "":
		c.RedisKeyPrefix = d.RedisKeyPrefix
	case !keyPrefix.MatchString(c.RedisKeyPrefix):
		p.add("REDIS_KEY_PREFIX", "must be letters, digits and { } : . _ - with one {hash tag}, such as {db-restore}:")
	}
	c.RedisWaitReplicas = d.RedisWaitReplicas
	if v := strings.TrimSpace(getenv("REDIS_WAIT_REPLICAS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100 {
			p.add("REDIS_WAIT_REPLICAS", "must be a whole number from 0 to 100: the fewest Redis replicas that must confirm an approval")
		} else {
			c.RedisWaitReplicas = n
		}
	}
	c.RedisWaitTimeout = p.duration(getenv, "REDIS_WAIT_TIMEOUT", d.RedisWaitTimeout, 10*time.Millisecond, time.Minute)
	c.RedisConfirmWithin = p.duration(getenv, "REDIS_CONFIRM_WITHIN", d.RedisConfirmWithin, 0, 10*time.Minute)
	switch v := strings.TrimSpace(getenv("REDIS_DURABILITY")); v {
	case "", "required":
		c.RedisBestEffort = false
	case "best_effort":
		c.RedisBestEffort = true
	default:
		p.add("REDIS_DURABILITY", "must be required (the default: a single Redis server must keep acknowledged writes across a crash) or best_effort (accept losing the last second of writes)")
	}
}

// loadPeople reads who may do what, and the channels.
func loadPeople(c *Config, p *problems, getenv func(string) string) {
	c.Approvers = p.ids(getenv, "RESTORE_APPROVERS", userOrGroupID, "Slack user (U…, W…) or user-group (S…) IDs")
	if len(c.Approvers) == 0 && !p.has("RESTORE_APPROVERS") && c.PolicyFile == "" {
		p.add("RESTORE_APPROVERS", "is required: comma-separated Slack user (U…, W…) or user-group (S…) IDs who may approve")
	}
	c.Requesters = p.ids(getenv, "RESTORE_REQUESTERS", userOrGroupID, "Slack user (U…, W…) or user-group (S…) IDs")
	c.Admins = p.ids(getenv, "RESTORE_ADMINS", userOrGroupID, "Slack user (U…, W…) or user-group (S…) IDs")
	c.BreakGlass = p.ids(getenv, "RESTORE_BREAK_GLASS", userOrGroupID, "Slack user (U…, W…) or user-group (S…) IDs")
	for _, ch := range []struct {
		name string
		v    string
	}{{"RESTORE_APPROVAL_CHANNEL", c.ApprovalChannel}, {"RESTORE_INCIDENT_CHANNEL", c.IncidentChannel}} {
		if ch.v != "" && !channelID.MatchString(ch.v) {
			p.add(ch.name, "must be a Slack channel ID such as C0123ABCD (not a #name)")
		}
	}
}

// loadRestore reads the restore's timings and limits.
func loadRestore(c *Config, p *problems, getenv func(string) string, d Config) {
	c.RequestTTL = p.duration(getenv, "RESTORE_REQUEST_TTL", d.RequestTTL, time.Minute, 7*24*time.Hour)
	c.JobPollInterval = p.duration(getenv, "RESTORE_JOB_POLL_INTERVAL", d.JobPollInterval, 100*time.Millisecond, time.Hour)
	c.JobTimeout = p.duration(getenv, "RESTORE_JOB_TIMEOUT", d.JobTimeout, time.Second, 7*24*time.Hour)
	c.RemindAfter = p.duration(getenv, "RESTORE_REMIND_AFTER", d.RemindAfter, time.Second, 7*24*time.Hour)
	c.ReconcileAfter = p.duration(getenv, "RESTORE_RECONCILE_AFTER", d.ReconcileAfter, time.Second, 7*24*time.Hour)
	c.RestoreCallTimeout = p.duration(getenv, "RESTORE_CALL_TIMEOUT", d.RestoreCallTimeout, time.Second, 10*time.Minute)
	if c.ReconcileAfter < c.RestoreCallTimeout && !p.has("RESTORE_RECONCILE_AFTER") && !p.has("RESTORE_CALL_TIMEOUT") {
		// "No job found" must not be said while the call could still
		// answer, or be in flight at GaussDB.
		p.add("RESTORE_RECONCILE_AFTER", fmt.Sprintf("(%s) must be at least RESTORE_CALL_TIMEOUT (%s), the restore call's own timeout: the job of an unknown outcome is looked for at least as long as the call may take",
			c.ReconcileAfter, c.RestoreCallTimeout))
	}
	c.MaxOpenPerUser = p.integer(getenv, "RESTORE_MAX_OPEN_PER_USER", d.MaxOpenPerUser, 0, 1000, "open requests per requester (0: no limit)")
	c.CommandsPerMinute = p.integer(getenv, "RESTORE_USER_COMMANDS_PER_MINUTE", d.CommandsPerMinute, 0, 10000, "commands per user a minute (0: no limit)")
	c.MaxTables = p.tableCount(getenv, "RESTORE_MAX_TABLES", d.MaxTables, 1, 1000)
	c.MaxNewInstances = p.integer(getenv, "RESTORE_MAX_NEW_INSTANCES", d.MaxNewInstances, 1, 100, "new instances the bot may have alive at once")
	c.ReconcileEvery = c.JobPollInterval
}

// loadProcess reads the health listener's address and the log level.
func loadProcess(c *Config, p *problems, getenv func(string) string, d Config) {
	if c.HealthAddr == "" {
		c.HealthAddr = d.HealthAddr
	} else if c.HealthAddr != "off" {
		if _, _, err := net.SplitHostPort(c.HealthAddr); err != nil {
			p.add("HEALTH_ADDR", "must be host:port such as :8080, or off")
		}
	}

	c.LogLevel = d.LogLevel
	if v := strings.TrimSpace(getenv("LOG_LEVEL")); v != "" {
		lvl, err := zerolog.ParseLevel(strings.ToLower(v))
		if err != nil || v == "" {
			p.add("LOG_LEVEL", "must be one of trace, debug, info, warn, error")
		} else {
			c.LogLevel = lvl
		}
	}
}

func loadCloud(c *Config, p *problems) {
	if !c.CloudConfigured() {
		if !c.DryRun {
			p.add("HUAWEICLOUD_SDK_AK", "is required (with HUAWEICLOUD_SDK_SK) unless RESTORE_DRY_RUN=true")
		}
		return
	}
	if c.CloudAK == "" {
		p.add("HUAWEICLOUD_SDK_AK", "is required when HUAWEICLOUD_SDK_SK is set")
	}
	if c.CloudSK == "" {
		p.add("HUAWEICLOUD_SDK_SK", "is required when HUAWEICLOUD_SDK_AK is set")
	}
	if c.CloudProjectID == "" {
		p.add("HUAWEICLOUD_SDK_PROJECT_ID", "is required with cloud credentials (the bot never asks IAM or the metadata service)")
	}
	if c.CloudRegion == "" && c.CloudEndpoint == "" {
		p.add("HUAWEICLOUD_REGION", "is required (e.g. ap-southeast-1) unless GAUSSDB_ENDPOINT is set")
	}
	if c.CloudEndpoint != "" {
		if u, err := url.Parse(c.CloudEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p.add("GAUSSDB_ENDPOINT", "must be an http(s) URL such as https://gaussdb.ap-southeast-1.myhuaweicloud.com")
		}
	}
}

// problems collects configuration errors, one per variable.
type problems map[string]string

func (p *problems) add(name, msg string) {
	if *p == nil {
		*p = problems{}
	}
	if _, dup := (*p)[name]; !dup {
		(*p)[name] = msg
	}
}

func (p problems) has(name string) bool { _, ok := p[name]; return ok }

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	names := make([]string, 0, len(p))
	for n := range p {
		names = append(names, n)
	}
	sort.Strings(names)
	lines := make([]string, 0, len(names))
	for _, n := range names {
		lines = append(lines, n+" "+p[n])
	}
	return &Error{Lines: lines}
}

func (p *problems) boolean(getenv func(string) string, name string, def bool) bool {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.add(name, "must be true or false")
		return def
	}
	return b
}

func (p *problems) tableCount(getenv func(string) string, name string, def, min, max int) int {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		p.add(name, fmt.Sprintf("must be a whole number from %d to %d", min, max))
		return def
	}
	return n
}

func (p *problems) duration(getenv func(string) string, name string, def, min, max time.Duration) time.Duration {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		p.add(name, fmt.Sprintf("must be a Go duration such as %s", def))
		return def
	}
	if d < min || d > max {
		p.add(name, fmt.Sprintf("must be between %s and %s", min, max))
		return def
	}
	return d
}

func (p *problems) integer(getenv func(string) string, name string, def, min, max int, what string) int {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		p.add(name, fmt.Sprintf("must be a whole number from %d to %d: %s; default %d", min, max, what, def))
		return def
	}
	return n
}

func (p *problems) ids(getenv func(string) string, name string, re *regexp.Regexp, what string) []string {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return nil
	}
	var out, bad []string
	seen := map[string]bool{}
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !re.MatchString(f) {
			bad = append(bad, strconv.Quote(f))
			continue
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	if len(bad) > 0 {
		p.add(name, fmt.Sprintf("must list %s; not valid: %s", what, strings.Join(bad, ", ")))
	} else if len(out) == 0 {
		p.add(name, fmt.Sprintf("must list %s", what))
	}
	return out
}

// Error lists every configuration problem, one variable per line.
type Error struct{ Lines []string }

func (e *Error) Error() string {
	return "configuration: " + strings.Join(e.Lines, "; ")
}

// Is lets callers test for any configuration error with errors.Is(err, ErrInvalid).
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// ErrInvalid matches every *Error.
var ErrInvalid = errors.New("invalid configuration")
