package restore_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
)

// newPair starts a fake and a client for it.
func TestRestoreBackupSubmitsOneSignedCall(t *testing.T) {
	srv, c := newPair(t, gaussdbtest.Options{JobPolls: 2, JobHiddenPolls: 1})
	source, target, backup := restorable(t, srv)
	call := restore.Call{SourceID: source.ID, TargetID: target.ID, Type: "backup", BackupID: backup.ID}

	jobID, err := c.Restore(context.Background(), call)
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	calls := srv.RestoreCalls()
	if len(calls) != 1 {
		t.Fatalf("got %d restore calls, want 1", len(calls))
	}
	got := calls[0]
	if diff := cmp.Diff(call, got.Call); diff != "" {
		t.Errorf("call body (-sent +received):\n%s", diff)
	}
	wantBody := fmt.Sprintf(`{"target_instance_id":%q,"source_instance_id":%q,"backup_id":%q,"type":"backup"}`+"\n",
		target.ID, source.ID, backup.ID)
	if string(got.Body) != wantBody {
		t.Errorf("raw body = %q, want %q", got.Body, wantBody)
	}
	o := srv.Options()
	auth := got.Header.Get("Authorization")
	for _, want := range []string{"SDK-HMAC-SHA256 Access=" + o.AK, "SignedHeaders=user-agent;x-language;x-project-id;x-sdk-date"} {
		if !strings.Contains(auth, want) {
			t.Errorf("Authorization %q lacks %q", auth, want)
		}
	}
	if got.Header.Get("X-Project-Id") != o.ProjectID || got.Header.Get("X-Sdk-Date") == "" {
		t.Errorf("headers = %v", got.Header)
	}
	for _, h := range []string{"Idempotency-Key", "X-Idempotency-Key"} {
		if got.Header.Get(h) != "" {
			t.Errorf("request carries %s, which lets net/http replay the POST", h)
		}
	}
	if !strings.Contains(got.Header.Get("User-Agent"), "db-restore-test") {
		t.Errorf("User-Agent = %q", got.Header.Get("User-Agent"))
	}
	if got.Status != 200 {
		t.Errorf("fake answered %d", got.Status)
	}
	reqs := srv.Requests()
	if want := "/v3/" + o.ProjectID + "/instances/restore"; reqs[0].Method != "POST" || reqs[0].Path != want {
		t.Errorf("request = %s %s, want POST %s", reqs[0].Method, reqs[0].Path, want)
	}
	if in, _ := srv.Instance(target.ID); in.Status != "RESTORING" {
		t.Errorf("target status = %q, want RESTORING", in.Status)
	}

	// The job is hidden at first, then running, then completed.
	ctx := context.Background()
	if _, err := c.Job(ctx, jobID); !restore.IsNotFound(err) {
		t.Fatalf("first Job() err = %v, want not found", err)
	}
	for _, want := range []string{"33%", "66%"} {
		j, err := c.Job(ctx, jobID)
		if err != nil || j.Status != "Running" || j.Progress != want {
			t.Fatalf("Job() = %+v, %v; want Running %s", j, err, want)
		}
	}
	j, err := c.Job(ctx, jobID)
	if err != nil || j.Status != "Completed" || j.ID != jobID || j.Ended.IsZero() || j.Created.IsZero() {
		t.Fatalf("Job() = %+v, %v; want Completed with times", j, err)
	}
	if in, _ := srv.Instance(target.ID); in.Status != "ACTIVE" {
		t.Errorf("target status after job = %q, want ACTIVE", in.Status)
	}
}

func TestRestoreTimestamp(t *testing.T) {
	srv, c := newPair(t, gaussdbtest.Options{})
	source, _, _ := restorable(t, srv)
	now := time.Now().UTC()
	srv.SetRestoreWindows(source.ID, restore.Window{Start: now.Add(-48 * time.Hour), End: now})
	at := now.Add(-time.Hour).UnixMilli()
	call := restore.Call{SourceID: source.ID, TargetID: source.ID, Type: "timestamp", RestoreTimeMs: at}
	if _, err := c.Restore(context.Background(), call); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	calls := srv.RestoreCalls()
	want := fmt.Sprintf(`{"target_instance_id":%q,"source_instance_id":%q,"restore_time":%d,"type":"timestamp"}`+"\n", source.ID, source.ID, at)
	if len(calls) != 1 || string(calls[0].Body) != want {
		t.Fatalf("restore calls = %+v, want one with body %s", calls, want)
	}
}

func TestRestoreJobFailure(t *testing.T) {
	srv, c := newPair(t, gaussdbtest.Options{})
	source, target, backup := restorable(t, srv)
	srv.SetRestoreJobFailure("disk full")
	jobID, err := c.Restore(context.Background(), restore.Call{SourceID: source.ID, TargetID: target.ID, Type: "backup", BackupID: backup.ID})
	if err != nil {
		t.Fatal(err)
	}
	j, err := c.Job(context.Background(), jobID)
	if err != nil || j.Status != "Failed" || j.FailReason != "disk full" {
		t.Fatalf("Job() = %+v, %v; want Failed with reason", j, err)
	}
}

func TestRestoreOutcomes(t *testing.T) {
	type want struct {
		rejected bool // else unknown outcome
		status   int
		code     string
		deadline bool // errors.Is(err, context.DeadlineExceeded)
	}
	tests := []struct {
		name       string
		behave     gaussdbtest.Response
		badSK      bool
		busyTarget bool
		ctxTimeout time.Duration
		want       want
	}{
		{name: "400 error body", behave: gaussdbtest.Response{Status: 400, Body: `{"error_code":"DBS.280001","error_msg":"Parameter error."}`},
			want: want{rejected: true, status: 400, code: "DBS.280001"}},
		{name: "409 busy target from the API", busyTarget: true,
			want: want{rejected: true, status: 409, code: "DBS.200019"}},
		{name: "401 wrong SK", badSK: true, want: want{rejected: true, status: 401, code: "APIGW.0301"}},
		{name: "404 without error body", behave: gaussdbtest.Response{Status: 404, Body: "not here"}, want: want{status: 404}},
		{name: "408 from a proxy", behave: gaussdbtest.Response{Status: 408, Body: `{"code":"X.408","message":"timeout"}`}, want: want{status: 408}},
		{name: "500", behave: gaussdbtest.Response{Status: 500, Body: `{"error_code":"DBS.05000000","error_msg":"Server error."}`}, want: want{status: 500}},
		{name: "502 html", behave: gaussdbtest.Response{Status: 502, Body: "<html>bad gateway</html>"}, want: want{status: 502}},
		{name: "200 without job_id", behave: gaussdbtest.Response{Status: 200, Body: `{}`}, want: want{status: 200}},
		{name: "200 empty job_id", behave: gaussdbtest.Response{Status: 200, Body: `{"job_id":""}`}, want: want{status: 200}},
		{name: "200 empty body", behave: gaussdbtest.Response{Status: 200}, want: want{status: 200}},
		{name: "200 garbage", behave: gaussdbtest.Response{Status: 200, Body: `<<garbage`}, want: want{status: 200}},
		{name: "302", behave: gaussdbtest.Response{Status: 302, Body: ""}, want: want{status: 302}},
		{name: "slow past client timeout", behave: gaussdbtest.Response{Delay: 10 * time.Second},
			want: want{deadline: true}},
		{name: "slow past context deadline", behave: gaussdbtest.Response{Delay: 10 * time.Second}, ctxTimeout: 300 * time.Millisecond,
			want: want{deadline: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := gaussdbtest.New(t, gaussdbtest.Options{})
			source, target, backup := restorable(t, srv)
			if tt.behave != (gaussdbtest.Response{}) {
				srv.SetRestoreBehaviour(func(restore.Call) gaussdbtest.Response { return tt.behave })
			}
			if tt.busyTarget {
				srv.SetInstanceStatus(target.ID, "BACKING UP")
			}
			sk, timeout := "", 5*time.Second
			if tt.badSK {
				sk = "wrong-sk"
			}
			if tt.name == "slow past client timeout" {
				timeout = 300 * time.Millisecond
			}
			c := newClient(t, srv, sk, timeout)
			ctx := context.Background()
			if tt.ctxTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctxTimeout)
				defer cancel()
			}

			start := time.Now()
			jobID, err := c.Restore(ctx, restore.Call{SourceID: source.ID, TargetID: target.ID, Type: "backup", BackupID: backup.ID})
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("Restore took %s", elapsed)
			}
			if err == nil {
				t.Fatalf("Restore() = %q, nil; want an error", jobID)
			}
			var rej *restore.RejectedError
			var unk *restore.UnknownOutcomeError
			switch {
			case tt.want.rejected:
				if !errors.As(err, &rej) || restore.IsUnknownOutcome(err) {
					t.Fatalf("err = %v (%T), want *RejectedError", err, err)
				}
				if rej.Status != tt.want.status || rej.Code != tt.want.code || rej.Message == "" {
					t.Errorf("RejectedError = %+v, want status %d code %s", rej, tt.want.status, tt.want.code)
				}
			default:
				if !errors.As(err, &unk) || errors.As(err, &rej) {
					t.Fatalf("err = %v (%T), want *UnknownOutcomeError", err, err)
				}
				if unk.Status != tt.want.status {
					t.Errorf("UnknownOutcomeError.Status = %d, want %d (%v)", unk.Status, tt.want.status, err)
				}
				if got := errors.Is(err, context.DeadlineExceeded); got != tt.want.deadline {
					t.Errorf("errors.Is(err, DeadlineExceeded) = %v, want %v (%v)", got, tt.want.deadline, err)
				}
			}
			if n := len(srv.RestoreCalls()); n != 1 {
				t.Errorf("fake received %d restore POSTs, want exactly 1", n)
			}
		})
	}
}

func TestRestoreUnreachableIsUnknown(t *testing.T) {
	dead := httptest.NewServer(nil)
	url := dead.URL
	dead.Close()
	c, err := restore.NewClient(restore.Options{AK: "a", SK: "s", ProjectID: "p", Endpoint: url, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Restore(context.Background(), restore.Call{SourceID: "s", TargetID: "t", Type: "backup", BackupID: "b"})
	if !restore.IsUnknownOutcome(err) {
		t.Fatalf("err = %v, want unknown outcome (a connection error may follow a sent request)", err)
	}
}

func TestRestoreNotSent(t *testing.T) {
	srv, c := newPair(t, gaussdbtest.Options{})
	source, target, backup := restorable(t, srv)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		call restore.Call
	}{
		{"cancelled context", cancelled, restore.Call{SourceID: source.ID, TargetID: target.ID, Type: "backup", BackupID: backup.ID}},
		{"no type", context.Background(), restore.Call{SourceID: source.ID, TargetID: target.ID, BackupID: backup.ID}},
		{"backup without id", context.Background(), restore.Call{SourceID: source.ID, TargetID: target.ID, Type: "backup"}},
		{"backup with time", context.Background(), restore.Call{SourceID: source.ID, TargetID: target.ID, Type: "backup", BackupID: backup.ID, RestoreTimeMs: 5}},
		{"timestamp without time", context.Background(), restore.Call{SourceID: source.ID, TargetID: target.ID, Type: "timestamp"}},
		{"no target", context.Background(), restore.Call{SourceID: source.ID, Type: "backup", BackupID: backup.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Restore(tt.ctx, tt.call)
			var rej *restore.RejectedError
			if err == nil || restore.IsUnknownOutcome(err) || errors.As(err, &rej) || !strings.Contains(err.Error(), "not sent") {
				t.Fatalf("err = %v, want a plain not-sent error", err)
			}
		})
	}
	if n := len(srv.RestoreCalls()); n != 0 {
		t.Errorf("fake received %d restore POSTs, want 0", n)
	}
}

func TestCreateBackup(t *testing.T) {
	srv, c := newPair(t, gaussdbtest.Options{JobPolls: 1})
	ctx := context.Background()
	in := srv.AddInstance(gaussdbtest.Instance{Name: "orders-staging"})
	backupID, jobID, err := c.CreateBackup(ctx, in.ID, "safety-before-restore", "taken by the bot")
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Backup(ctx, backupID)
	if err != nil || b.Status != "BUILDING" || b.Type != "manual" || b.InstanceID != in.ID {
		t.Fatalf("Backup() = %+v, %v; want a BUILDING manual backup", b, err)
	}
	if got, _ := srv.Instance(in.ID); got.Status != "BACKING UP" {
		t.Errorf("instance status = %q, want BACKING UP", got.Status)
	}
	for _, want := range []string{"Running", "Completed"} {
		if j, err := c.Job(ctx, jobID); err != nil || j.Status != want {
			t.Fatalf("Job() = %+v, %v; want %s", j, err, want)
		}
	}
	if b, _ := c.Backup(ctx, backupID); b.Status != "COMPLETED" {
		t.Errorf("backup status = %q, want COMPLETED", b.Status)
	}
	if _, _, err := c.CreateBackup(ctx, gaussdbtest.NewInstanceID(), "safety-x", ""); !restore.IsNotFound(err) {
		t.Errorf("CreateBackup(missing) err = %v, want not found", err)
	}
}

func TestRestoreSlowButInTime(t *testing.T) {
	srv, c := newPair(t, gaussdbtest.Options{})
	source, target, backup := restorable(t, srv)
	srv.SetRestoreBehaviour(func(restore.Call) gaussdbtest.Response {
		return gaussdbtest.Response{Delay: 200 * time.Millisecond} // then answer normally
	})
	jobID, err := c.Restore(context.Background(), restore.Call{SourceID: source.ID, TargetID: target.ID, Type: "backup", BackupID: backup.ID})
	if err != nil || jobID == "" {
		t.Fatalf("Restore() = %q, %v; want a job ID", jobID, err)
	}
	if calls := srv.RestoreCalls(); len(calls) != 1 || calls[0].Status != 200 {
		t.Fatalf("restore calls = %+v, want one answered 200", calls)
	}
}
