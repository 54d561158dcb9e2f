package execution

import (
	"strings"
	"time"

	"github.com/dbrestore/db-restore/internal/restore"
)

// What reconciliation knows about GaussDB's job list, and relies on:
//
//   - The SDK v0.1.207 (services/gaussdb/v3/model/model_task_detail_info.go,
//     model_list_immediate_jobs_request.go) and Huawei's "Obtaining Instant
//     Tasks" (ListImmediateJobs) page document job_name values for 24
//     operations (documentedJobNames below), among them
//     RestoreGaussDBforMySQLNewInstance, a restore to a new instance. They
//     name none for a restore onto an existing instance
//     (RestoreOldInstance, POST /v3/{project_id}/instances/restore) or for a
//     table restore (CreateRestoreTables), and the task center pages list
//     only "Restoring data to a new DB instance" among restores.
//   - Each listed job has one instance_id; which instance a restore onto
//     another instance lists (the target it changes, or the source whose
//     backup it reads) is not documented either.
//   - created_time is in whole seconds, on GaussDB's clock.
//
// So a job is matched by what its name says ("restore"/"recover", with
// "table" for a table restore), never by an exact name, and only on the
// instance the call changes. A job that might be the call's but cannot be
// told apart (a name that says nothing, the call's other instance, a time
// within the clocks' tolerance of the call) makes the answer "check the
// console": it is never attached, and it never lets the bot say that no job
// was found.

// documentedJobNames are the job_name values the SDK's model documents,
// lower-cased; none is a restore onto an existing instance.
var documentedJobNames = map[string]bool{
	"creategaussdbformysqlinstance": true, "restoregaussdbformysqlnewinstance": true,
	"addgaussdbformysqlnodes": true, "deletegaussdbformysqlnode": true,
	"rebootgaussdbformysqlinstance": true, "modifygaussdbformysqlport": true,
	"modifygaussdbformysqlsecuritygroup": true, "resizegaussdbformysqlflavor": true,
	"switchovergaussdbformysqlmasternode": true, "gaussdbformysqlbindeip": true,
	"gaussdbformysqlunbindeip": true, "renamegaussdbformysqlinstance": true,
	"deletegaussdbformysqlinstance": true, "upgradegaussdbformysqldatabaseversion": true,
	"enlargegaussdbformysqlproxy": true, "opengaussdbformysqlproxy": true,
	"closegaussdbformysqlproxy": true, "gaussdbformysqlmodifyproxyip": true,
	"scalegaussdbformysqlproxy": true, "gaussdbformysqlmodifyinstancemetricextend": true,
	"gaussdbformysqlmodifyinstancedatavip": true, "gaussdbformysqlswitchssl": true,
	"gaussdbformysqlmodifyproxyconsist": true, "gaussdbformysqlmodifyproxyweight": true,
}

// jobKind is what a job's name says it does.
type jobKind int

const (
	kindOther           jobKind = iota // a documented other operation, or a backup
	kindInstanceRestore                // says restore (or recover), not table, not a new instance
	kindTableRestore                   // says restore and table
	kindNewInstance                    // a restore to a new instance: never a call this bot makes
	kindUnknown                        // an undocumented name that says neither
)

func kindOf(name string) jobKind {
	n := strings.ToLower(name)
	restores := strings.Contains(n, "restore") || strings.Contains(n, "recover")
	switch {
	case restores && strings.Contains(n, "newinstance"):
		return kindNewInstance
	case restores && strings.Contains(n, "table"):
		return kindTableRestore
	case restores:
		return kindInstanceRestore
	case documentedJobNames[n], strings.Contains(n, "backup"):
		return kindOther
	}
	return kindUnknown
}

// clockTolerance is how far GaussDB's clock may be behind the store's: a
// job of the right kind created this much before the call was sent might
// still be the call's, so it is neither attached nor ruled out.
const clockTolerance = 5 * time.Second

// jobCall is what one request's restore call was, for matching.
type jobCall struct {
	RequestID string
	Target    string // the instance the call changes (the source, for a table restore)
	Other     string // the call's other instance; "" when it has one
	Tables    bool   // a table restore (CreateRestoreTables), else an instance restore
	Sent      time.Time
}

// jobVerdict is what the job list says about a call.
type jobVerdict int

const (
	verdictWait    jobVerdict = iota // nothing found yet; look again
	verdictAttach                    // exactly one job is the call's
	verdictConsole                   // more than one job could be the call's: people must look
	verdictNone                      // no job is, and the time to wait for one has passed
)

// jobMatch is matchJobs' answer.
type jobMatch struct {
	Verdict  jobVerdict
	Job      restore.Job // with verdictAttach
	Possible []JobSeen   // with verdictConsole: every job that could be the call's, and why
	Passed   []JobSeen   // restore-like jobs on the call's instances that are not its, and why
}

// matchJobs decides which job of the list, if any, is call's. owners maps
// job IDs to the request the job index gives them ("" or absent: none).
// A job the index gives this request is the call's. Otherwise a job is the
// call's only if it is on the instance the call changes, of the kind the
// call makes, created at or after the call was sent, and no other request's;
// then it is attached only if it is the one job that could be the call's.
// With none, verdictNone only once settled (the time to wait for a job,
// from the caller) has come.
func matchJobs(jobs []restore.Job, call jobCall, owners map[string]string, now, settled time.Time) jobMatch {
	var m jobMatch
	var sure, maybe []JobSeen
	for _, j := range jobs {
		if owners[j.ID] == call.RequestID {
			return jobMatch{Verdict: verdictAttach, Job: j}
		}
		v, why := judgeJob(j, call, owners[j.ID])
		seen := JobSeen{ID: j.ID, Name: j.Name, Status: j.Status, InstanceID: j.InstanceID, Created: j.Created, Why: why}
		if why == JobOtherRequest {
			seen.Owner = owners[j.ID]
		}
		switch {
		case v == judgedSure:
			sure = append(sure, seen)
		case v == judgedMaybe:
			maybe = append(maybe, seen)
		case why != "":
			m.Passed = append(m.Passed, seen)
		}
	}
	m.Possible = append(sure, maybe...)
	switch {
	case len(m.Possible) > 1 || len(maybe) == 1:
		m.Verdict = verdictConsole
	case len(sure) == 1:
		m.Verdict, m.Possible = verdictAttach, nil
		for _, j := range jobs {
			if j.ID == sure[0].ID {
				m.Job = j
			}
		}
	case !now.Before(settled):
		m.Verdict = verdictNone
	}
	return m
}

// judged is judgeJob's answer.
type judged int

const (
	judgedNot   judged = iota // not the call's
	judgedSure                // the call's, if it is the only one
	judgedMaybe               // might be the call's; cannot be told apart
)

// judgeJob says whether j is surely call's, might be, or is not, and why
// (for a job that is not, only when it looks like a restore on the call's
// instances); owner is the request the job index gives it, if any.
func judgeJob(j restore.Job, call jobCall, owner string) (judged, JobWhy) {
	kind := kindOf(j.Name)
	want := kindInstanceRestore
	if call.Tables {
		want = kindTableRestore
	}
	onTarget := j.InstanceID == call.Target
	onOther := call.Other != "" && j.InstanceID == call.Other
	sent := call.Sent.Truncate(time.Second) // created_time has whole seconds
	switch {
	case !onTarget && !onOther, kind == kindOther, kind == kindNewInstance:
		return judgedNot, ""
	case owner != "":
		return judgedNot, JobOtherRequest
	case kind != want && kind != kindUnknown:
		return judgedNot, JobOtherKind
	case j.Created.IsZero():
		return judgedMaybe, JobNoTime
	case j.Created.Before(sent.Add(-clockTolerance)):
		return judgedNot, JobBeforeCall
	case !onTarget:
		return judgedMaybe, JobOtherInstance
	case kind == kindUnknown:
		return judgedMaybe, JobUnknownName
	case j.Created.Before(sent):
		return judgedMaybe, JobNearCall
	}
	return judgedSure, JobCandidate
}
