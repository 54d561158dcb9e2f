package gaussdbtest

import (
	"net/http"
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
	q := r.URL.Query()
	offset, limit := 0, 10
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeErr(w, http.StatusBadRequest, codeParam, "Parameter error: offset must be a non-negative number")
			return
		}
		offset = n
	}
	if v := q.Get("limit"); v != "" {
		switch v {
		case "10", "20", "50":
			limit, _ = strconv.Atoi(v)
		default:
			writeErr(w, http.StatusBadRequest, codeParam, "Parameter error: limit must be 10, 20 or 50")
			return
		}
	}
	var from, to time.Time
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"start_time", &from}, {"end_time", &to}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(listTimeLayout, v)
			if err != nil {
				writeErr(w, http.StatusBadRequest, codeParam, "Parameter error: "+p.name+" must be yyyy-mm-ddThh:mm:ss+hhmm")
				return
			}
			*p.dst = t
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var match []*job
	for _, j := range s.jobs {
		switch {
		case q.Get("status") != "" && q.Get("status") != j.status,
			q.Get("job_name") != "" && q.Get("job_name") != j.name,
			q.Get("job_id") != "" && q.Get("job_id") != j.id,
			!from.IsZero() && j.created.Before(from),
			!to.IsZero() && j.created.After(to):
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
	items := []map[string]any{}
	for i := offset; i < len(match) && i < offset+limit; i++ {
		j := match[i]
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
		items = append(items, item)
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": items, "total_count": len(match)})
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
