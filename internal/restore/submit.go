package restore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	gaussdb "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/gaussdb/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/gaussdb/v3/model"
)

// Restore makes exactly one RestoreOldInstance call and returns the job ID
// the cloud gave it. It never retries: no SDK retry, one endpoint, and no
// Idempotency-Key header (which would let net/http replay the POST).
//
// The error, if any, is one of:
//   - *RejectedError: the cloud answered 4xx with an error body; no restore
//     was started.
//   - *UnknownOutcomeError: the request may have been accepted. Never call
//     Restore again for the same decision; reconcile with the target's status
//     and jobs.
//   - any other error: the request was never sent (invalid call, or ctx
//     already done), so nothing happened.
func (c *Client) Restore(ctx context.Context, call Call) (string, error) {
	if err := call.check(); err != nil {
		return "", fmt.Errorf("restore not sent: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("restore not sent: %w", err)
	}
	body := &model.RestoreRequest{
		SourceInstanceId: call.SourceID,
		TargetInstanceId: call.TargetID,
		Type:             call.Type,
	}
	switch call.Type {
	case TypeBackup:
		body.BackupId = ptr(call.BackupID)
	case TypeTimestamp:
		body.RestoreTime = ptr(call.RestoreTimeMs)
	}
	resp, err := sendOnce(ctx, c, func(g *gaussdb.GaussDBClient) (*model.RestoreOldInstanceResponse, error) {
		return g.RestoreOldInstance(&model.RestoreOldInstanceRequest{XLanguage: ptr(language), Body: body})
	})
	if err != nil {
		return "", err
	}
	if err := statusOK(resp.HttpStatusCode); err != nil {
		return "", err
	}
	if resp.JobId == nil || *resp.JobId == "" {
		return "", &UnknownOutcomeError{Status: resp.HttpStatusCode, Cause: errors.New("response has no job_id")}
	}
	return *resp.JobId, nil
}

// The restore types, as the API spells them.
const (
	TypeBackup    = "backup"
	TypeTimestamp = "timestamp"
)

// check refuses a call the API would refuse anyway, before anything is sent.
func (c Call) check() error {
	if c.SourceID == "" || c.TargetID == "" {
		return errors.New("source and target instance IDs are required")
	}
	return checkPoint(c.Type, c.BackupID, c.RestoreTimeMs)
}

// checkPoint applies the restore-point rules that restores and creates
// share: a backup restore names a backup and no time, a timestamp restore
// a time and no backup.
func checkPoint(typ, backupID string, restoreTimeMs int64) error {
	switch typ {
	case TypeBackup:
		if backupID == "" || restoreTimeMs != 0 {
			return errors.New("a backup restore needs a backup ID and no restore time")
		}
	case TypeTimestamp:
		if restoreTimeMs <= 0 || backupID != "" {
			return errors.New("a timestamp restore needs a restore time and no backup ID")
		}
	default:
		return fmt.Errorf("unknown restore type %q", typ)
	}
	return nil
}

// sendOnce makes one tracked call that must never be repeated and
// classifies its failure (*RejectedError, *UnknownOutcomeError, or not
// sent at all).
func sendOnce[R any](ctx context.Context, c *Client, do func(*gaussdb.GaussDBClient) (R, error)) (R, error) {
	var (
		sent atomic.Bool
		resp R
	)
	err := c.callTracked(ctx, &sent, func(g *gaussdb.GaussDBClient) error {
		var err error
		resp, err = do(g)
		return err
	})
	if err != nil {
		var zero R
		return zero, classifyRestore(err, sent.Load())
	}
	return resp, nil
}

// statusOK turns an answer outside 2xx into an unknown outcome.
func statusOK(code int) error {
	if code < 200 || code > 299 {
		return &UnknownOutcomeError{Status: code, Cause: fmt.Errorf("unexpected status %d", code)}
	}
	return nil
}

// CreateBackup asks for a manual backup of an instance (e.g. a safety backup
// of a target before it is overwritten) and returns the new backup's ID and
// the job that builds it. It is not retried either; after an error whose
// cause is unclear (timeout, 5xx), list the instance's backups before asking
// again.
func (c *Client) CreateBackup(ctx context.Context, instanceID, name, description string) (backupID, jobID string, err error) {
	req := &model.CreateGaussMySqlBackupRequest{
		XLanguage: ptr(language),
		Body:      &model.MysqlCreateBackupRequest{InstanceId: instanceID, Name: name},
	}
	if description != "" {
		req.Body.Description = ptr(description)
	}
	var resp *model.CreateGaussMySqlBackupResponse
	err = c.call(ctx, func(g *gaussdb.GaussDBClient) error {
		var err error
		resp, err = g.CreateGaussMySqlBackup(req)
		return apiErr(err)
	})
	if err != nil {
		return "", "", fmt.Errorf("create backup of instance %s: %w", instanceID, err)
	}
	if resp.Backup != nil {
		backupID = deref(resp.Backup.Id)
	}
	jobID = deref(resp.JobId)
	if backupID == "" || jobID == "" {
		return backupID, jobID, fmt.Errorf("create backup of instance %s: response lacks backup id or job id", instanceID)
	}
	return backupID, jobID, nil
}
