package intake

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/command"
	"github.com/dbrestore/db-restore/internal/restore"
)

// Draft is a restore request as a person entered it, before validation.
type Draft struct {
	Source, Target, BackupID, Time string
	Reason, Ticket                 string
	BreakGlass                     string   // why the rule's threshold must drop to one approver
	Tables                         []string // a table restore: "db.table" or "db.*"
	Suffix                         string   // the word in new table names
	Origin, Notify                 string   // from a message shortcut: the message's permalink and channel
	// NewInstance is target=new: a restore into an instance created for the
	// request, named Name (or the default) and kept Keep (or the rule's).
	NewInstance bool
	Name        string
	Keep        time.Duration
}

// Create is the one path from a draft to a stored request, whatever the
// surface: it checks that this replica's rules are in force and nothing is
// frozen, resolves the time in the requester's zone, validates against the
// cloud, decides the rule, and stores the request as pending. channel is
// where the person asked (the approval channel when nothing else is set).
// Posting the request for approval is the caller's.
func (s *Service) Create(ctx context.Context, requester, channel string, d Draft) (approvals.Request, error) {
	if err := s.guard.Problem(); err != nil {
		return approvals.Request{}, err // this replica's rules are not the ones in force
	}
	if reason, by, on, err := s.o.Store.Freeze(ctx); err != nil {
		return approvals.Request{}, StoreErr(err)
	} else if on {
		return approvals.Request{}, &FrozenError{Reason: reason, By: by}
	}
	if strings.TrimSpace(d.Reason) == "" {
		return approvals.Request{}, &FieldProblem{Field: "reason", Problem: ProblemNoReason}
	}
	loc, err := s.o.Zones.Location(ctx, requester)
	if err != nil {
		return approvals.Request{}, err
	}
	validate := s.validate
	if d.NewInstance {
		validate = s.validateNew
	}
	plan, err := validate(ctx, d, loc)
	if err != nil {
		return approvals.Request{}, err
	}
	rule, ch, err := s.RuleFor(ctx, requester, channel, plan, d.BreakGlass)
	if err != nil {
		return approvals.Request{}, err
	}
	if rule.SafetyBackup {
		rule.SafetyBackupMinutes = s.lastBackupMinutes(ctx, plan.Target.ID)
	}
	req, err := s.o.Store.Create(ctx, approvals.Request{
		Estimate: s.estimate(ctx, plan), Params: s.paramsOf(plan),
		Reason: d.Reason, Ticket: d.Ticket, Requester: requester, RequesterTZ: loc.String(),
		Rule: rule, BreakGlass: d.BreakGlass, Origin: d.Origin, Notify: nonEmpty(d.Notify),
		Channel: ch, ExpiresAt: s.o.Now().Add(s.o.RequestTTL),
	})
	if err != nil {
		return approvals.Request{}, s.WithFreezeReason(ctx, StoreErr(err))
	}
	s.o.Log.Info().Str("user_id", requester).Str("request_id", req.ID).Str("param_hash", req.ParamHash).Msg("restore requested")
	s.o.Metrics.Transition(string(approvals.StatePending))
	return req, nil
}

// validate reads the draft's time in the requester's zone and checks the
// restore against the cloud.
func (s *Service) validate(ctx context.Context, d Draft, loc *time.Location) (restore.Plan, error) {
	t, err := draftTime(d.Time, loc)
	if err != nil {
		return restore.Plan{}, err
	}
	spec := restore.Spec{Source: d.Source, Target: d.Target, BackupID: d.BackupID, Tables: d.Tables, Suffix: d.Suffix, Time: t}
	return s.validated(s.o.Validator.Validate(ctx, spec))
}

// draftTime reads a draft's time= in the requester's zone; unset gives the
// zero time.
func draftTime(v string, loc *time.Location) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	return command.ParseTime(v, loc)
}

// validated passes a validation's answer on, counting a failure that is
// not the requester's (anything but a FieldError) as a cloud API error.
func (s *Service) validated(plan restore.Plan, err error) (restore.Plan, error) {
	if err != nil {
		var fe *restore.FieldError
		if !errors.As(err, &fe) {
			s.o.Metrics.APIError("gaussdb", "validate")
		}
		return restore.Plan{}, err
	}
	return plan, nil
}

// paramsOf is ParamsOf with a new instance's maximum lifetime from the
// rule in force for its source.
func (s *Service) paramsOf(p restore.Plan) approvals.Params {
	out := ParamsOf(p)
	if p.Type == restore.TypeNewInstance {
		out.New = newParams(p, s.o.Policy.NewInstanceRule(p.Source).MaxKeep)
	}
	return out
}

// ParamsOf turns a validated plan into the parameters a request stores.
func ParamsOf(p restore.Plan) approvals.Params {
	out := approvals.Params{
		SourceID: p.Source.ID, SourceName: p.Source.Name,
		TargetID: p.Target.ID, TargetName: p.Target.Name,
		Type: approvals.RestoreType(p.Type),
	}
	if p.Backup != nil {
		out.BackupID = p.Backup.ID
	}
	if out.Type == approvals.TypeTimestamp || out.Type == approvals.TypeTables ||
		out.Type == approvals.TypeNewInstance && p.Backup == nil {
		out.RestoreTimeMs = p.RestoreTime.UnixMilli()
	}
	for _, t := range p.Tables {
		out.Tables = append(out.Tables, approvals.TableRename{Database: t.Database, OldName: t.OldName, NewName: t.NewName, Live: t.Live})
	}
	return out
}

// WithFreezeReason turns the store's "frozen" refusal into a *FrozenError
// carrying the freeze's reason and author.
func (s *Service) WithFreezeReason(ctx context.Context, err error) error {
	var r *approvals.Refusal
	if !errors.As(err, &r) || r.Reason != approvals.ReasonFrozen {
		return err
	}
	reason, by, on, ferr := s.o.Store.Freeze(ctx)
	if ferr != nil || !on {
		return err
	}
	return &FrozenError{Reason: reason, By: by}
}

// nonEmpty is a one-element list of s, or none.
func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
