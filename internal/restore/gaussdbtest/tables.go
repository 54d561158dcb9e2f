package gaussdbtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dbrestore/db-restore/internal/restore"
)

// Table is one table of a fake instance and its life: it exists from
// Created (zero: always) until Dropped (zero: still there).
type Table struct {
	Database, Name   string
	Created, Dropped time.Time
}

// existsAt reports whether the table existed at t.
func (t Table) existsAt(at time.Time) bool {
	return !at.Before(t.Created) && (t.Dropped.IsZero() || at.Before(t.Dropped))
}

// TableRestoreCall is one POST to the table restore API, as received.
type TableRestoreCall struct {
	InstanceID  string
	Call        restore.TableCall // decoded body
	DecodeError string
	Body        []byte
	Status      int // status answered; 0 if none was (client gone)
}

// AddTables adds tables to an instance's history.
func (s *Server) AddTables(instanceID string, ts ...Table) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tables[instanceID] = append(s.tables[instanceID], ts...)
}

// DropTable marks a table dropped at t.
func (s *Server) DropTable(instanceID, database, name string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, t := range s.tables[instanceID] {
		if t.Database == database && t.Name == name && t.Dropped.IsZero() {
			s.tables[instanceID][i].Dropped = at
		}
	}
}

// TablesNow returns the names (database.table) an instance has now, sorted.
func (s *Server) TablesNow(instanceID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, t := range s.tables[instanceID] {
		if t.Dropped.IsZero() {
			out = append(out, t.Database+"."+t.Name)
		}
	}
	sort.Strings(out)
	return out
}

// SetTableRestoreBehaviour scripts the answers to table restore POSTs (nil:
// behave like the real API).
func (s *Server) SetTableRestoreBehaviour(f func(call restore.TableCall) Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tableBehave = f
}

// TableRestoreCalls returns every table restore POST received, in order.
func (s *Server) TableRestoreCalls() []TableRestoreCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]TableRestoreCall, len(s.tableCalls))
	for i, c := range s.tableCalls {
		out[i] = *c
		out[i].Body = append([]byte(nil), c.Body...)
	}
	return out
}

// The SDK's JSON shapes (model.RestoreDatabaseInfos and friends).
type tableJSON struct {
	Name string `json:"name"`
}

type databaseJSON struct {
	Name        string      `json:"name"`
	TotalTables int         `json:"total_tables"`
	Tables      []tableJSON `json:"tables"`
}

// tableList answers ShowRestoreAvailableTables (v3.1, total_tables) and
// ShowRestoreTables (v3, total_databases).
func (s *Server) tableList(v31 bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		ms, err := strconv.ParseInt(q.Get("restore_time"), 10, 64)
		if err != nil || ms <= 0 {
			writeErr(w, http.StatusBadRequest, codeParam, "Parameter error: restore_time must be UNIX milliseconds")
			return
		}
		last := q.Get("last_table_info")
		if last != "true" && last != "false" {
			writeErr(w, http.StatusBadRequest, codeParam, "Parameter error: last_table_info must be true or false")
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.instance(r.PathValue("id")) == nil {
			s.notFound(w, r.PathValue("id"))
			return
		}
		at := time.UnixMilli(ms)
		dbs := s.databases(r.PathValue("id"), func(t Table) bool {
			if last == "true" {
				return t.Dropped.IsZero()
			}
			return t.existsAt(at)
		}, q.Get("database_name"), q.Get("table_name"))
		total := 0
		for _, d := range dbs {
			total += d.TotalTables
		}
		if v31 {
			writeJSON(w, http.StatusOK, map[string]any{"total_tables": total, "databases": dbs})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"total_databases": len(dbs), "databases": dbs})
	}
}

// databases groups the instance's tables that pass keep; the caller holds
// s.mu. database filters exactly, table loosely (contains).
func (s *Server) databases(id string, keep func(Table) bool, database, table string) []databaseJSON {
	by := map[string]*databaseJSON{}
	var names []string
	for _, t := range s.tables[id] {
		if !keep(t) || (database != "" && t.Database != database) || (table != "" && !strings.Contains(t.Name, table)) {
			continue
		}
		d := by[t.Database]
		if d == nil {
			d = &databaseJSON{Name: t.Database, Tables: []tableJSON{}}
			by[t.Database] = d
			names = append(names, t.Database)
		}
		d.Tables = append(d.Tables, tableJSON{Name: t.Name})
		d.TotalTables++
	}
	sort.Strings(names)
	out := make([]databaseJSON, 0, len(names))
	for _, n := range names {
		out = append(out, *by[n])
	}
	return out
}

// tableRestoreBody is CreateRestoreTablesRequestBody with pointers, to tell
// missing fields from empty ones.
type tableRestoreBody struct {
	RestoreTime   *string `json:"restore_time"`
	LastTableInfo *string `json:"last_table_info"`
	RestoreTables *[]struct {
		Database string `json:"database"`
		Tables   []struct {
			OldName string `json:"old_name"`
			NewName string `json:"new_name"`
		} `json:"tables"`
	} `json:"restore_tables"`
}

func (s *Server) restoreTables(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	call := decodeTableCall(r.PathValue("id"), raw)
	s.mu.Lock()
	behave := s.tableBehave
	s.mu.Unlock()
	if behave != nil && s.scripted(w, r, behave(call)) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	jobID, refusal := s.startTableRestore(r.PathValue("id"), raw)
	if refusal != nil {
		writeErr(w, refusal.status, refusal.code, refusal.message)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"job_id": jobID})
}

// scripted plays a scripted response and reports whether it answered.
func (s *Server) scripted(w http.ResponseWriter, r *http.Request, resp Response) bool {
	s.wait(r, resp.Delay)
	if resp.Status == 0 {
		return false
	}
	w.Header().Set("X-Request-Id", randomHex(16))
	w.WriteHeader(resp.Status)
	_, _ = io.WriteString(w, resp.Body)
	return true
}

func decodeTableCall(instanceID string, raw []byte) restore.TableCall {
	c := restore.TableCall{InstanceID: instanceID}
	var b tableRestoreBody
	if json.Unmarshal(raw, &b) != nil {
		return c
	}
	if b.RestoreTime != nil {
		c.RestoreTimeMs, _ = strconv.ParseInt(*b.RestoreTime, 10, 64)
	}
	if b.RestoreTables != nil {
		for _, d := range *b.RestoreTables {
			for _, t := range d.Tables {
				c.Tables = append(c.Tables, restore.TableRename{Database: d.Database, OldName: t.OldName, NewName: t.NewName})
			}
		}
	}
	return c
}

// startTableRestore checks a body like the real API and starts the job;
// the caller holds s.mu. The new tables appear when the job completes.
func (s *Server) startTableRestore(id string, raw []byte) (string, *apiErr) {
	b, at, aerr := decodeTableRestore(raw)
	if aerr != nil {
		return "", aerr
	}
	in := s.instance(id)
	if in == nil {
		return "", &apiErr{s.opts.NotFoundStatus, codeInstanceNotFound, "The DB instance does not exist: " + id}
	}
	if !s.restorable(id, at) {
		return "", &apiErr{http.StatusBadRequest, codeTimeOutside, "The restoration time is not in the restorable time range."}
	}
	if in.Status != "ACTIVE" {
		return "", &apiErr{http.StatusConflict, codeBusy, fmt.Sprintf("The instance status %s does not allow this operation.", in.Status)}
	}
	created, aerr := s.newTables(id, b, at)
	if aerr != nil {
		return "", aerr
	}
	// The instance stays ACTIVE (assumed): nothing existing is touched.
	j := s.newJob("RestoreTable", in, s.jobFail, func(failed bool) {
		if failed {
			return
		}
		now := s.opts.Now()
		for _, t := range created {
			t.Created = now
			s.tables[id] = append(s.tables[id], t)
		}
	})
	return j.id, nil
}

// decodeTableRestore decodes a table restore body strictly, checks its
// fields and returns it with its restoration time.
func decodeTableRestore(raw []byte) (tableRestoreBody, time.Time, *apiErr) {
	var b tableRestoreBody
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return b, time.Time{}, paramErr("invalid request body: %v", err)
	}
	ms := int64(0)
	if b.RestoreTime != nil {
		ms, _ = strconv.ParseInt(*b.RestoreTime, 10, 64)
	}
	switch {
	case ms <= 0:
		return b, time.Time{}, paramErr("restore_time must be UNIX milliseconds as a string")
	case b.LastTableInfo != nil && *b.LastTableInfo != "true" && *b.LastTableInfo != "false":
		return b, time.Time{}, paramErr("last_table_info must be true or false")
	case b.RestoreTables == nil || len(*b.RestoreTables) == 0:
		return b, time.Time{}, paramErr("restore_tables is required")
	}
	return b, time.UnixMilli(ms), nil
}

// newTables checks every old name exists at the restoration time (or now,
// with last_table_info) and no new name exists, and returns the tables the
// job will create; the caller holds s.mu.
func (s *Server) newTables(id string, b tableRestoreBody, at time.Time) ([]Table, *apiErr) {
	latest := b.LastTableInfo != nil && *b.LastTableInfo == "true"
	var created []Table
	for _, d := range *b.RestoreTables {
		if d.Database == "" || len(d.Tables) == 0 {
			return nil, paramErr("each database needs a name and tables")
		}
		for _, t := range d.Tables {
			if t.OldName == "" || t.NewName == "" {
				return nil, paramErr("old_name and new_name are required")
			}
			if !s.hasTable(id, d.Database, t.OldName, func(x Table) bool { return (latest && x.Dropped.IsZero()) || (!latest && x.existsAt(at)) }) {
				return nil, paramErr("table %s.%s does not exist at the restoration time", d.Database, t.OldName)
			}
			if s.hasTable(id, d.Database, t.NewName, func(x Table) bool { return x.Dropped.IsZero() }) {
				return nil, paramErr("table %s.%s already exists", d.Database, t.NewName)
			}
			created = append(created, Table{Database: d.Database, Name: t.NewName})
		}
	}
	return created, nil
}

// hasTable reports whether a table of that name passes keep; the caller
// holds s.mu.
func (s *Server) hasTable(id, database, name string, keep func(Table) bool) bool {
	for _, t := range s.tables[id] {
		if t.Database == database && strings.EqualFold(t.Name, name) && keep(t) {
			return true
		}
	}
	return false
}
