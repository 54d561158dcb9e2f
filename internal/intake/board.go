package intake

import (
	"context"
	"strings"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/execution"
)

// BoardListMax caps each list of a board, so that a surface can show it
// whole whatever the store holds.
const BoardListMax = 10

// RecentWindow is how far back a board shows finished restores.
const RecentWindow = 7 * 24 * time.Hour

// Board is what one person's overview of restores shows (the Slack Home
// tab draws it): what they may do, the freezes, and the requests that
// concern them. Lists are newest first and capped at BoardListMax; More
// counts, per list name, the requests left out.
type Board struct {
	User string
	Role Role
	Now  time.Time

	Frozen                 bool
	FreezeReason, FreezeBy string
	FrozenRules            []string // "name: reason" of the policy rules frozen now

	Waiting []approvals.Request // pending, this person may decide them
	Mine    []approvals.Request // made by this person
	Running []approvals.Request // executing or submitted
	Recent  []approvals.Request // restores that ended within RecentWindow
	Undo    map[string]string   // request ID -> the command that undoes it, where a safety backup was taken
	Reviews []approvals.Request // break-glass requests not yet reviewed (admins only)
	More    map[string]int      // "waiting", "mine", "running", "recent", "reviews" -> left out
}

// Board reads what a person's overview shows. Someone who may neither
// request, approve nor administer sees no list (and a person whose role
// cannot be read is treated so: it fails closed). Each list is one index
// range in Redis plus one pipeline of reads.
func (s *Service) Board(ctx context.Context, user string) (Board, error) {
	b := Board{User: user, Now: s.o.Now(), More: map[string]int{}, Undo: map[string]string{}}
	var err error
	if b.Role, err = s.RoleOf(ctx, user); err != nil {
		b.Role = Role{}
		return b, err
	}
	if b.Role.None() {
		return b, nil
	}
	if b.FreezeReason, b.FreezeBy, b.Frozen, err = s.o.Store.Freeze(ctx); err != nil {
		return b, err
	}
	for _, r := range s.o.Policy.Rules {
		if r.Frozen {
			b.FrozenRules = append(b.FrozenRules, r.Name+": "+r.FrozenReason)
		}
	}
	if err := s.boardActive(ctx, &b); err != nil {
		return b, err
	}
	if b.Mine, err = s.o.Store.ByRequester(ctx, user, BoardListMax); err != nil {
		return b, err
	}
	ended, err := s.o.Store.EndedSince(ctx, b.Now.Add(-RecentWindow), 5*BoardListMax)
	if err != nil {
		return b, err
	}
	for _, r := range ended {
		if restoreOutcome(r.State) {
			b.Recent = b.capped(b.Recent, r, "recent")
		}
	}
	s.undoCommands(ctx, b.Recent, b.Undo)
	if b.Role.Admin {
		reviews, err := s.o.Store.Reviews(ctx)
		if err != nil {
			return b, err
		}
		for _, r := range reviews {
			b.Reviews = b.capped(b.Reviews, r, "reviews")
		}
	}
	return b, nil
}

// boardActive fills the pending requests waiting for the person and the
// running restores.
func (s *Service) boardActive(ctx context.Context, b *Board) error {
	active, _, err := s.o.Store.List(ctx, 0, 200)
	if err != nil {
		return err
	}
	for _, r := range active {
		switch r.State {
		case approvals.StatePending:
			if b.Role.Approve && s.waitsFor(ctx, b.User, r) {
				b.Waiting = b.capped(b.Waiting, r, "waiting")
			}
		case approvals.StateQueued, approvals.StateExecuting, approvals.StateSubmitted:
			b.Running = b.capped(b.Running, r, "running")
		}
	}
	return nil
}

// waitsFor reports whether a pending request waits for this person: an
// approver of its captured rule who is not its requester and has not
// approved it yet. The click checks everything again.
func (s *Service) waitsFor(ctx context.Context, user string, r approvals.Request) bool {
	if r.Requester == user {
		return false
	}
	for _, ap := range r.Approvals {
		if ap.User == user {
			return false
		}
	}
	ok, err := s.member(ctx, user, r.Rule.Approvers)
	return err == nil && ok
}

func (b *Board) capped(list []approvals.Request, r approvals.Request, name string) []approvals.Request {
	if len(list) >= BoardListMax {
		b.More[name]++
		return list
	}
	return append(list, r)
}

// restoreOutcome reports whether a final state is the end of an approved
// restore (rather than of a request that never ran).
func restoreOutcome(st approvals.State) bool {
	switch st {
	case approvals.StateCompleted, approvals.StateFailed, approvals.StateUnknown, approvals.StateDryRun:
		return true
	}
	return false
}

// undoCommands finds, in the audit trail of finished restores that took a
// safety backup, the backup's ID and so the command that undoes them.
func (s *Service) undoCommands(ctx context.Context, reqs []approvals.Request, out map[string]string) {
	for _, r := range reqs {
		if !r.Rule.SafetyBackup {
			continue
		}
		events, err := s.o.Store.History(ctx, r.ID)
		if err != nil {
			continue
		}
		for _, e := range events {
			if id, ok := strings.CutPrefix(e.Detail, "safety backup "); ok {
				if id, ok = strings.CutSuffix(id, " completed"); ok {
					out[r.ID] = execution.UndoCommand(r, id)
				}
			}
		}
	}
}
