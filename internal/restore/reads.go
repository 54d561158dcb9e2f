package restore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"

	gaussdb "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/gaussdb/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/gaussdb/v3/model"
)

// DatastoreType is the datastore_type filter for GaussDB(for MySQL).
const DatastoreType = "gaussdb-mysql"

// pageSize is the largest page the list APIs accept.
const pageSize = 100

// maxPages stops a paging loop against an API that never says it is done.
const maxPages = 100

// Instance returns one instance by ID. A missing instance gives an error
// for which IsNotFound is true.
func (c *Client) Instance(ctx context.Context, id string) (Instance, error) {
	d, err := c.showInstance(ctx, id)
	if err != nil {
		return Instance{}, err
	}
	return fromDetail(d), nil
}

// showInstance reads one instance (ShowGaussMySqlInstanceInfo) as the API
// answers it; a missing instance wraps ErrNotFound.
func (c *Client) showInstance(ctx context.Context, id string) (model.MysqlInstanceInfoDetail, error) {
	var out model.MysqlInstanceInfoDetail
	err := c.call(ctx, func(g *gaussdb.GaussDBClient) error {
		resp, err := g.ShowGaussMySqlInstanceInfo(&model.ShowGaussMySqlInstanceInfoRequest{
			XLanguage: ptr(language), InstanceId: id,
		})
		if err != nil {
			return apiErr(err)
		}
		if resp.Instance == nil {
			return fmt.Errorf("instance %s: %w", id, ErrNotFound)
		}
		out = *resp.Instance
		return nil
	})
	if err != nil {
		return model.MysqlInstanceInfoDetail{}, fmt.Errorf("show instance %s: %w", id, err)
	}
	return out, nil
}

// FindInstances returns the GaussDB(for MySQL) instances whose name is
// exactly name (the API also matches other spellings; they are dropped).
func (c *Client) FindInstances(ctx context.Context, name string) ([]Instance, error) {
	if name == "" {
		return nil, errors.New("find instances: empty name")
	}
	all, err := c.listInstances(ctx, &name)
	if err != nil {
		return nil, fmt.Errorf("find instances named %q: %w", name, err)
	}
	var out []Instance
	for _, in := range all {
		if in.Name == name {
			out = append(out, in)
		}
	}
	return out, nil
}

// ListInstances returns every GaussDB(for MySQL) instance in the project.
func (c *Client) ListInstances(ctx context.Context) ([]Instance, error) {
	all, err := c.listInstances(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("list instances: %w", err)
	}
	return all, nil
}

func (c *Client) listInstances(ctx context.Context, name *string) ([]Instance, error) {
	var out []Instance
	for page := 0; page < maxPages; page++ {
		items, total, err := c.listPage(ctx, &model.ListGaussMySqlInstancesRequest{
			XLanguage:     ptr(language),
			Name:          name,
			DatastoreType: ptr(DatastoreType),
			Offset:        ptr(int32(len(out))),
			Limit:         ptr(int32(pageSize)),
		})
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			out = append(out, fromListItem(it))
		}
		if len(items) == 0 || len(out) >= total {
			return out, nil
		}
	}
	return nil, fmt.Errorf("more than %d pages", maxPages)
}

// listPage reads one page of ListGaussMySqlInstances: its items and the
// total the API counts.
func (c *Client) listPage(ctx context.Context, req *model.ListGaussMySqlInstancesRequest) ([]model.MysqlInstanceListInfo, int, error) {
	var (
		items []model.MysqlInstanceListInfo
		total int
	)
	err := c.call(ctx, func(g *gaussdb.GaussDBClient) error {
		resp, err := g.ListGaussMySqlInstances(req)
		if err != nil {
			return apiErr(err)
		}
		items, total = deref(resp.Instances), int(deref(resp.TotalCount))
		return nil
	})
	return items, total, err
}

// CaseSensitivity returns the instance's effective lower_case_table_names
// ("0": case sensitive, "1": case insensitive), read from its parameters.
func (c *Client) CaseSensitivity(ctx context.Context, instanceID string) (string, error) {
	seen := 0
	for page := 0; page < maxPages; page++ {
		var (
			params []model.ParameterValuesInfo
			total  int64
		)
		err := c.call(ctx, func(g *gaussdb.GaussDBClient) error {
			resp, err := g.ListInstanceConfigurations(&model.ListInstanceConfigurationsRequest{
				XLanguage: ptr(language), InstanceId: instanceID,
				Offset: ptr(int32(seen)), Limit: ptr(int32(pageSize)),
			})
			if err != nil {
				return apiErr(err)
			}
			params, total = deref(resp.ParameterValues), deref(resp.TotalCount)
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("parameters of instance %s: %w", instanceID, err)
		}
		for _, p := range params {
			if deref(p.Name) == "lower_case_table_names" {
				return deref(p.Value), nil
			}
		}
		seen += len(params)
		if len(params) == 0 || int64(seen) >= total {
			break
		}
	}
	return "", fmt.Errorf("parameters of instance %s: lower_case_table_names: %w", instanceID, ErrNotFound)
}

// Backup returns one backup by ID. A missing backup gives an error for
// which IsNotFound is true.
func (c *Client) Backup(ctx context.Context, backupID string) (Backup, error) {
	var found []Backup
	err := c.call(ctx, func(g *gaussdb.GaussDBClient) error {
		resp, err := g.ShowGaussMySqlBackupList(&model.ShowGaussMySqlBackupListRequest{
			XLanguage: ptr(language), BackupId: ptr(backupID),
		})
		if err != nil {
			return apiErr(err)
		}
		for _, b := range deref(resp.Backups) {
			if deref(b.Id) == backupID {
				found = append(found, fromBackups(b))
			}
		}
		return nil
	})
	if err != nil {
		return Backup{}, fmt.Errorf("show backup %s: %w", backupID, err)
	}
	if len(found) == 0 {
		return Backup{}, fmt.Errorf("backup %s: %w", backupID, ErrNotFound)
	}
	return found[0], nil
}

// Backups returns up to limit backups of an instance, newest first (limit
// ≤ 0 means all of them).
func (c *Client) Backups(ctx context.Context, instanceID string, limit int) ([]Backup, error) {
	var out []Backup
	for page := 0; page < maxPages; page++ {
		var (
			items []model.Backups
			total int64
		)
		err := c.call(ctx, func(g *gaussdb.GaussDBClient) error {
			resp, err := g.ShowGaussMySqlBackupList(&model.ShowGaussMySqlBackupListRequest{
				XLanguage:  ptr(language),
				InstanceId: ptr(instanceID),
				Offset:     ptr(strconv.Itoa(len(out))),
				Limit:      ptr(strconv.Itoa(pageSize)),
			})
			if err != nil {
				return apiErr(err)
			}
			items, total = deref(resp.Backups), deref(resp.TotalCount)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("backups of instance %s: %w", instanceID, err)
		}
		for _, b := range items {
			out = append(out, fromBackups(b))
		}
		if len(items) == 0 || int64(len(out)) >= total {
			break
		}
	}
	// The API's order is not documented; sort so "newest" means newest.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Begin.After(out[j].Begin) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// RestoreWindows returns the intervals in which a point-in-time restore of
// the instance is possible.
func (c *Client) RestoreWindows(ctx context.Context, instanceID string) ([]Window, error) {
	var out []Window
	err := c.call(ctx, func(g *gaussdb.GaussDBClient) error {
		resp, err := g.ShowBackupRestoreTime(&model.ShowBackupRestoreTimeRequest{
			XLanguage: ptr(language), InstanceId: instanceID,
		})
		if err != nil {
			return apiErr(err)
		}
		for _, w := range deref(resp.RestoreTimes) {
			if w.StartTime == nil || w.EndTime == nil {
				continue
			}
			out = append(out, Window{Start: fromMillis(*w.StartTime), End: fromMillis(*w.EndTime)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("restore windows of instance %s: %w", instanceID, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

// Job returns the state of a job. A job submitted moments ago may not be
// visible yet: callers polling a new job should tolerate IsNotFound.
func (c *Client) Job(ctx context.Context, jobID string) (Job, error) {
	var out Job
	err := c.call(ctx, func(g *gaussdb.GaussDBClient) error {
		resp, err := g.ShowGaussMySqlJobInfo(&model.ShowGaussMySqlJobInfoRequest{
			XLanguage: ptr(language), Id: jobID,
		})
		if err != nil {
			return apiErr(err)
		}
		if resp.Job == nil {
			return fmt.Errorf("job %s: %w", jobID, ErrNotFound)
		}
		out = fromJob(*resp.Job)
		return nil
	})
	if err != nil {
		return Job{}, fmt.Errorf("show job %s: %w", jobID, err)
	}
	return out, nil
}
