package drill

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/dbrestore/db-restore/internal/lifetime"
	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/restore"
)

// GaussCloud is what a drill run needs of the GaussDB client.
// *restore.Client satisfies it.
type GaussCloud interface {
	ListInstances(ctx context.Context) ([]restore.Instance, error)
	Backups(ctx context.Context, instanceID string, limit int) ([]restore.Backup, error)
	InstanceDetail(ctx context.Context, id string) (restore.Detail, error)
	Job(ctx context.Context, jobID string) (restore.Job, error)
	InstancesTagged(ctx context.Context, key, value string) ([]restore.Live, error)
	DeleteInstance(ctx context.Context, instanceID string) (string, error)
}

var _ GaussCloud = (*restore.Client)(nil)

// NewInstanceChecker checks a restore to a new instance before it is made
// and again just before the call; *restore.NewInstanceValidator is one.
type NewInstanceChecker interface {
	Validate(ctx context.Context, s restore.NewSpec) (restore.Plan, error)
	Recheck(ctx context.Context, p restore.Plan) error
}

// Lifecycle is the new-instance path a person's restore takes
// (*lifetime.Manager): Start makes the one create call after the freeze,
// the re-check and a place under the cap; Delete deletes only what the bot
// created for the request.
type Lifecycle interface {
	Start(ctx context.Context, req lifetime.Request, plan restore.Plan) (lifetime.Started, error)
	Delete(ctx context.Context, requestID, actor string) (lifetime.Deleted, error)
}

var _ Lifecycle = (*lifetime.Manager)(nil)

// GaussDB runs drills against GaussDB through the same checks, the same
// create call and the same deletion as a person's restore to a new
// instance.
type GaussDB struct {
	Cloud GaussCloud
	Check NewInstanceChecker
	Life  Lifecycle
	// Records are the new-instance path's records (*lifetime.Registry).
	Records interface {
		Get(ctx context.Context, requestID string) (lifetime.Record, bool, error)
	}
}

var (
	_ Lister  = (*GaussDB)(nil)
	_ Creator = (*GaussDB)(nil)
	_ Keeper  = (*GaussDB)(nil)
)

// ErrNotSent wraps a create call that was never sent (a check just before
// it failed): nothing was created.
var ErrNotSent = errors.New("not called")

// ListInstances lists the project's instances.
func (g *GaussDB) ListInstances(ctx context.Context) ([]restore.Instance, error) {
	return g.Cloud.ListInstances(ctx)
}

// Backups reads an instance's backups, newest first.
func (g *GaussDB) Backups(ctx context.Context, instanceID string, limit int) ([]restore.Backup, error) {
	return g.Cloud.Backups(ctx, instanceID, limit)
}

type gaussPlan struct{ plan restore.Plan }

// Plan picks what to restore (the newest COMPLETED backup, or the instant
// ago before at), and checks the restore as a person's would be checked.
func (g *GaussDB) Plan(ctx context.Context, d policy.Drill, src restore.Instance, requestID string, at time.Time) (Planned, error) {
	// The instance's lifetime on record (and in its expiry tag) covers the
	// run and keep:, so the new-instance sweeper would delete it too if
	// every drill replica were gone; the rule's max_keep bounds it.
	spec := restore.NewSpec{Source: src.ID, Name: InstanceName(src.Name, at), Keep: max(restore.MinKeep, d.MaxDuration+d.Keep)}
	if d.From == policy.FromPointInTime {
		spec.Time = at.Add(-d.Ago).UTC().Truncate(time.Second)
	} else {
		b, err := newestCompleted(ctx, g.Cloud, src.ID)
		if err != nil {
			return Planned{}, err
		}
		spec.BackupID = b.ID
	}
	plan, err := g.Check.Validate(ctx, spec)
	if err != nil {
		return Planned{}, err
	}
	p := Planned{SourceID: src.ID, RequestID: requestID, Name: plan.New.Name, Instant: plan.RestoreTime, Detail: gaussPlan{plan}}
	if plan.Backup != nil {
		p.BackupID, p.Instant = plan.Backup.ID, backupInstant(*plan.Backup)
	}
	p.Age = at.Sub(p.Instant)
	return p, nil
}

func backupInstant(b restore.Backup) time.Time {
	if !b.End.IsZero() {
		return b.End
	}
	return b.Begin
}

// newestCompleted is an instance's newest COMPLETED backup.
func newestCompleted(ctx context.Context, c GaussCloud, id string) (restore.Backup, error) {
	bs, err := c.Backups(ctx, id, 0)
	if err != nil {
		return restore.Backup{}, err
	}
	for _, b := range bs { // newest first
		if b.Status == "COMPLETED" {
			return b, nil
		}
	}
	return restore.Backup{}, fmt.Errorf("instance %s has no COMPLETED backup", id)
}

// Create takes the new-instance path: freeze, re-check, cap, the one
// create call (never retried; an unknown outcome looked up by its tag).
func (g *GaussDB) Create(ctx context.Context, d policy.Drill, p Planned) (Created, restore.Password, error) {
	gp, ok := p.Detail.(gaussPlan)
	if !ok {
		return Created{}, restore.Password{}, fmt.Errorf("%w: not a GaussDB plan", ErrNotSent)
	}
	req := lifetime.Request{ID: p.RequestID, Requester: "drill:" + d.Name, Channel: d.Channel}
	st, err := g.Life.Start(ctx, req, gp.plan)
	var rej *restore.RejectedError
	switch {
	case err == nil:
		return Created{InstanceID: st.Record.InstanceID, JobID: st.Record.JobID}, st.Password, nil
	case errors.As(err, &rej):
		return Created{}, restore.Password{}, fmt.Errorf("%w: %v", ErrRejected, err)
	case restore.IsUnknownOutcome(err):
		return Created{}, restore.Password{}, err
	}
	return Created{}, restore.Password{}, fmt.Errorf("%w: %v", ErrNotSent, err)
}

// Find returns the instance named name that the bot created for requestID.
func (g *GaussDB) Find(ctx context.Context, name, requestID string) (string, error) {
	ls, err := g.Cloud.InstancesTagged(ctx, restore.TagRequest, requestID)
	if err != nil {
		return "", err
	}
	for _, l := range ls {
		if l.Name == name && l.Tags[restore.TagCreatedBy] == restore.CreatedByBot {
			return l.ID, nil
		}
	}
	return "", nil
}

// Status follows the create job (a failed job fails the run) and reads the
// instance's status and private address.
func (g *GaussDB) Status(ctx context.Context, id, jobID string) (string, string, error) {
	if jobID != "" {
		if j, err := g.Cloud.Job(ctx, jobID); err == nil && strings.EqualFold(j.Status, "Failed") {
			return "FAILED", "", nil
		}
	}
	d, err := g.Cloud.InstanceDetail(ctx, id)
	if err != nil {
		return "", "", err
	}
	if len(d.PrivateIPs) == 0 || d.Port == "" {
		return d.Status, "", nil
	}
	return d.Status, net.JoinHostPort(d.PrivateIPs[0], d.Port), nil
}

// Delete deletes the instance as the new-instance path does (its record's
// ID and the instance's tags must say the bot made it for requestID). An
// instance whose record is not live (its create call's outcome was unknown
// when the run stopped) is checked the same way against the cloud's tags
// and deleted directly; an instance already gone counts as deleted.
func (g *GaussDB) Delete(ctx context.Context, id, requestID string) error {
	rec, ok, err := g.Records.Get(ctx, requestID)
	if err != nil {
		return err
	}
	if ok && rec.State == lifetime.StateLive && rec.InstanceID == id {
		_, err := g.Life.Delete(ctx, requestID, "drill")
		return err
	}
	ls, err := g.Cloud.InstancesTagged(ctx, restore.TagRequest, requestID)
	if err != nil {
		return err
	}
	for _, l := range ls {
		if l.ID != id {
			continue
		}
		if err := restore.CheckOwned(l, id, requestID); err != nil {
			return err
		}
		_, err := g.Cloud.DeleteInstance(ctx, id)
		if restore.IsNotFound(err) {
			return nil
		}
		return err
	}
	if _, err := g.Cloud.InstanceDetail(ctx, id); restore.IsNotFound(err) {
		return nil // gone already
	}
	return fmt.Errorf("instance %s is not tagged %s=%s: %w", id, restore.TagRequest, requestID, restore.ErrNotOwned)
}

// RunTag is the run's value for the request tag: the run ID, or, when
// that is too long for a GaussDB tag value (43), a cut with a hash.
func RunTag(runID string) string {
	if len(runID) <= 43 {
		return runID
	}
	h := sha256.Sum256([]byte(runID))
	return runID[:34] + "-" + hex.EncodeToString(h[:4])
}

// InstanceName is a drill instance's name: <source>-drill-<UTC
// yyyymmddhhmm>, the source cut so it fits GaussDB's 64 characters.
func InstanceName(source string, at time.Time) string {
	tail := "-drill-" + at.UTC().Format("200601021504")
	rs := []rune(source)
	for len(rs) > 0 && len(string(rs))+len(tail) > 64 {
		rs = rs[:len(rs)-1]
	}
	return strings.TrimRight(string(rs), "-_") + tail
}

// RuleGuard refuses a drill's create call while the rule in force for the
// source is frozen (frozen: in the policy file), as a person's would be.
type RuleGuard struct {
	Policy func() *policy.Policy
}

// BeforeCreate implements Guard.
func (g RuleGuard) BeforeCreate(_ context.Context, _ policy.Drill, src restore.Instance) error {
	rule, _ := g.Policy().Match(src)
	if rule.Frozen {
		return fmt.Errorf("rule %s is frozen: %s", rule.Name, rule.FrozenReason)
	}
	return nil
}
