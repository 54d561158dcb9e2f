package slackapp

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"

	"github.com/dbrestore/db-restore/internal/restore"
)

// Catalog is what the request form reads from GaussDB to offer choices
// instead of asking for IDs. *restore.Client satisfies it.
type Catalog interface {
	ListInstances(ctx context.Context) ([]restore.Instance, error)
	Backups(ctx context.Context, instanceID string, limit int) ([]restore.Backup, error)
	RestoreWindows(ctx context.Context, instanceID string) ([]restore.Window, error)
	CaseSensitivity(ctx context.Context, instanceID string) (string, error)
}

var _ Catalog = (*restore.Client)(nil)

// How long the form trusts what it read. The choices are only offers: the
// request is validated against the cloud when it is submitted and again
// before the restore call, so a stale offer is refused, never executed.
const (
	instancesTTL = 60 * time.Second
	sourceTTL    = 30 * time.Second // backups and restorable windows
	caseTTL      = 10 * time.Minute // lower_case_table_names rarely changes
	caseLookups  = 8                // parallel parameter reads when listing targets
	maxOptions   = 100              // Slack's limit for a static select and a suggestion ack
)

type cached[T any] struct {
	v  T
	at time.Time
}

// catalogCache keeps the cloud data the form shows, so that a search in an
// external select can be answered from memory in the ack, and so that a
// burst of form changes does not become a burst of API calls.
type catalogCache struct {
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

func newCatalogCache(c Catalog, tc TableCatalog, now func() time.Time) *catalogCache {
	return &catalogCache{
		cat: c, tcat: tc, now: now,
		cases:   map[string]cached[string]{},
		backups: map[string]cached[[]restore.Backup]{},
		windows: map[string]cached[[]restore.Window]{},
		tables:  map[string]cached[[]restore.Database]{},
	}
}

func (c *catalogCache) fresh(at time.Time, ttl time.Duration) bool {
	return !at.IsZero() && c.now().Sub(at) < ttl
}

// listed returns the instance list in memory, however old; it does no I/O.
func (c *catalogCache) listed() []restore.Instance {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.instances.v
}

// hasFreshList reports whether the instance list is in memory and fresh.
func (c *catalogCache) hasFreshList() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fresh(c.instances.at, instancesTTL)
}

// list returns every instance, sorted by name, reading the cloud when the
// list in memory is older than instancesTTL.
func (c *catalogCache) list(ctx context.Context) ([]restore.Instance, error) {
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

// completedBackups returns the source's usable backups, newest first, at
// most maxOptions of them.
func (c *catalogCache) completedBackups(ctx context.Context, source string) ([]restore.Backup, error) {
	return load(c, c.backups, "backups/"+source, source, sourceTTL, func(ctx context.Context) ([]restore.Backup, error) {
		all, err := c.cat.Backups(ctx, source, 0)
		if err != nil {
			return nil, err
		}
		var out []restore.Backup
		for _, b := range all {
			if (b.Status == "COMPLETED" || b.Status == "AVAILABLE") && len(out) < maxOptions {
				out = append(out, b)
			}
		}
		return out, nil
	})(ctx)
}

// restoreWindows returns the source's point-in-time windows.
func (c *catalogCache) restoreWindows(ctx context.Context, source string) ([]restore.Window, error) {
	return load(c, c.windows, "windows/"+source, source, sourceTTL, func(ctx context.Context) ([]restore.Window, error) {
		return c.cat.RestoreWindows(ctx, source)
	})(ctx)
}

func (c *catalogCache) caseSensitivity(ctx context.Context, id string) (string, error) {
	return load(c, c.cases, "case/"+id, id, caseTTL, func(ctx context.Context) (string, error) {
		return c.cat.CaseSensitivity(ctx, id)
	})(ctx)
}

// load reads m[key] from memory when fresh, else through fetch, one fetch
// per key at a time.
func load[T any](c *catalogCache, m map[string]cached[T], flight, key string, ttl time.Duration, fetch func(context.Context) (T, error)) func(context.Context) (T, error) {
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

// forget drops what is known about one source, after the cloud refused a
// request built from it: the next form shows what is true now.
func (c *catalogCache) forget(source string) {
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

// targets returns the instances, other than the source, that the restore
// API accepts as its target: ACTIVE, with the source's datastore type,
// version and lower_case_table_names.
func (c *catalogCache) targets(ctx context.Context, source restore.Instance) ([]restore.Instance, error) {
	all, err := c.list(ctx)
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

// knownTargets is targets from memory only, for an external select's
// search: instances whose case sensitivity is not in memory are left out.
func (c *catalogCache) knownTargets(sourceID string) []restore.Instance {
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

// matching filters instances by a search typed into an external select:
// every word must appear in the name or the ID, case ignored.
func matching(ins []restore.Instance, query string) []restore.Instance {
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
