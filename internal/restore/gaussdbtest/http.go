package gaussdbtest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// Error codes. The first four appear in Huawei's docs or public code; the
// rest are this fake's assumptions.
const (
	codeBadAuth          = "APIGW.0301"
	codeNoAPI            = "APIGW.0101"
	codeInstanceNotFound = "DBS.200823"
	codeBusy             = "DBS.200019"
	codeParam            = "DBS.280001" // assumed: "Parameter error."
	codeBackupNotFound   = "DBS.280235" // assumed
	codeJobNotFound      = "DBS.280236" // assumed
	codeBackupUnusable   = "DBS.280237" // assumed
	codeIncompatible     = "DBS.280238" // assumed
	codeTimeOutside      = "DBS.280239" // assumed
)

// maxBody bounds request bodies; the real bodies are tiny.
const maxBody = 1 << 20

// routes is the whole API: record, authenticate, then dispatch.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v3/{project}/instances", s.listInstances)
	mux.HandleFunc("GET /v3/{project}/instances/{id}", s.showInstance)
	mux.HandleFunc("GET /v3/{project}/instances/{id}/configurations", s.listConfigurations)
	mux.HandleFunc("GET /v3/{project}/instances/{id}/restore-time", s.restoreTime)
	mux.HandleFunc("GET /v3/{project}/backups", s.listBackups)
	mux.HandleFunc("GET /v3/{project}/jobs", s.showJob)
	mux.HandleFunc("GET /v3/{project}/immediate-jobs", s.listImmediateJobs)
	mux.HandleFunc("POST /v3/{project}/instances/restore", s.restore)
	mux.HandleFunc("POST /v3/{project}/backups/create", s.createBackup)
	mux.HandleFunc("GET /v3.1/{project}/instances/{id}/backups/restore/tables", s.tableList(true))
	mux.HandleFunc("GET /v3/{project}/instances/{id}/backups/restore/tables", s.tableList(false))
	mux.HandleFunc("POST /v3/{project}/instances/{id}/backups/restore/tables", s.restoreTables)
	s.newInstanceRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, http.StatusNotFound, codeNoAPI, "The API does not exist or has not been published in the environment")
	})

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusWriter{ResponseWriter: w}
		w = rec
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		req := s.recordRequest(r, body)
		defer s.recordStatus(req, rec)

		if err := s.verify(r, body); err != nil {
			writeErr(w, http.StatusUnauthorized, codeBadAuth, "Incorrect IAM authentication information")
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/v3/"+s.opts.ProjectID+"/") && !strings.HasPrefix(r.URL.Path, "/v3.1/"+s.opts.ProjectID+"/") {
			writeErr(w, http.StatusUnauthorized, codeBadAuth, "Incorrect IAM authentication information")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// pending is what recordRequest noted, so its status can be filled in.
type pending struct {
	req   *Request
	call  *RestoreCall
	table *TableRestoreCall
}

func (s *Server) recordRequest(r *http.Request, body []byte) pending {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := pending{req: &Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery}}
	s.requests = append(s.requests, p.req)
	if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v3/") && strings.HasSuffix(r.URL.Path, "/instances/restore") {
		c := &RestoreCall{Body: body, Header: r.Header.Clone()}
		if err := json.Unmarshal(body, &c.Call); err != nil {
			c.DecodeError = err.Error()
		}
		s.calls = append(s.calls, c)
		p.call = c
	}
	if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v3/") && strings.HasSuffix(r.URL.Path, "/backups/restore/tables") {
		id := strings.TrimSuffix(r.URL.Path, "/backups/restore/tables")
		id = id[strings.LastIndex(id, "/")+1:]
		c := &TableRestoreCall{InstanceID: id, Call: decodeTableCall(id, body), Body: body}
		if err := json.Unmarshal(body, &struct{}{}); err != nil {
			c.DecodeError = err.Error()
		}
		s.tableCalls = append(s.tableCalls, c)
		p.table = c
	}
	return p
}

func (s *Server) recordStatus(p pending, w *statusWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p.req.Status = w.status
	if p.call != nil {
		p.call.Status = w.status
	}
	if p.table != nil {
		p.table.Status = w.status
	}
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// apiError is the real API's error body.
type apiError struct {
	Code    string `json:"error_code"`
	Message string `json:"error_msg"`
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, apiError{Code: code, Message: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("X-Request-Id", randomHex(16))
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// notFound answers for an unknown instance like the real API.
func (s *Server) notFound(w http.ResponseWriter, id string) {
	writeErr(w, s.opts.NotFoundStatus, codeInstanceNotFound, "The DB instance does not exist: "+id)
}

// apiTime formats a time the way backups and jobs carry it.
func apiTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05-0700")
}
