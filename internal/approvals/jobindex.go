package approvals

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/dbrestore/db-restore/internal/redisconn"
)

// JobIndexRetention is how long the job index remembers which request a
// job belongs to: longer than GaussDB lists a job (the task center keeps a
// month) and than any reconciliation looks back.
const JobIndexRetention = 40 * 24 * time.Hour

// These scripts live apart from scripts.go's table: they are not
// transitions of a request's state. Both are immutable once built.
// Claiming is idempotent (the same request claiming again gets the same
// answer), so a claim whose reply was lost is simply sent again;
// answer_note takes the per-request operation token like the transitions.
var (
	jobIndexScript   = redisconn.NewScript(mustRead("jobindex"))
	answerNoteScript = redisconn.NewScript(mustRead("lib") + mustRead("answer_note"))
)

// JobTaken is returned by ClaimJob when the job already belongs to another
// request.
type JobTaken struct {
	JobID, Owner string
}

func (e *JobTaken) Error() string {
	return fmt.Sprintf("job %s already belongs to request %s", e.JobID, e.Owner)
}

func (s *Store) jobKey(jobID string) string { return s.prefix + "job:" + jobID }

// ClaimJob records atomically that GaussDB job jobID belongs to request id:
// it is called whenever a job ID is recorded for a request (the restore
// call's answer, a late answer, reconciliation), so that no job is ever
// attached to two requests. Claiming a job the request already holds
// succeeds; a job another request holds gives a *JobTaken. The claim is
// confirmed by the replicas like the transitions before a call (see
// Durability).
func (s *Store) ClaimJob(ctx context.Context, id, jobID string) error {
	if jobID == "" {
		return errors.New("claim job: job id is empty")
	}
	var owner string
	key := s.jobKey(jobID)
	err := s.durably(ctx, key, func(c redisconn.Processor) (bool, error) {
		v, err := jobIndexScript.Run(ctx, c, []string{key},
			"claim", id, strconv.FormatInt(JobIndexRetention.Milliseconds(), 10)).Text()
		owner = v
		return err == nil && v == id, err
	})
	if err != nil {
		return fmt.Errorf("claim job %s for request %s: %w", jobID, id, err)
	}
	if owner != id {
		return &JobTaken{JobID: jobID, Owner: owner}
	}
	return nil
}

// ReleaseJob undoes ClaimJob when the request's own transition refused the
// job (someone else settled the request first). A job held by another
// request is left alone.
func (s *Store) ReleaseJob(ctx context.Context, id, jobID string) error {
	if err := jobIndexScript.Run(ctx, s.rdb, []string{s.jobKey(jobID)}, "release", id, "0").Err(); err != nil {
		return fmt.Errorf("release job %s of request %s: %w", jobID, id, err)
	}
	return nil
}

// JobOwners reads which request each job belongs to, "" for a job no
// request holds; the map has an entry for every job asked about.
func (s *Store) JobOwners(ctx context.Context, jobIDs []string) (map[string]string, error) {
	out := make(map[string]string, len(jobIDs))
	if len(jobIDs) == 0 {
		return out, nil
	}
	keys := make([]string, len(jobIDs))
	for i, j := range jobIDs {
		keys[i] = s.jobKey(j)
	}
	vals, err := jobIndexScript.Run(ctx, s.rdb, keys, "owners", "", "0").StringSlice()
	if err != nil {
		return nil, fmt.Errorf("read the owners of %d jobs: %w", len(jobIDs), err)
	}
	if len(vals) != len(jobIDs) {
		return nil, fmt.Errorf("read the owners of %d jobs: %d answers", len(jobIDs), len(vals))
	}
	for i, j := range jobIDs {
		out[j] = vals[i]
	}
	return out, nil
}

// NoteAnswer adds a late_answer entry to request id's audit trail whatever
// its state: for an answer to the restore call that contradicts what
// reconciliation concluded, which must be on record even after the request
// ended.
func (s *Store) NoteAnswer(ctx context.Context, id, detail string) error {
	_, _, err := s.transition(ctx, "note the late answer on", answerNoteScript, id, detail)
	return err
}
