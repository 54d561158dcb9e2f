package approvals_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/dbrestore/db-restore/internal/approvals"
)

func TestJobIndexOneRequestPerJob(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnvOn(t, b.open)
			s := e.store()
			a, other := reach(t, e, s, approvals.StateExecuting), reach(t, e, s, approvals.StateExecuting)
			if err := s.ClaimJob(ctx, a.ID, "job-1"); err != nil {
				t.Fatalf("first claim: %v", err)
			}
			if err := s.ClaimJob(ctx, a.ID, "job-1"); err != nil {
				t.Fatalf("the same request claiming again: %v", err)
			}
			var taken *approvals.JobTaken
			if err := s.ClaimJob(ctx, other.ID, "job-1"); !errors.As(err, &taken) || taken.Owner != a.ID {
				t.Fatalf("another request's claim = %v, want JobTaken by %s", err, a.ID)
			}
			owners, err := s.JobOwners(ctx, []string{"job-1", "job-2"})
			if err != nil || owners["job-1"] != a.ID || owners["job-2"] != "" || len(owners) != 2 {
				t.Fatalf("JobOwners = %v, %v", owners, err)
			}
			if err := s.ReleaseJob(ctx, other.ID, "job-1"); err != nil {
				t.Fatal(err)
			}
			if owners, _ := s.JobOwners(ctx, []string{"job-1"}); owners["job-1"] != a.ID {
				t.Fatalf("another request released the job: owners %v", owners)
			}
			if err := s.ReleaseJob(ctx, a.ID, "job-1"); err != nil {
				t.Fatal(err)
			}
			if err := s.ClaimJob(ctx, other.ID, "job-1"); err != nil {
				t.Fatalf("claim after its owner released it: %v", err)
			}
		})
	}
}

// TestJobIndexClaimsRace: many requests claim one job at once; exactly one
// gets it, and every other one is told which.
func TestJobIndexClaimsRace(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.store()
	var reqs []approvals.Request
	for i := 0; i < 8; i++ {
		reqs = append(reqs, reach(t, e, s, approvals.StateExecuting))
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		won    []string
		owners = map[string]bool{}
	)
	for _, r := range reqs {
		wg.Add(1)
		go func(id string) {
			defer wg.Done()
			err := e.store().ClaimJob(ctx, id, "job-race")
			var taken *approvals.JobTaken
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won = append(won, id)
			case errors.As(err, &taken):
				owners[taken.Owner] = true
			default:
				t.Errorf("claim: %v", err)
			}
		}(r.ID)
	}
	wg.Wait()
	if len(won) != 1 || len(owners) != 1 || !owners[won[0]] {
		t.Fatalf("winners %v, owners named by the others %v; want one winner named by all", won, owners)
	}
}

func TestNoteAnswerOnAnEndedRequest(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.store()
	r := reach(t, e, s, approvals.StateExecuting)
	if _, err := s.MarkFailed(ctx, r.ID, "refused"); err != nil {
		t.Fatal(err)
	}
	if err := s.NoteAnswer(ctx, r.ID, "late answer contradicts reconciliation: job j-9"); err != nil {
		t.Fatalf("NoteAnswer on a failed request: %v", err)
	}
	evs, err := s.History(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if last.Action != "late_answer" || !strings.Contains(last.Detail, "j-9") || last.State != approvals.StateFailed {
		t.Fatalf("last audit entry %+v, want the late answer on the failed request", last)
	}
	if got, _ := s.Get(ctx, r.ID); got.State != approvals.StateFailed {
		t.Errorf("state changed to %s", got.State)
	}
}
