package gaussdbtest

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"
)

// listTimeLayout is ListImmediateJobs' start_time/end_time format,
// "yyyy-mm-ddThh:mm:ssZ" with Z an offset such as +0800.
const listTimeLayout = "2006-01-02T15:04:05-0700"

// listImmediateJobs serves ListImmediateJobs (GET /v3/{project_id}/immediate-jobs)
// in the SDK's shape (model.ListImmediateJobsResponse of
// model.TaskDetailInfo, SDK v0.1.207): filters status, job_name, job_id,
// start_time and end_time (on the creation time); offset and limit are
// strings, offset >= 0 (default 0), limit one of 10, 20, 50 (default 10);
// total_count counts the whole filtered list. Newest first, so a job created
// between two page reads shifts the later pages, as a live list does. Every
// job of the project is listed, whatever its instance: one instance_id and
// instance_name per job, instance_status in the v3.1 words (normal,
// abnormal, creating, createfail, deleted). Times are whole seconds with a
// +hhmm offset. Listing does not advance a job.
//
// The names the fake gives its jobs (RestoreInstance, RestoreTable,
// GaussdbforMySQLCreateBackup) are its own: Huawei documents the job_name
// values of many operations but none for a restore onto an existing instance
// or a table restore, so the bot must not rely on an exact name, and tests
// add jobs under other names with AddJob.
func (s *Server) listImmediateJobs(w http.ResponseWriter, r *http.Request) {
	jq, bad := parseJobQuery(r.URL.Query())
	if bad != "" {
		writeErr(w, http.StatusBadRequest, codeParam, "Parameter error: "+bad)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	match := s.matchJobs(jq)
	items := []map[string]any{}
	for i := jq.offset; i < len(match) && i < jq.offset+jq.limit; i++ {
		items = append(items, s.jobItem(match[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": items, "total_count": len(match)})
}

// jobQuery is a ListImmediateJobs query: its page and its filters.
type jobQuery struct {
	offset, limit       int
	from, to            time.Time // on the creation time; zero: no bound
	status, name, jobID string    // "": any
}

// parseJobQuery reads a ListImmediateJobs query, or says what is wrong
// with it.
func parseJobQuery(q url.Values) (jobQuery, string) {
	jq := jobQuery{limit: 10, status: q.Get("status"), name: q.Get("job_name"), jobID: q.Get("job_id")}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return jq, "offset must be a non-negative number"
		}
		jq.offset = n
	}
	if v := q.Get("limit"); v != "" {
		switch v {
		case "10", "20", "50":
			jq.limit, _ = strconv.Atoi(v)
		default:
			return jq, "limit must be 10, 20 or 50"
		}
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"start_time", &jq.from}, {"end_time", &jq.to}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(listTimeLayout, v)
			if err != nil {
				return jq, p.name + " must be yyyy-mm-ddThh:mm:ss+hhmm"
			}
			*p.dst = t
		}
	}
	return jq, ""
}

// matchJobs is every job jq's filters keep, newest first; the caller
// holds s.mu.
func (s *Server) matchJobs(jq jobQuery) []*job {
	var match []*job
	for _, j := range s.jobs {
		switch {
		case jq.status != "" && jq.status != j.status,
			jq.name != "" && jq.name != j.name,
			jq.jobID != "" && jq.jobID != j.id,
			!jq.from.IsZero() && j.created.Before(jq.from),
			!jq.to.IsZero() && j.created.After(jq.to):
			continue
		}
		match = append(match, j)
	}
	sort.Slice(match, func(a, b int) bool {
		if !match[a].created.Equal(match[b].created) {
			return match[a].created.After(match[b].created)
		}
		return match[a].id < match[b].id
	})
	return match
}

// jobItem is one job as the list shows it (model.TaskDetailInfo); the
// caller holds s.mu.
func (s *Server) jobItem(j *job) map[string]any {
	item := map[string]any{
		"instance_id": j.instanceID, "instance_name": j.instanceName, "instance_status": s.unifiedStatus(j.instanceID),
		"job_id": j.id, "job_name": j.name, "status": j.status, "created_time": apiTime(j.created),
		"show_detail": true,
	}
	if !j.ended.IsZero() {
		item["ended_time"] = apiTime(j.ended)
	}
	if j.progress != "" {
		item["process"] = j.progress
	}
	if j.status == "Failed" {
		item["fail_reason"] = j.failReason
	}
	return item
}

// unifiedStatus is an instance's status as the job list gives it (the v3.1
// words of model.TaskDetailInfo.InstanceStatus); the caller holds s.mu.
func (s *Server) unifiedStatus(id string) string {
	in := s.instance(id)
	switch {
	case in == nil:
		return "deleted"
	case in.Status == "BUILD":
		return "creating"
	case in.Status == "FAILED":
		return "createfail"
	case in.Status == "ACTIVE", in.Status == "RESTORING", in.Status == "BACKING UP", in.Status == "MODIFYING":
		return "normal"
	}
	return "abnormal"
}
