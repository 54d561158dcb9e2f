package restore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	gaussdb "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/gaussdb/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/gaussdb/v3/model"
)

// Created is the cloud's answer to a create call: the new instance and the
// job that builds it.
type Created struct {
	InstanceID string
	JobID      string
	Status     string // e.g. BUILD
}

// CreateInstance makes exactly one CreateGaussMySqlInstance call: a
// pay-per-use instance restored from the call's backup or time. It never
// retries, and its error is one of *RejectedError (nothing was created),
// *UnknownOutcomeError (an instance may exist: never call again for the
// same decision; reconcile through the job list and the instances named
// call.New.Name and tagged with the request) or another error (never sent).
//
// The password goes into the request body and nowhere else: the request
// is never logged (the SDK model's String would print it).
func (c *Client) CreateInstance(ctx context.Context, call CreateCall, pw Password) (Created, error) {
	if err := call.check(); err != nil {
		return Created{}, fmt.Errorf("create instance not sent: %w", err)
	}
	if !PasswordOK(pw.Reveal()) {
		return Created{}, errors.New("create instance not sent: the password does not meet GaussDB's rules")
	}
	if err := ctx.Err(); err != nil {
		return Created{}, fmt.Errorf("create instance not sent: %w", err)
	}
	body := CreateBody(call, pw)
	resp, err := sendOnce(ctx, c, func(g *gaussdb.GaussDBClient) (*model.CreateGaussMySqlInstanceResponse, error) {
		return g.CreateGaussMySqlInstance(&model.CreateGaussMySqlInstanceRequest{XLanguage: ptr(language), Body: body})
	})
	if err != nil {
		return Created{}, err
	}
	if err := statusOK(resp.HttpStatusCode); err != nil {
		return Created{}, err
	}
	out := Created{JobID: deref(resp.JobId)}
	if resp.Instance != nil {
		out.InstanceID, out.Status = resp.Instance.Id, deref(resp.Instance.Status)
	}
	if out.InstanceID == "" || out.JobID == "" {
		return out, &UnknownOutcomeError{Status: resp.HttpStatusCode, Cause: errors.New("response lacks the instance id or job_id")}
	}
	return out, nil
}

// CreateBody is the SDK request body of a create call, password included.
// It is exported so tests compare it with what the fake received; never
// log it.
func CreateBody(call CreateCall, pw Password) *model.MysqlInstanceRequest {
	n := call.New
	tags := []model.MysqlTags{}
	t := call.Tags()
	for _, k := range sortedTagKeys(t) {
		tags = append(tags, model.MysqlTags{Key: k, Value: t[k]})
	}
	rp := &model.MysqlRestorePoint{SourceInstanceId: call.SourceID, Type: ptr(n.RestoreType)}
	switch n.RestoreType {
	case TypeBackup:
		rp.BackupId = ptr(call.BackupID)
	case TypeTimestamp:
		rp.RestoreTime = ptr(call.RestoreTimeMs)
	}
	return &model.MysqlInstanceRequest{
		ChargeInfo:             &model.MysqlChargeInfo{ChargeMode: model.GetMysqlChargeInfoChargeModeEnum().POST_PAID},
		Region:                 n.Region,
		Name:                   n.Name,
		Datastore:              &model.MysqlDatastoreInReq{Type: n.DatastoreType, Version: n.DatastoreVersion},
		Mode:                   n.Mode,
		FlavorRef:              n.FlavorRef,
		VpcId:                  n.VpcID,
		SubnetId:               n.SubnetID,
		SecurityGroupId:        optional(n.SecurityGroupID),
		ConfigurationId:        optional(n.ConfigurationID),
		Password:               pw.Reveal(),
		BackupStrategy:         &model.MysqlBackupStrategy{StartTime: n.BackupWindow},
		TimeZone:               optional(n.TimeZone),
		AvailabilityZoneMode:   n.AZMode,
		MasterAvailabilityZone: optional(n.MasterAZ),
		SlaveCount:             n.SlaveCount,
		Tags:                   &tags,
		LowerCaseTableNames:    ptr(n.LowerCaseTables),
		EnterpriseProjectId:    optional(n.EnterpriseProjID),
		RestorePoint:           rp,
	}
}

// DeleteInstance makes one DeleteGaussMySqlInstance call and returns its
// job. Callers check ownership first (see OwnedForDelete); a second call
// after an unknown outcome is harmless only once the instance has been
// read again, so this method never retries either.
func (c *Client) DeleteInstance(ctx context.Context, instanceID string) (string, error) {
	if !IsInstanceID(instanceID) {
		return "", fmt.Errorf("delete instance not sent: %q is not an instance ID", instanceID)
	}
	var (
		sent atomic.Bool
		resp *model.DeleteGaussMySqlInstanceResponse
	)
	err := c.callTracked(ctx, &sent, func(g *gaussdb.GaussDBClient) error {
		var err error
		resp, err = g.DeleteGaussMySqlInstance(&model.DeleteGaussMySqlInstanceRequest{XLanguage: ptr(language), InstanceId: instanceID})
		return err
	})
	if err != nil {
		if IsNotFound(apiErr(err)) {
			return "", fmt.Errorf("delete instance %s: %w", instanceID, ErrNotFound)
		}
		return "", classifyRestore(err, sent.Load())
	}
	if resp.JobId == nil || *resp.JobId == "" {
		return "", &UnknownOutcomeError{Status: resp.HttpStatusCode, Cause: errors.New("response has no job_id")}
	}
	return *resp.JobId, nil
}

// Quota is the project's instance quota.
type Quota struct{ Used, Max int }

// InstanceQuota reads how many instances the project has and may have
// (ShowGaussMySqlProjectQuotas, type instance).
func (c *Client) InstanceQuota(ctx context.Context) (Quota, error) {
	var (
		out   Quota
		found bool
	)
	err := c.call(ctx, func(g *gaussdb.GaussDBClient) error {
		resp, err := g.ShowGaussMySqlProjectQuotas(&model.ShowGaussMySqlProjectQuotasRequest{
			XLanguage: ptr(language), Type: ptr(model.GetShowGaussMySqlProjectQuotasRequestTypeEnum().INSTANCE),
		})
		if err != nil {
			return apiErr(err)
		}
		if resp.Quotas == nil {
			return nil
		}
		for _, r := range resp.Quotas.Resources {
			if r.Type.Value() == "instance" {
				out, found = Quota{Used: int(r.Used), Max: int(r.Quota)}, true
			}
		}
		return nil
	})
	if err != nil {
		return Quota{}, fmt.Errorf("instance quota: %w", err)
	}
	if !found {
		return Quota{}, fmt.Errorf("instance quota: %w", ErrNotFound)
	}
	return out, nil
}

// Flavor is one flavor on sale, with its state in each availability zone
// (normal: on sale; sellout; unsupported).
type Flavor struct {
	SpecCode, Vcpus, RAM, Version, Mode string
	AZStatus                            map[string]string
}

// Flavors lists the flavors of the datastore version in an availability-zone
// mode (ShowGaussMySqlFlavors), narrowed to specCode when it is set.
func (c *Client) Flavors(ctx context.Context, version, azMode, specCode string) ([]Flavor, error) {
	var out []Flavor
	err := c.call(ctx, func(g *gaussdb.GaussDBClient) error {
		resp, err := g.ShowGaussMySqlFlavors(&model.ShowGaussMySqlFlavorsRequest{
			XLanguage: ptr(language), DatabaseName: DatastoreType, VersionName: optional(version),
			AvailabilityZoneMode: azMode, SpecCode: optional(specCode),
		})
		if err != nil {
			return apiErr(err)
		}
		for _, f := range deref(resp.Flavors) {
			out = append(out, Flavor{SpecCode: f.SpecCode, Vcpus: f.Vcpus, RAM: f.Ram, Version: f.VersionName,
				Mode: f.InstanceMode, AZStatus: f.AzStatus})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("flavors of %s %s (%s): %w", DatastoreType, version, azMode, err)
	}
	return out, nil
}
