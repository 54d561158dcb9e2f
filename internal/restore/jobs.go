package restore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	gaussdb "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/gaussdb/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/gaussdb/v3/model"
)

// jobListPage is the largest page ListImmediateJobs accepts (10, 20 or 50).
const jobListPage = 50

// jobListTime is the format of ListImmediateJobs' start_time and end_time:
// "yyyy-mm-ddThh:mm:ssZ", where Z is an offset such as +0000.
const jobListTime = "2006-01-02T15:04:05-0700"

// ErrJobListTooLong is wrapped by RecentJobs when the job list had more
// pages than it reads (maxPages): what it read is not the whole list, so
// nothing may be concluded from a job's absence.
var ErrJobListTooLong = fmt.Errorf("more than %d pages of %d jobs", maxPages, jobListPage)

// RecentJobs lists the project's jobs created between since and until
// (ListImmediateJobs, GET /v3/{project_id}/immediate-jobs), every page.
//
// What it relies on, from the SDK v0.1.207's models
// (model_list_immediate_jobs_request.go, model_list_immediate_jobs_response.go,
// model_task_detail_info.go) and Huawei's "Obtaining Instant Tasks" page
// (support.huaweicloud.com/api-taurusdb/ListImmediateJobs.html): offset and
// limit are strings, limit 10, 20 or 50; start_time/end_time and each job's
// created_time/ended_time are "yyyy-mm-ddThh:mm:ss+hhmm", in whole seconds;
// each job carries one instance_id, job_id, job_name, status, process and
// fail_reason; total_count counts the whole filtered list. The list is newest
// first, so a job created while it is read shifts the later pages by one: a
// job may come twice (kept once here) but none is skipped.
//
// It never returns a partial list as complete: past maxPages it fails with
// ErrJobListTooLong.
func (c *Client) RecentJobs(ctx context.Context, since, until time.Time) ([]Job, error) {
	var out []Job
	seen := map[string]bool{}
	for page := 0; page < maxPages; page++ {
		items, total, err := c.jobPage(ctx, page, since, until)
		if err != nil {
			return nil, fmt.Errorf("list jobs since %s: %w", since.UTC().Format(time.RFC3339), err)
		}
		for _, t := range items {
			j := fromTask(t)
			if !seen[j.ID] {
				seen[j.ID] = true
				out = append(out, j)
			}
		}
		if len(items) < jobListPage || (page+1)*jobListPage >= total {
			return out, nil
		}
	}
	return nil, fmt.Errorf("list jobs since %s: %w", since.UTC().Format(time.RFC3339), ErrJobListTooLong)
}

// jobPage reads one page of ListImmediateJobs and the list's total.
func (c *Client) jobPage(ctx context.Context, page int, since, until time.Time) ([]model.TaskDetailInfo, int, error) {
	var (
		items []model.TaskDetailInfo
		total int
	)
	err := c.call(ctx, func(g *gaussdb.GaussDBClient) error {
		resp, err := g.ListImmediateJobs(&model.ListImmediateJobsRequest{
			XLanguage: ptr(language),
			Offset:    ptr(strconv.Itoa(page * jobListPage)),
			Limit:     ptr(strconv.Itoa(jobListPage)),
			StartTime: ptr(since.UTC().Format(jobListTime)),
			EndTime:   ptr(until.UTC().Format(jobListTime)),
		})
		if err != nil {
			return apiErr(err)
		}
		items, total = deref(resp.Jobs), int(deref(resp.TotalCount))
		return nil
	})
	return items, total, err
}
