package gaussdbtest

import (
	"fmt"
	"net/http"
	"time"

	"github.com/dbrestore/db-restore/internal/restore"
)

// job is a fake asynchronous job. Polls drive it: it is hidden for the
// first hidden queries, then Running for running queries, then ends.
type job struct {
	id, name     string
	instanceID   string
	instanceName string
	created      time.Time
	ended        time.Time
	status       string
	progress     string
	failReason   string // set: the job ends Failed
	hidden       int
	running      int
	polls        int // visible queries so far
	finish       func(failed bool)
}

// newJob registers a job; the caller holds s.mu.
func (s *Server) newJob(name string, in *Instance, failReason string, finish func(failed bool)) *job {
	j := &job{
		id: newJobID(), name: name, instanceID: in.ID, instanceName: in.Name,
		created: s.opts.Now().UTC().Truncate(time.Second), status: "Running", progress: "0%",
		failReason: failReason, hidden: s.opts.JobHiddenPolls, running: s.opts.JobPolls, finish: finish,
	}
	s.jobs[j.id] = j
	return j
}

// poll advances the job by one visible query; the caller holds s.mu.
func (j *job) poll(now time.Time) {
	if j.status != "Running" {
		return
	}
	j.polls++
	if j.running > 0 {
		j.running--
		j.progress = fmt.Sprintf("%d%%", j.polls*100/(j.polls+j.running+1))
		return
	}
	j.ended, j.progress = now.UTC().Truncate(time.Second), ""
	if j.failReason != "" {
		j.status = "Failed"
	} else {
		j.status = "Completed"
	}
	if j.finish != nil {
		j.finish(j.status == "Failed")
	}
}

// AddJob puts a job into the fake's task center as GaussDB would list one
// the bot did not start: a restore started by hand in the console, another
// request's, a job named in a way the bot does not know, or one listed
// under the other instance of a restore. Empty fields get defaults: a new
// ID, status Running, created now (whole seconds, as GaussDB gives them).
// It advances like any other job. It returns the job as the fake holds it.
func (s *Server) AddJob(v restore.Job) restore.Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := &Instance{ID: v.InstanceID}
	if known := s.instance(v.InstanceID); known != nil {
		in = known
	}
	j := s.newJob(v.Name, in, v.FailReason, nil)
	j.hidden = 0
	if v.ID != "" {
		delete(s.jobs, j.id)
		j.id = v.ID
		s.jobs[j.id] = j
	}
	if !v.Created.IsZero() {
		j.created = v.Created.UTC().Truncate(time.Second)
	}
	if v.Status != "" && v.Status != "Running" {
		j.status, j.progress, j.ended = v.Status, "", v.Ended.UTC().Truncate(time.Second)
	}
	return j.view()
}

func (j *job) view() restore.Job {
	out := restore.Job{
		ID: j.id, Name: j.name, Status: j.status, Created: j.created, Ended: j.ended,
		Progress: j.progress, InstanceID: j.instanceID,
	}
	if j.status == "Failed" {
		out.FailReason = j.failReason
	}
	return out
}

func (s *Server) showJob(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	if id == "" {
		writeErr(w, http.StatusBadRequest, codeParam, "Parameter error: id is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if ok && j.hidden > 0 {
		j.hidden--
		ok = false
	}
	if !ok {
		writeErr(w, http.StatusNotFound, codeJobNotFound, "The job does not exist: "+id)
		return
	}
	j.poll(s.opts.Now())
	body := map[string]any{
		"id": j.id, "name": j.name, "status": j.status, "created": apiTime(j.created),
		"instance": map[string]string{"id": j.instanceID, "name": j.instanceName},
		"entities": map[string]any{},
	}
	if !j.ended.IsZero() {
		body["ended"] = apiTime(j.ended)
	}
	if j.progress != "" {
		body["process"] = j.progress
	}
	if j.status == "Failed" {
		body["fail_reason"] = j.failReason
	}
	writeJSON(w, http.StatusOK, map[string]any{"job": body})
}
