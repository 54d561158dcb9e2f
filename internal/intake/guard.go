package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/policy"
)

// The rules and settings this replica applies must be those in force on
// every replica. At start, and then every heartbeat, the replica claims the
// policy record in Redis with one hash of its policy and of the settings
// that decide who may do what (Settings), and its rule freezes (see
// approvals.ClaimPolicy). Until a claim has succeeded, and while its hash
// differs from the record's, it counts no click and takes no request, and
// Problem says why. Approve checks the hash again in its Lua step, so a
// replica that fell out of step between two heartbeats cannot count a
// click either.

// Settings are the environment settings outside the policy file that every
// replica must share: who may use break-glass, who administers, and
// whether restore calls are made at all.
type Settings struct {
	BreakGlass []string // RESTORE_BREAK_GLASS
	Admins     []string // RESTORE_ADMINS
	DryRun     bool     // RESTORE_DRY_RUN
}

// describe is the settings as the policy record's source shows them, one
// "NAME=value" part each, IDs sorted.
func (s Settings) describe() []string {
	ids := func(v []string) string {
		v = slices.Clone(v)
		slices.Sort(v)
		return strings.Join(slices.Compact(v), ",")
	}
	return []string{"RESTORE_BREAK_GLASS=" + ids(s.BreakGlass), "RESTORE_ADMINS=" + ids(s.Admins), fmt.Sprintf("RESTORE_DRY_RUN=%t", s.DryRun)}
}

// Guard is what this replica's policy claims found.
type Guard struct {
	log       zerolog.Logger
	store     *approvals.Store
	frozen    map[string]string
	heartbeat time.Duration
	hash      string
	source    string

	mu        sync.Mutex
	mismatch  error // the last claim found other rules in force; nil otherwise
	confirmed bool  // a claim has succeeded at least once
	lastErr   error // why the last claim failed, before any succeeded
}

func newGuard(log zerolog.Logger, store *approvals.Store, p *policy.Policy, s Settings, heartbeat time.Duration) *Guard {
	src := p.Source
	if src == "" {
		src = "the environment settings"
	}
	parts := s.describe()
	sum := sha256.Sum256([]byte(p.Hash() + "\n" + strings.Join(parts, "\n")))
	return &Guard{
		log: log, store: store, frozen: p.Frozen(), heartbeat: heartbeat,
		hash:   hex.EncodeToString(sum[:])[:16],
		source: src + "; " + strings.Join(parts, "; "),
	}
}

// Hash identifies this replica's rules and settings.
func (g *Guard) Hash() string { return g.hash }

// Source says where this replica's rules came from, and its settings.
func (g *Guard) Source() string { return g.source }

// Claim renews this replica's hold on the policy record and notes what it
// found. It reports whether this replica's rules are in force. A failure
// to reach Redis after a first success changes nothing: the Lua steps
// check the record themselves, and readiness checks Redis on its own.
func (g *Guard) Claim(ctx context.Context) bool {
	_, err := g.store.ClaimPolicy(ctx, g.hash, g.source, g.frozen, 3*g.heartbeat)
	var mis *approvals.PolicyMismatchError
	if err != nil && !errors.As(err, &mis) {
		g.mu.Lock()
		if !g.confirmed {
			g.lastErr = err
		}
		g.mu.Unlock()
		g.log.Warn().Err(err).Msg("could not renew the hold on the policy record")
		return false
	}
	g.mu.Lock()
	was := g.mismatch
	first := !g.confirmed
	g.mismatch = err
	g.confirmed = g.confirmed || err == nil
	g.mu.Unlock()
	switch {
	case err != nil && (was == nil || was.Error() != err.Error()):
		g.log.Error().Err(err).Str("policy_hash", g.hash).Strs("differs", differs(mis)).Msg("this replica's policy or settings are not the ones in force: clicks and requests refused")
	case err == nil && (was != nil || first):
		g.log.Info().Str("policy_hash", g.hash).Str("policy_source", g.source).Msg("policy in force")
	}
	return err == nil
}

// Hold keeps claiming until ctx ends; claims run under work.
func (g *Guard) Hold(ctx, work context.Context) {
	t := time.NewTicker(g.heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			g.Claim(work)
		}
	}
}

// Release lets go of the policy record at a clean stop, so that replicas
// started with another file can take over.
func (g *Guard) Release(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := g.store.ReleasePolicy(ctx, g.hash); err != nil {
		g.log.Warn().Err(err).Msg("could not release the policy record; it lapses by itself")
	}
}

// Problem is nil once a claim succeeded and while no claim has found other
// rules in force; otherwise a *PolicyError says which. It fails closed: a
// replica that could never confirm its rules acts on nothing.
func (g *Guard) Problem() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.mismatch != nil:
		return &PolicyError{Err: g.mismatch}
	case !g.confirmed && g.lastErr != nil:
		return &PolicyError{Err: fmt.Errorf("the policy in force has not been confirmed in Redis yet: %w", g.lastErr)}
	case !g.confirmed:
		return &PolicyError{Err: errors.New("the policy in force has not been confirmed in Redis yet")}
	}
	return nil
}

// Differs names the settings in which the rules in force differ from this
// replica's (empty when only the policy file differs, or unknown).
func Differs(err error) []string {
	var mis *approvals.PolicyMismatchError
	if !errors.As(err, &mis) {
		return nil
	}
	return differs(mis)
}

func differs(mis *approvals.PolicyMismatchError) []string {
	if mis == nil {
		return nil
	}
	theirs := strings.Split(mis.InForce.Source, "; ")
	var out []string
	for _, part := range strings.Split(mis.MySource, "; ")[1:] {
		if !slices.Contains(theirs, part) {
			name, _, _ := strings.Cut(part, "=")
			out = append(out, name)
		}
	}
	return out
}
