// Package gaussdbtest is a fake GaussDB(for MySQL) API on a loopback
// httptest server. It checks every request's SDK signature like the real
// gateway, serves the calls the bot makes (instances, parameters, backups,
// restore windows, jobs, the job list, restore, manual backup, the three
// table-level restore calls), validates restore bodies like the real API,
// and lets tests script failures and inspect every restore POST it received.
//
// Error codes: DBS.200823 (instance not found), DBS.200019 (instance busy),
// APIGW.0301 (bad signature) and APIGW.0101 (no such API) are codes seen in
// Huawei's docs or public code; the others (see codes.go) are assumptions
// chosen for this fake, as are the exact messages.
package gaussdbtest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/restore"
)

// Missing as an Instance's LowerCaseTableNames leaves the parameter out of
// the instance's configuration list.
const Missing = "<missing>"

// Options configure a Server. Zero values get defaults.
type Options struct {
	AK, SK    string // default "test-ak" / "test-sk"
	ProjectID string // default "0123456789abcdef0123456789abcdef"
	// JobPolls is how many visible queries of a job answer Running before
	// the job reports its end (0: the first visible query sees the end).
	JobPolls int
	// JobHiddenPolls is how many queries of a new job answer "not found"
	// first: the docs warn that a new job may not be queryable at once.
	JobHiddenPolls int
	// NotFoundStatus is the HTTP status for an unknown instance (default
	// 404; the real API has been seen answering 400 with DBS.200823).
	NotFoundStatus int
	// MaxSkew is the largest accepted X-Sdk-Date skew (default 15 minutes).
	MaxSkew time.Duration
	// Now is the fake's clock for job and backup times (default time.Now).
	// Signatures are always checked against the real clock.
	Now func() time.Time
}

// Instance is a fake instance. Empty fields get defaults: Status ACTIVE,
// Type (the datastore type) gaussdb-mysql, Version 8.0,
// LowerCaseTableNames "1", and a new ID.
type Instance struct {
	ID, Name            string
	Status              string
	Type                string
	Version             string
	LowerCaseTableNames string
	Tags                map[string]string
	// Network, size and connection (newinstance.go fills defaults): what a
	// restore to a new instance copies, and where the instance answers.
	Net Net
}

// Response scripts the answer to a restore POST. Status 0 means "answer as
// the real API would" after Delay; otherwise Body is sent as is with
// Status. Delay ends early, without an answer, if the client goes away.
// StartJob with a Status: the backend accepts a valid call and starts its
// job (as the real API would) before the scripted answer is sent, e.g. a
// gateway 502 whose restore did start. AnswerAfterJob, with Status 0:
// the job starts (and shows in the job list) that long before the answer
// leaves, as when the answer is slow on its way back.
type Response struct {
	Status         int
	Body           string
	Delay          time.Duration
	StartJob       bool
	AnswerAfterJob time.Duration
}

// RestoreCall is one POST to the restore API, as received (signed or not).
type RestoreCall struct {
	Call        restore.Call // decoded body
	DecodeError string       // why Call could not be decoded, if so
	Body        []byte       // raw body
	Header      http.Header
	Status      int // status answered; 0 if none was (client gone)
}

// Request is one request the server received.
type Request struct {
	Method, Path, Query string
	Status              int
}

// Server is the fake endpoint. Its methods are safe for concurrent use.
type Server struct {
	// URL is the endpoint to give the client, e.g. http://127.0.0.1:PORT.
	URL string

	opts Options
	ts   *httptest.Server
	done chan struct{} // closed on cleanup: ends pending delays

	closeOnce sync.Once

	mu        sync.Mutex
	instances []*Instance
	backups   []*restore.Backup
	windows   map[string][]restore.Window
	jobs      map[string]*job
	behave    func(restore.Call) Response
	jobFail   string
	knobs     knobs // one-shot faults and backup job length (knobs.go)
	calls     []*RestoreCall
	requests  []*Request

	showFault showFault // FailInstanceShow

	tables      map[string][]Table // instance ID -> tables, with their lives
	tableBehave func(restore.TableCall) Response
	tableCalls  []*TableRestoreCall

	fresh freshState // create, delete, quotas, flavors (newinstance.go)
}

// New starts a fake on a loopback port; it stops when the test ends.
func New(tb testing.TB, o Options) *Server {
	tb.Helper()
	s, err := NewServer(o)
	if err != nil {
		tb.Fatalf("start fake gaussdb: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Options returns the server's options with defaults filled in.
func (s *Server) Options() Options { return s.opts }

// AddInstance adds (or replaces, by ID) an instance and returns it with
// defaults filled in.
func (s *Server) AddInstance(in Instance) Instance {
	if in.ID == "" {
		in.ID = NewInstanceID()
	}
	if in.Status == "" {
		in.Status = "ACTIVE"
	}
	if in.Type == "" {
		in.Type = restore.DatastoreType
	}
	if in.Version == "" {
		in.Version = "8.0"
	}
	if in.LowerCaseTableNames == "" {
		in.LowerCaseTableNames = "1"
	}
	in.Tags = copyTags(in.Tags)
	in.Net = in.Net.withDefaults()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, old := range s.instances {
		if old.ID == in.ID {
			s.instances[i] = &in
			return in
		}
	}
	s.instances = append(s.instances, &in)
	return in
}

// Instance returns the fake's current view of an instance.
func (s *Server) Instance(id string) (Instance, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.instance(id)
	if in == nil {
		return Instance{}, false
	}
	out := *in
	out.Tags = copyTags(in.Tags)
	return out, true
}

// SetInstanceStatus changes an instance's status.
func (s *Server) SetInstanceStatus(id, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in := s.instance(id); in != nil {
		in.Status = status
	}
}

// AddBackup adds (or replaces, by ID) a backup and returns it with
// defaults: a new ID, status COMPLETED, type auto, begun an hour ago.
func (s *Server) AddBackup(b restore.Backup) restore.Backup {
	if b.ID == "" {
		b.ID = NewBackupID()
	}
	if b.Status == "" {
		b.Status = "COMPLETED"
	}
	if b.Type == "" {
		b.Type = "auto"
	}
	if b.Begin.IsZero() {
		b.Begin = s.opts.Now().Add(-time.Hour)
	}
	if b.End.IsZero() && b.Status != "BUILDING" {
		b.End = b.Begin.Add(time.Duration(b.TakeUpMinutes) * time.Minute)
	}
	b.Begin, b.End = b.Begin.UTC().Truncate(time.Second), b.End.UTC().Truncate(time.Second)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, old := range s.backups {
		if old.ID == b.ID {
			s.backups[i] = &b
			return b
		}
	}
	s.backups = append(s.backups, &b)
	return b
}

// Backup returns the fake's current view of a backup.
func (s *Server) Backup(id string) (restore.Backup, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.backup(id); b != nil {
		return *b, true
	}
	return restore.Backup{}, false
}

// SetBackupStatus changes a backup's status.
func (s *Server) SetBackupStatus(id, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.backup(id); b != nil {
		b.Status = status
	}
}

// RemoveBackup deletes a backup.
func (s *Server) RemoveBackup(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, b := range s.backups {
		if b.ID == id {
			s.backups = append(s.backups[:i], s.backups[i+1:]...)
			return
		}
	}
}

// SetRestoreWindows replaces an instance's restorable windows.
func (s *Server) SetRestoreWindows(instanceID string, ws ...restore.Window) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.windows[instanceID] = append([]restore.Window(nil), ws...)
}

// SetRestoreBehaviour scripts the answers to restore POSTs (nil: behave
// like the real API).
func (s *Server) SetRestoreBehaviour(f func(call restore.Call) Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.behave = f
}

// SetRestoreJobFailure makes restore jobs created from now on end Failed
// with this fail_reason ("" makes them complete again).
func (s *Server) SetRestoreJobFailure(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobFail = reason
}

// RestoreCalls returns every restore POST received so far, in order.
func (s *Server) RestoreCalls() []RestoreCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RestoreCall, len(s.calls))
	for i, c := range s.calls {
		out[i] = *c
		out[i].Body = append([]byte(nil), c.Body...)
		out[i].Header = c.Header.Clone()
	}
	return out
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
	}
	return out
}

// Job returns the fake's current view of a job without counting as a poll.
func (s *Server) Job(id string) (restore.Job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return restore.Job{}, false
	}
	return j.view(), true
}

// NewInstanceID returns a random ID in the instance ID format: 32
// lower-case hex characters and "in07".
func NewInstanceID() string { return randomHex(16) + "in07" }

// NewBackupID returns a random ID in the backup ID format: 32 lower-case
// hex characters and "br07".
func NewBackupID() string { return randomHex(16) + "br07" }

func newJobID() string {
	h := randomHex(16)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}

func copyTags(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// instance finds an instance; the caller holds s.mu.
func (s *Server) instance(id string) *Instance {
	for _, in := range s.instances {
		if in.ID == id {
			return in
		}
	}
	return nil
}

// backup finds a backup; the caller holds s.mu.
func (s *Server) backup(id string) *restore.Backup {
	for _, b := range s.backups {
		if b.ID == id {
			return b
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
