package restore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	gaussdb "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/gaussdb/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/gaussdb/v3/model"
)

// TablesAt lists the databases and tables of an instance that existed at t
// (ShowRestoreAvailableTables on /v3.1 with last_table_info=false).
// database and table, when not empty, filter by name (the API matches
// table names loosely, so callers compare exactly).
func (c *Client) TablesAt(ctx context.Context, instanceID string, t time.Time, database, table string) ([]Database, error) {
	var out []Database
	err := c.call(ctx, func(g *gaussdb.GaussDBClient) error {
		resp, err := g.ShowRestoreAvailableTables(&model.ShowRestoreAvailableTablesRequest{
			XLanguage: ptr(language), InstanceId: instanceID,
			RestoreTime: msString(t), LastTableInfo: "false",
			DatabaseName: optional(database), TableName: optional(table),
		})
		if err != nil {
			return apiErr(err)
		}
		out = fromDatabases(deref(resp.Databases))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tables of instance %s at %s: %w", instanceID, formatUTC(t), err)
	}
	return out, nil
}

// CurrentTables lists the databases and tables the instance has now
// (ShowRestoreTables on /v3 with last_table_info=true; the API still wants
// a restore time, t).
func (c *Client) CurrentTables(ctx context.Context, instanceID string, t time.Time, database, table string) ([]Database, error) {
	var out []Database
	err := c.call(ctx, func(g *gaussdb.GaussDBClient) error {
		resp, err := g.ShowRestoreTables(&model.ShowRestoreTablesRequest{
			XLanguage: ptr(language), InstanceId: instanceID,
			RestoreTime: msString(t), LastTableInfo: "true",
			DatabaseName: optional(database), TableName: optional(table),
		})
		if err != nil {
			return apiErr(err)
		}
		out = fromDatabases(deref(resp.Databases))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("current tables of instance %s: %w", instanceID, err)
	}
	return out, nil
}

// RestoreTables makes exactly one CreateRestoreTables call and returns the
// job ID. Like Restore it never retries, and its error is one of
// *RejectedError (nothing started), *UnknownOutcomeError (it may have
// started: never call again for the same decision) or another error (never
// sent).
func (c *Client) RestoreTables(ctx context.Context, call TableCall) (string, error) {
	if err := call.check(); err != nil {
		return "", fmt.Errorf("table restore not sent: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("table restore not sent: %w", err)
	}
	body := &model.CreateRestoreTablesRequestBody{
		RestoreTime:   strconv.FormatInt(call.RestoreTimeMs, 10),
		LastTableInfo: ptr("false"),
		RestoreTables: toRestoreTables(call.Tables),
	}
	var (
		sent atomic.Bool
		resp *model.CreateRestoreTablesResponse
	)
	err := c.callTracked(ctx, &sent, func(g *gaussdb.GaussDBClient) error {
		var err error
		resp, err = g.CreateRestoreTables(&model.CreateRestoreTablesRequest{
			XLanguage: ptr(language), InstanceId: call.InstanceID, Body: body,
		})
		return err
	})
	if err != nil {
		return "", classifyRestore(err, sent.Load())
	}
	if resp.HttpStatusCode < 200 || resp.HttpStatusCode > 299 {
		return "", &UnknownOutcomeError{Status: resp.HttpStatusCode, Cause: fmt.Errorf("unexpected status %d", resp.HttpStatusCode)}
	}
	if resp.JobId == nil || *resp.JobId == "" {
		return "", &UnknownOutcomeError{Status: resp.HttpStatusCode, Cause: errors.New("response has no job_id")}
	}
	return *resp.JobId, nil
}

// toRestoreTables groups renames by database, in the order given.
func toRestoreTables(rs []TableRename) []model.CreateRestoreDatabaseTableInfo {
	var out []model.CreateRestoreDatabaseTableInfo
	at := map[string]int{}
	for _, r := range rs {
		i, ok := at[r.Database]
		if !ok {
			i = len(out)
			at[r.Database] = i
			out = append(out, model.CreateRestoreDatabaseTableInfo{Database: r.Database, Tables: []model.CreateRestoreTableInfo{}})
		}
		out[i].Tables = append(out[i].Tables, model.CreateRestoreTableInfo{OldName: r.OldName, NewName: r.NewName})
	}
	return out
}

func fromDatabases(dbs []model.RestoreDatabaseInfos) []Database {
	out := make([]Database, 0, len(dbs))
	for _, d := range dbs {
		db := Database{Name: deref(d.Name)}
		for _, t := range deref(d.Tables) {
			if n := deref(t.Name); n != "" {
				db.Tables = append(db.Tables, n)
			}
		}
		sort.Strings(db.Tables)
		out = append(out, db)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func msString(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
