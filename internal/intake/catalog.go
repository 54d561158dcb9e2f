package intake

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"

	"github.com/dbrestore/db-restore/internal/restore"
)

// Catalog is what people choose from when they ask for a restore: the
// cloud's instances, backups and restorable windows, instead of IDs.
// *restore.Client satisfies it.
type Catalog interface {
	ListInstances(ctx context.Context) ([]restore.Instance, error)
	Backups(ctx context.Context, instanceID string, limit int) ([]restore.Backup, error)
	RestoreWindows(ctx context.Context, instanceID string) ([]restore.Window, error)
	CaseSensitivity(ctx context.Context, instanceID string) (string, error)
}

var _ Catalog = (*restore.Client)(nil)

// How long the offers are trusted. The choices are only offers: the
// request is validated against the cloud when it is submitted and again
// before the restore call, so a stale offer is refused, never executed.
const (
	instancesTTL = 60 * time.Second
	sourceTTL    = 30 * time.Second // backups and restorable windows
	caseTTL      = 10 * time.Minute // lower_case_table_names rarely changes
	caseLookups  = 8                // parallel parameter reads when listing targets
)

// MaxOffered is the most backups offered for one source (a chat select
// shows at most a hundred choices).
const MaxOffered = 100

type cached[T any] struct {
	v  T
	at time.Time
}

// Offers keeps the cloud data people choose from, so that a search can be
// answered from memory at once, and so that a burst of changes to a
// request form does not become a burst of API calls.
type Offers struct {
	cat  Catalog
	tcat TableCatalog // nil: tables cannot be listed
	now  func() time.Time
	sf   singleflight.Group

	mu        sync.Mutex
	instances cached[[]restore.Instance] // sorted by name, then ID
	cases     map[string]cached[string]
	backups   map[string]cached[[]restore.Backup]
	windows   map[string]cached[[]restore.Window]
	tables    map[string]cached[[]restore.Database] // "source@unix seconds"
}

// NewOffers reads through c and tc (nil: tables cannot be listed).
func NewOffers(c Catalog, tc TableCatalog, now func() time.Time) *Offers {
	return &Offers{
		cat: c, tcat: tc, now: now,
		cases:   map[string]cached[string]{},
		backups: map[string]cached[[]restore.Backup]{},
		windows: map[string]cached[[]restore.Window]{},
		tables:  map[string]cached[[]restore.Database]{},
	}
}

func (c *Offers) fresh(at time.Time, ttl time.Duration) bool {
	return !at.IsZero() && c.now().Sub(at) < ttl
}

// Listed returns the instance list in memory, however old; it does no I/O.
func (c *Offers) Listed() []restore.Instance {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.instances.v
}

// HasFreshList reports whether the instance list is in memory and fresh.
func (c *Offers) HasFreshList() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fresh(c.instances.at, instancesTTL)
}

// List returns every instance, sorted by name, reading the cloud when the
// list in memory is older than instancesTTL.
func (c *Offers) List(ctx context.Context) ([]restore.Instance, error) {
	c.mu.Lock()
	if c.fresh(c.instances.at, instancesTTL) {
		defer c.mu.Unlock()
		return c.instances.v, nil
	}
	c.mu.Unlock()
	v, err, _ := c.sf.Do("instances", func() (any, error) {
		ins, err := c.cat.ListInstances(ctx)
		if err != nil {
			return nil, err
		}
		ins = slices.Clone(ins)
		slices.SortFunc(ins, func(a, b restore.Instance) int {
			if n := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); n != 0 {
				return n
			}
			return strings.Compare(a.ID, b.ID)
		})
		c.mu.Lock()
		c.instances = cached[[]restore.Instance]{v: ins, at: c.now()}
		c.mu.Unlock()
		return ins, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]restore.Instance), nil
}

// CompletedBackups returns the source's usable backups, newest first, at
// most MaxOffered of them.
func (c *Offers) CompletedBackups(ctx context.Context, source string) ([]restore.Backup, error) {
	return load(c, c.backups, "backups/"+source, source, sourceTTL, func(ctx context.Context) ([]restore.Backup, error) {
		all, err := c.cat.Backups(ctx, source, 0)
		if err != nil {
			return nil, err
		}
		var out []restore.Backup
		for _, b := range all {
			if (b.Status == "COMPLETED" || b.Status == "AVAILABLE") && len(out) < MaxOffered {
				out = append(out, b)
			}
		}
		return out, nil
	})(ctx)
}

// RestoreWindows returns the source's point-in-time windows.
func (c *Offers) RestoreWindows(ctx context.Context, source string) ([]restore.Window, error) {
	return load(c, c.windows, "windows/"+source, source, sourceTTL, func(ctx context.Context) ([]restore.Window, error) {
		return c.cat.RestoreWindows(ctx, source)
	})(ctx)
}

func (c *Offers) caseSensitivity(ctx context.Context, id string) (string, error) {
	return load(c, c.cases, "case/"+id, id, caseTTL, func(ctx context.Context) (string, error) {
		return c.cat.CaseSensitivity(ctx, id)
	})(ctx)
}

// load reads m[key] from memory when fresh, else through fetch, one fetch
// per key at a time.
func load[T any](c *Offers, m map[string]cached[T], flight, key string, ttl time.Duration, fetch func(context.Context) (T, error)) func(context.Context) (T, error) {
	return func(ctx context.Context) (T, error) {
		c.mu.Lock()
		e, ok := m[key]
		c.mu.Unlock()
		if ok && c.fresh(e.at, ttl) {
			return e.v, nil
		}
		v, err, _ := c.sf.Do(flight, func() (any, error) {
			v, err := fetch(ctx)
			if err != nil {
				return v, err
			}
			c.mu.Lock()
			m[key] = cached[T]{v: v, at: c.now()}
			c.mu.Unlock()
			return v, nil
		})
		if err != nil {
			var zero T
			return zero, err
		}
		return v.(T), nil
	}
}

// Forget drops what is known about one source, after the cloud refused a
// request built from it: the next form shows what is true now.
func (c *Offers) Forget(source string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.backups, source)
	delete(c.windows, source)
	delete(c.cases, source)
	c.instances.at = time.Time{}
}

// candidate reports whether target, another instance than source, could
// take a restore of it as far as the instance list tells (restore.Eligible).
func candidate(source, target restore.Instance) bool {
	return target.ID != source.ID && restore.Eligible(source, target) == nil
}

// Targets returns the instances, other than the source, that the restore
// API accepts as its target: ACTIVE, with the source's datastore type,
// version and lower_case_table_names.
func (c *Offers) Targets(ctx context.Context, source restore.Instance) ([]restore.Instance, error) {
	all, err := c.List(ctx)
	if err != nil {
		return nil, err
	}
	want, err := c.caseSensitivity(ctx, source.ID)
	if err != nil {
		return nil, fmt.Errorf("case sensitivity of %s: %w", source.ID, err)
	}
	var cands []restore.Instance
	for _, in := range all {
		if candidate(source, in) {
			cands = append(cands, in)
		}
	}
	same := make([]bool, len(cands))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(caseLookups)
	for i, in := range cands {
		g.Go(func() error {
			v, err := c.caseSensitivity(gctx, in.ID)
			if err != nil {
				return fmt.Errorf("case sensitivity of %s: %w", in.ID, err)
			}
			same[i] = v == want
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []restore.Instance
	for i, in := range cands {
		if same[i] {
			out = append(out, in)
		}
	}
	return out, nil
}

// KnownTargets is Targets from memory only, for a search in a select:
// instances whose case sensitivity is not in memory are left out.
func (c *Offers) KnownTargets(sourceID string) []restore.Instance {
	c.mu.Lock()
	defer c.mu.Unlock()
	var source restore.Instance
	for _, in := range c.instances.v {
		if in.ID == sourceID {
			source = in
		}
	}
	want, ok := c.cases[sourceID]
	if source.ID == "" || !ok {
		return nil
	}
	var out []restore.Instance
	for _, in := range c.instances.v {
		if e, ok := c.cases[in.ID]; ok && candidate(source, in) && e.v == want.v {
			out = append(out, in)
		}
	}
	return out
}

// Matching filters instances by a search typed into a select:
// every word must appear in the name or the ID, case ignored.
func Matching(ins []restore.Instance, query string) []restore.Instance {
	words := strings.Fields(strings.ToLower(query))
	var out []restore.Instance
	for _, in := range ins {
		hay := strings.ToLower(in.Name + " " + in.ID)
		ok := true
		for _, w := range words {
			if !strings.Contains(hay, w) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, in)
		}
	}
	return out
}

// TableCatalog lists the tables an instance had at a time, for table
// restores. *restore.Client is one.
type TableCatalog interface {
	TablesAt(ctx context.Context, instanceID string, t time.Time, database, table string) ([]restore.Database, error)
}

// ErrNoTableCatalog says tables cannot be listed: there is no TableCatalog.
var ErrNoTableCatalog = errors.New("this bot cannot list tables")

// TablesAt returns the tables the source had at t, from memory when fresh.
func (c *Offers) TablesAt(ctx context.Context, source string, t time.Time) ([]restore.Database, error) {
	tc := c.tcat
	if tc == nil {
		return nil, ErrNoTableCatalog
	}
	key := source + "@" + strconv.FormatInt(t.Unix(), 10)
	return load(c, c.tables, "tables/"+key, key, sourceTTL, func(ctx context.Context) ([]restore.Database, error) {
		return tc.TablesAt(ctx, source, t, "", "")
	})(ctx)
}

// TablesListed returns the tables in memory for source at t (Unix seconds),
// however old; it does no I/O.
func (c *Offers) TablesListed(source string, t int64) []restore.Database {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tables[source+"@"+strconv.FormatInt(t, 10)].v
}
