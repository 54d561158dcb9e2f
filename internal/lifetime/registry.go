// Package lifetime owns the instances the bot creates for restores to a new
// instance: a Redis registry of them (with the cap on how many may live at
// once), the one create call and how its outcome is settled, following the
// instance to ACTIVE, the reminders before expiry, Keep, and deletion,
// which only ever touches an instance the bot created for that request.
// It knows no chat platform: what happens comes back as typed events, so
// Slack, a drill or a test can use it alike.
package lifetime

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

//go:embed lua/*.lua
var luaFS embed.FS

func script(name string) *redis.Script {
	b, err := luaFS.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic(fmt.Sprintf("lifetime: missing script %s: %v", name, err))
	}
	return redis.NewScript(string(b))
}

var (
	reserveScript = script("reserve")
	setScript     = script("set")
	extendScript  = script("extend")
	remindScript  = script("remind")
)

// DefaultMaxLive is how many new instances may live at once when
// RESTORE_MAX_NEW_INSTANCES is not set.
const DefaultMaxLive = 3

// State is where a created instance is in its life.
type State string

// The states of a record. Creating, Unknown, Live and Deleting hold one of
// the places the cap counts; Released (the create was refused or never
// sent), Refused and Deleted do not.
const (
	StateCreating State = "creating"
	StateUnknown  State = "unknown" // the create call gave no clear answer and nothing was found yet
	StateLive     State = "live"
	StateDeleting State = "deleting"
	StateDeleted  State = "deleted"
	StateReleased State = "released"
	// StateRefused: the instance no longer carries the record's ID or the
	// request's tags; the bot disowns it (said once) and never deletes it.
	StateRefused State = "refused"
)

// Record is what the bot remembers of one new instance, by request.
type Record struct {
	RequestID  string
	State      State
	Name       string
	InstanceID string
	JobID      string
	Requester  string
	Source     string
	Channel    string // where the request's thread is, for reminders
	ThreadTS   string
	Created    time.Time
	Expires    time.Time
	MaxExpires time.Time // Keep never goes past it
	Reminded   int       // 0 none, 1 the hour reminder, 2 the ten-minute one
	DeletedBy  string
}

// Registry keeps records in Redis. Every change is one Lua script.
type Registry struct {
	rdb     redis.UniversalClient
	prefix  string
	now     func() time.Time
	maxLive int
}

// NewRegistry returns a registry under prefix (the bot's key prefix) that
// lets at most maxLive instances live at once (< 1: DefaultMaxLive).
func NewRegistry(rdb redis.UniversalClient, prefix string, now func() time.Time, maxLive int) *Registry {
	if maxLive < 1 {
		maxLive = DefaultMaxLive
	}
	return &Registry{rdb: rdb, prefix: prefix, now: now, maxLive: maxLive}
}

// MaxLive is the cap.
func (g *Registry) MaxLive() int { return g.maxLive }

func (g *Registry) keys(id string) []string {
	return []string{g.prefix + "ni:" + id, g.prefix + "ni:live", g.prefix + "ni:audit:" + id}
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// ErrCap is returned by Reserve when every place is taken.
var ErrCap = errors.New("the limit of live new instances is reached")

// ErrExists is returned by Reserve when the request already has a record.
var ErrExists = errors.New("this request already has an instance record")

// Reserve claims a place under the cap for a request's instance, atomically.
func (g *Registry) Reserve(ctx context.Context, r Record) error {
	now := g.now()
	res, err := reserveScript.Run(ctx, g.rdb, g.keys(r.RequestID), r.RequestID, g.maxLive, ms(now), ms(r.Expires),
		ms(r.MaxExpires), r.Name, r.Requester, r.Source, r.Channel, r.ThreadTS).StringSlice()
	if err != nil {
		return fmt.Errorf("reserve a new instance for %s: %w", r.RequestID, err)
	}
	switch res[0] {
	case "ok":
		return nil
	case "cap":
		return fmt.Errorf("%w (%s of %d)", ErrCap, res[1], g.maxLive)
	case "exists":
		return fmt.Errorf("%w (%s)", ErrExists, res[1])
	}
	return fmt.Errorf("reserve: unexpected answer %v", res)
}

// errState is a transition refused because the record is elsewhere.
type errState struct{ from, to, at string }

func (e *errState) Error() string {
	return fmt.Sprintf("instance record is %s, not %s: cannot become %s", orNone(e.at), e.from, e.to)
}

func orNone(s string) string {
	if s == "" {
		return "missing"
	}
	return s
}

// set moves a record from one of from to to, with fields; the audit text
// says why.
func (g *Registry) set(ctx context.Context, id string, from []State, to State, text string, fields ...string) error {
	fs := make([]string, len(from))
	for i, s := range from {
		fs[i] = string(s)
	}
	args := []any{id, ms(g.now()), strings.Join(fs, ","), string(to), text}
	for _, f := range fields {
		args = append(args, f)
	}
	res, err := setScript.Run(ctx, g.rdb, g.keys(id), args...).StringSlice()
	if err != nil {
		return fmt.Errorf("instance record %s: %w", id, err)
	}
	if res[0] != "ok" {
		return &errState{from: strings.Join(fs, " or "), to: string(to), at: res[1]}
	}
	return nil
}

// Get reads one record; a missing one gives ok false.
func (g *Registry) Get(ctx context.Context, id string) (Record, bool, error) {
	m, err := g.rdb.HGetAll(ctx, g.keys(id)[0]).Result()
	if err != nil {
		return Record{}, false, fmt.Errorf("read instance record %s: %w", id, err)
	}
	if len(m) == 0 {
		return Record{}, false, nil
	}
	return fromHash(m), true, nil
}

func fromHash(m map[string]string) Record {
	t := func(k string) time.Time {
		n, err := strconv.ParseInt(m[k], 10, 64)
		if err != nil || n == 0 {
			return time.Time{}
		}
		return time.UnixMilli(n).UTC()
	}
	rem, _ := strconv.Atoi(m["reminded"])
	return Record{
		RequestID: m["id"], State: State(m["state"]), Name: m["name"], InstanceID: m["instance_id"], JobID: m["job_id"],
		Requester: m["requester"], Source: m["source"], Channel: m["channel"], ThreadTS: m["ts"],
		Created: t("created_ms"), Expires: t("expires_ms"), MaxExpires: t("max_ms"), Reminded: rem, DeletedBy: m["deleted_by"],
	}
}

// Live lists the records holding a place (creating, unknown, live,
// deleting), soonest expiry first.
func (g *Registry) Live(ctx context.Context) ([]Record, error) {
	ids, err := g.rdb.ZRange(ctx, g.keys("")[1], 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("list live instances: %w", err)
	}
	var out []Record
	for _, id := range ids {
		r, ok, err := g.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Expires.Before(out[j].Expires) })
	return out, nil
}

// History is a record's audit trail, oldest first: "<unix ms> <what>".
func (g *Registry) History(ctx context.Context, id string) ([]string, error) {
	out, err := g.rdb.LRange(ctx, g.keys(id)[2], 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("instance history %s: %w", id, err)
	}
	return out, nil
}

// ErrMaxKeep is returned by Extend when the lifetime is already at its
// maximum.
var ErrMaxKeep = errors.New("the instance is already kept as long as the rule allows")

// Extend pushes a record's expiry back by d (from now when it is already
// due), never past its maximum, and returns the new expiry.
func (g *Registry) Extend(ctx context.Context, id string, d time.Duration, actor string) (time.Time, error) {
	res, err := extendScript.Run(ctx, g.rdb, g.keys(id), id, ms(g.now()), d.Milliseconds(), actor).StringSlice()
	if err != nil {
		return time.Time{}, fmt.Errorf("keep instance %s: %w", id, err)
	}
	n, _ := strconv.ParseInt(res[1], 10, 64)
	switch res[0] {
	case "ok":
		return time.UnixMilli(n).UTC(), nil
	case "max":
		return time.UnixMilli(n).UTC(), ErrMaxKeep
	}
	return time.Time{}, &errState{from: "live", to: "kept", at: res[1]}
}

// claimReminder claims reminder level for the expiry the caller saw.
func (g *Registry) claimReminder(ctx context.Context, r Record, level int) (bool, error) {
	res, err := remindScript.Run(ctx, g.rdb, g.keys(r.RequestID), r.RequestID, ms(g.now()), level, ms(r.Expires)).StringSlice()
	if err != nil {
		return false, fmt.Errorf("claim reminder for %s: %w", r.RequestID, err)
	}
	return res[0] == "ok", nil
}
