package gaussdbtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/dbrestore/db-restore/internal/restore"
)

// restoreBody is the restore request with pointers, to tell missing fields
// from empty ones.
type restoreBody struct {
	Source      *string `json:"source_instance_id"`
	Target      *string `json:"target_instance_id"`
	Type        *string `json:"type"`
	BackupID    *string `json:"backup_id"`
	RestoreTime *int64  `json:"restore_time"`
}

// apiErr is a refusal: status, code and message.
type apiErr struct {
	status        int
	code, message string
}

func (s *Server) restore(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var call restore.Call
	_ = json.Unmarshal(raw, &call)

	s.mu.Lock()
	behave := s.behave
	s.mu.Unlock()
	var answerAfterJob time.Duration
	if behave != nil {
		resp := behave(call)
		s.wait(r, resp.Delay)
		answerAfterJob = resp.AnswerAfterJob
		if resp.Status != 0 && resp.StartJob {
			s.mu.Lock()
			_, _ = s.startRestore(raw)
			s.mu.Unlock()
		}
		if resp.Status != 0 {
			w.Header().Set("X-Request-Id", randomHex(16))
			w.WriteHeader(resp.Status)
			_, _ = io.WriteString(w, resp.Body)
			return
		}
	}

	s.mu.Lock()
	jobID, refusal := s.startRestore(raw)
	s.mu.Unlock()
	if refusal != nil {
		writeErr(w, refusal.status, refusal.code, refusal.message)
		return
	}
	s.wait(r, answerAfterJob)
	writeJSON(w, http.StatusOK, map[string]string{"job_id": jobID})
}

// wait holds a scripted answer back for d; it ends the handler without an
// answer if the client goes away or the server closes.
func (s *Server) wait(r *http.Request, d time.Duration) {
	if d <= 0 {
		return
	}
	select {
	case <-time.After(d):
	case <-r.Context().Done():
		panic(http.ErrAbortHandler) // client gone: answer nothing
	case <-s.done:
		panic(http.ErrAbortHandler)
	}
}

// startRestore checks a restore body like the real API and starts the job;
// the caller holds s.mu.
func (s *Server) startRestore(raw []byte) (string, *apiErr) {
	b, aerr := decodeRestore(raw)
	if aerr != nil {
		return "", aerr
	}
	source, target := s.instance(*b.Source), s.instance(*b.Target)
	if source == nil {
		return "", &apiErr{s.opts.NotFoundStatus, codeInstanceNotFound, "The DB instance does not exist: " + *b.Source}
	}
	if target == nil {
		return "", &apiErr{s.opts.NotFoundStatus, codeInstanceNotFound, "The DB instance does not exist: " + *b.Target}
	}
	if aerr := s.checkRestorePoint(b, source); aerr != nil {
		return "", aerr
	}
	if target.Status != "ACTIVE" {
		return "", &apiErr{http.StatusConflict, codeBusy, fmt.Sprintf("The instance status %s does not allow this operation.", target.Status)}
	}
	if target.Type != source.Type || target.Version != source.Version || target.LowerCaseTableNames != source.LowerCaseTableNames {
		return "", &apiErr{http.StatusBadRequest, codeIncompatible,
			"The target instance must have the same engine type, engine version and table name case sensitivity as the source."}
	}
	target.Status = "RESTORING"
	targetID := target.ID
	j := s.newJob("RestoreInstance", target, s.restoreJobFailureLocked(), func(bool) {
		if in := s.instance(targetID); in != nil {
			in.Status = "ACTIVE"
		}
	})
	return j.id, nil
}

// decodeRestore decodes a restore body strictly and checks its fields
// against each other, as the real API's parameter checks do.
func decodeRestore(raw []byte) (restoreBody, *apiErr) {
	param := func(format string, args ...any) (restoreBody, *apiErr) {
		return restoreBody{}, paramErr(format, args...)
	}
	var b restoreBody
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return param("invalid request body: %v", err)
	}
	switch {
	case b.Source == nil || *b.Source == "":
		return param("source_instance_id is required")
	case b.Target == nil || *b.Target == "":
		return param("target_instance_id is required")
	case b.Type == nil || (*b.Type != restore.TypeBackup && *b.Type != restore.TypeTimestamp):
		return param("type must be backup or timestamp")
	case *b.Type == restore.TypeBackup && (b.BackupID == nil || *b.BackupID == ""):
		return param("backup_id is required when type is backup")
	case *b.Type == restore.TypeBackup && b.RestoreTime != nil:
		return param("restore_time must not be set when type is backup")
	case *b.Type == restore.TypeTimestamp && (b.RestoreTime == nil || *b.RestoreTime <= 0):
		return param("restore_time is required when type is timestamp")
	case *b.Type == restore.TypeTimestamp && b.BackupID != nil:
		return param("backup_id must not be set when type is timestamp")
	}
	return b, nil
}

// checkRestorePoint checks that the backup, or the point in time, can be
// restored from source; the caller holds s.mu.
func (s *Server) checkRestorePoint(b restoreBody, source *Instance) *apiErr {
	if *b.Type == restore.TypeBackup {
		bk := s.backup(*b.BackupID)
		switch {
		case bk == nil || bk.InstanceID != source.ID:
			return &apiErr{http.StatusNotFound, codeBackupNotFound, "The backup does not exist: " + *b.BackupID}
		case bk.Status != "COMPLETED" && bk.Status != "AVAILABLE":
			return &apiErr{http.StatusBadRequest, codeBackupUnusable, "The backup is not available: " + bk.Status}
		}
		return nil
	}
	if s.restorable(source.ID, time.UnixMilli(*b.RestoreTime)) {
		return nil
	}
	return &apiErr{http.StatusBadRequest, codeTimeOutside, "The restoration time is not in the restorable time range."}
}

// restorable reports whether t is inside one of the instance's restorable
// windows; the caller holds s.mu.
func (s *Server) restorable(id string, t time.Time) bool {
	for _, w := range s.windows[id] {
		if w.Contains(t) {
			return true
		}
	}
	return false
}

// paramErr is the API's answer to a malformed request body.
func paramErr(format string, args ...any) *apiErr {
	return &apiErr{http.StatusBadRequest, codeParam, "Parameter error: " + fmt.Sprintf(format, args...)}
}

// backupBody is CreateGaussMySqlBackup's request.
type backupBody struct {
	InstanceID  string  `json:"instance_id"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
}

func (s *Server) createBackup(w http.ResponseWriter, r *http.Request) {
	var b backupBody
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		writeErr(w, http.StatusBadRequest, codeParam, "Parameter error: invalid request body")
		return
	}
	if b.InstanceID == "" || len(b.Name) < 4 || len(b.Name) > 64 {
		writeErr(w, http.StatusBadRequest, codeParam, "Parameter error: instance_id and a name of 4 to 64 characters are required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.instance(b.InstanceID)
	if in == nil {
		s.notFound(w, b.InstanceID)
		return
	}
	if in.Status != "ACTIVE" {
		writeErr(w, http.StatusConflict, codeBusy, fmt.Sprintf("The instance status %s does not allow this operation.", in.Status))
		return
	}
	now := s.opts.Now().UTC().Truncate(time.Second)
	bk := &restore.Backup{ID: NewBackupID(), Name: b.Name, InstanceID: in.ID, Status: "BUILDING", Type: "manual", Begin: now}
	s.backups = append(s.backups, bk)
	in.Status = "BACKING UP"
	backupID, instanceID := bk.ID, in.ID
	j := s.newJob("GaussdbforMySQLCreateBackup", in, s.takeBackupFailureLocked(), func(failed bool) {
		if bk := s.backup(backupID); bk != nil {
			bk.Status, bk.End = "COMPLETED", s.opts.Now().UTC().Truncate(time.Second)
			if failed {
				bk.Status = "FAILED"
			}
			bk.TakeUpMinutes = int(bk.End.Sub(bk.Begin).Minutes())
		}
		if in := s.instance(instanceID); in != nil {
			in.Status = "ACTIVE"
		}
	})
	if s.knobs.backupPolls > 0 {
		j.running = s.knobs.backupPolls
	}
	desc := ""
	if b.Description != nil {
		desc = *b.Description
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"backup": map[string]string{
			"id": bk.ID, "name": bk.Name, "description": desc, "begin_time": apiTime(bk.Begin),
			"status": bk.Status, "type": bk.Type, "instance_id": in.ID,
		},
		"job_id": j.id,
	})
}
