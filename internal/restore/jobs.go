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

// RecentJobs lists the project's jobs created between since and until
// (ListImmediateJobs), every page, newest first as the API gives them. It is
// how a restore call with an unknown outcome is matched to a job that did
// start: same target instance, created after the call.
func (c *Client) RecentJobs(ctx context.Context, since, until time.Time) ([]Job, error) {
	var out []Job
	for page := 0; page < maxPages; page++ {
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
		if err != nil {
			return nil, fmt.Errorf("list jobs since %s: %w", since.UTC().Format(time.RFC3339), err)
		}
		for _, t := range items {
			out = append(out, fromTask(t))
		}
		if len(items) < jobListPage || len(out) >= total {
			return out, nil
		}
	}
	return out, nil
}
