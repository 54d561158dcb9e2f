package restore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
)

// newPair starts a fake and a client for it.
func newPair(t *testing.T, o gaussdbtest.Options) (*gaussdbtest.Server, *restore.Client) {
	t.Helper()
	srv := gaussdbtest.New(t, o)
	return srv, newClient(t, srv, "", 5*time.Second)
}

// newClient returns a client for srv; sk overrides the server's SK.
func newClient(t *testing.T, srv *gaussdbtest.Server, sk string, timeout time.Duration) *restore.Client {
	t.Helper()
	o := srv.Options()
	if sk == "" {
		sk = o.SK
	}
	c, err := restore.NewClient(restore.Options{
		AK: o.AK, SK: sk, ProjectID: o.ProjectID, Endpoint: srv.URL, Timeout: timeout, UserAgent: "db-restore-test",
	})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// restorable sets up a source and a target that can take its backup.
func restorable(t *testing.T, srv *gaussdbtest.Server) (source, target gaussdbtest.Instance, backup restore.Backup) {
	t.Helper()
	source = srv.AddInstance(gaussdbtest.Instance{Name: "orders-prod"})
	target = srv.AddInstance(gaussdbtest.Instance{Name: "orders-staging"})
	backup = srv.AddBackup(restore.Backup{Name: "daily", InstanceID: source.ID})
	return source, target, backup
}

func TestNewClientRefusesMissingSettings(t *testing.T) {
	// Credentials in the environment must not be picked up.
	t.Setenv("HUAWEICLOUD_SDK_AK", "env-ak")
	t.Setenv("HUAWEICLOUD_SDK_SK", "env-sk")
	t.Setenv("HUAWEICLOUD_SDK_PROJECT_ID", "env-project")
	srv := gaussdbtest.New(t, gaussdbtest.Options{})
	tests := []struct {
		name string
		o    restore.Options
		want string
	}{
		{"no ak", restore.Options{SK: "s", ProjectID: "p", Endpoint: srv.URL}, "missing AK"},
		{"no sk", restore.Options{AK: "a", ProjectID: "p", Endpoint: srv.URL}, "missing SK"},
		{"no project", restore.Options{AK: "a", SK: "s", Endpoint: srv.URL}, "missing ProjectID"},
		{"nothing", restore.Options{Endpoint: srv.URL}, "missing AK, SK, ProjectID"},
		{"no endpoint", restore.Options{AK: "a", SK: "s", ProjectID: "p"}, "missing Region or Endpoint"},
		{"unknown region", restore.Options{AK: "a", SK: "s", ProjectID: "p", Region: "xx-nowhere-1"}, `unknown region "xx-nowhere-1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := restore.NewClient(tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewClient() = %v, %v; want error containing %q", c, err, tt.want)
			}
		})
	}
	if got := srv.Requests(); len(got) != 0 {
		t.Errorf("NewClient contacted the endpoint: %+v", got)
	}
}

func TestNewClientEndpoint(t *testing.T) {
	c, err := restore.NewClient(restore.Options{AK: "a", SK: "s", ProjectID: "p", Region: "cn-north-4"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Endpoint(), "https://gaussdb.cn-north-4.myhuaweicloud.com"; got != want {
		t.Errorf("Endpoint() = %q, want %q", got, want)
	}
	srv := gaussdbtest.New(t, gaussdbtest.Options{})
	c = newClient(t, srv, "", time.Second)
	if c.Endpoint() != srv.URL {
		t.Errorf("Endpoint() = %q, want %q", c.Endpoint(), srv.URL)
	}
	if got := srv.Requests(); len(got) != 0 {
		t.Errorf("NewClient contacted the endpoint: %+v", got)
	}
}

func TestReadErrors(t *testing.T) {
	srv := gaussdbtest.New(t, gaussdbtest.Options{})
	in := srv.AddInstance(gaussdbtest.Instance{Name: "orders-prod"})
	ctx := context.Background()

	bad := newClient(t, srv, "wrong-sk", time.Second)
	_, err := bad.Instance(ctx, in.ID)
	var api *restore.APIError
	if !errors.As(err, &api) || api.Status != 401 || api.Code != "APIGW.0301" || api.RequestID == "" {
		t.Fatalf("Instance with wrong SK: err = %v, want APIError 401 APIGW.0301 with request id", err)
	}
	if restore.IsNotFound(err) {
		t.Error("an auth failure is not a not-found")
	}

	c := newClient(t, srv, "", time.Second)
	missing := gaussdbtest.NewInstanceID()
	if _, err := c.Instance(ctx, missing); !restore.IsNotFound(err) {
		t.Errorf("Instance(missing) err = %v, want not found", err)
	}
	if _, err := c.CaseSensitivity(ctx, missing); !restore.IsNotFound(err) {
		t.Errorf("CaseSensitivity(missing) err = %v, want not found", err)
	}
	if _, err := c.RestoreWindows(ctx, missing); !restore.IsNotFound(err) {
		t.Errorf("RestoreWindows(missing) err = %v, want not found", err)
	}
	if _, err := c.Backup(ctx, gaussdbtest.NewBackupID()); !restore.IsNotFound(err) {
		t.Errorf("Backup(missing) err = %v, want not found", err)
	}
	if _, err := c.Job(ctx, "no-such-job"); !restore.IsNotFound(err) {
		t.Errorf("Job(missing) err = %v, want not found", err)
	}

	// The real API has been seen answering 400 + DBS.200823 for a missing instance.
	srv400 := gaussdbtest.New(t, gaussdbtest.Options{NotFoundStatus: 400})
	c400 := newClient(t, srv400, "", time.Second)
	_, err = c400.Instance(ctx, missing)
	if !restore.IsNotFound(err) || !errors.As(err, &api) || api.Status != 400 {
		t.Errorf("Instance(missing) with 400 err = %v, want a not-found APIError 400", err)
	}
}

func TestInstanceLookups(t *testing.T) {
	srv, c := newPair(t, gaussdbtest.Options{})
	ctx := context.Background()
	a := srv.AddInstance(gaussdbtest.Instance{Name: "twin", Tags: map[string]string{"env": "prod"}})
	b := srv.AddInstance(gaussdbtest.Instance{Name: "twin", Version: "5.7"})
	cp := srv.AddInstance(gaussdbtest.Instance{Name: "twin-copy"})
	srv.AddInstance(gaussdbtest.Instance{Name: "twin", Type: "other-engine"})

	got, err := c.Instance(ctx, a.ID)
	want := restore.Instance{ID: a.ID, Name: "twin", Status: "ACTIVE", DatastoreType: "gaussdb-mysql", DatastoreVersion: "8.0", Tags: map[string]string{"env": "prod"}}
	if err != nil || !cmp.Equal(got, want) {
		t.Errorf("Instance() = %+v, %v; want %+v", got, err, want)
	}

	tests := []struct {
		name string
		want []string
	}{
		{"twin", []string{a.ID, b.ID}},
		{"twin-copy", []string{cp.ID}},
		{"twi", nil},
		{"*twin", nil}, // a fuzzy filter never matches a name exactly
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			found, err := c.FindInstances(ctx, tt.name)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, in := range found {
				if in.Name != tt.name {
					t.Errorf("FindInstances(%q) returned %q", tt.name, in.Name)
				}
				ids = append(ids, in.ID)
			}
			if !cmp.Equal(ids, tt.want) {
				t.Errorf("FindInstances(%q) = %v, want %v", tt.name, ids, tt.want)
			}
		})
	}
	if _, err := c.FindInstances(ctx, ""); err == nil {
		t.Error("FindInstances(\"\") succeeded")
	}
}

func TestListInstancesPages(t *testing.T) {
	srv, c := newPair(t, gaussdbtest.Options{})
	for i := 0; i < 230; i++ {
		srv.AddInstance(gaussdbtest.Instance{Name: fmt.Sprintf("db-%03d", i)})
	}
	srv.AddInstance(gaussdbtest.Instance{Name: "not-mysql", Type: "other-engine"})
	all, err := c.ListInstances(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 230 || all[229].Name != "db-229" {
		t.Fatalf("ListInstances() returned %d instances", len(all))
	}
	var queries []string
	for _, r := range srv.Requests() {
		queries = append(queries, r.Query)
	}
	want := []string{
		"datastore_type=gaussdb-mysql&limit=100&offset=0",
		"datastore_type=gaussdb-mysql&limit=100&offset=100",
		"datastore_type=gaussdb-mysql&limit=100&offset=200",
	}
	if diff := cmp.Diff(want, queries); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}
}

func TestCaseSensitivity(t *testing.T) {
	srv, c := newPair(t, gaussdbtest.Options{})
	ctx := context.Background()
	tests := []struct {
		lctn    string
		want    string
		missing bool
	}{
		{lctn: "0", want: "0"},
		{lctn: "1", want: "1"},
		{lctn: gaussdbtest.Missing, missing: true},
	}
	for _, tt := range tests {
		t.Run(tt.lctn, func(t *testing.T) {
			in := srv.AddInstance(gaussdbtest.Instance{Name: "case-" + tt.want, LowerCaseTableNames: tt.lctn})
			got, err := c.CaseSensitivity(ctx, in.ID)
			if tt.missing {
				if err == nil || !restore.IsNotFound(err) {
					t.Fatalf("CaseSensitivity() = %q, %v; want a not-found error", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CaseSensitivity() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	// lower_case_table_names is on the second page: two requests per lookup.
	n := 0
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/configurations") {
			n++
		}
	}
	if n != 6 {
		t.Errorf("%d configuration requests, want 6 (two pages each)", n)
	}
}

func TestBackups(t *testing.T) {
	srv, c := newPair(t, gaussdbtest.Options{})
	ctx := context.Background()
	in := srv.AddInstance(gaussdbtest.Instance{Name: "orders-prod"})
	other := srv.AddInstance(gaussdbtest.Instance{Name: "other"})
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	// Added out of order: the client sorts.
	for _, day := range []int{3, 1, 150, 2, 149} {
		for i := 0; i < 30; i++ {
			srv.AddBackup(restore.Backup{InstanceID: in.ID, Name: fmt.Sprintf("d%d-%d", day, i),
				Begin: base.Add(time.Duration(day)*time.Hour + time.Duration(i)*time.Second), TakeUpMinutes: 3, SizeMB: 12.5})
		}
	}
	srv.AddBackup(restore.Backup{InstanceID: other.ID, Begin: base.Add(1000 * time.Hour)})

	got, err := c.Backups(ctx, in.ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range got {
		names = append(names, b.Name)
	}
	if diff := cmp.Diff([]string{"d150-29", "d150-28", "d150-27"}, names); diff != "" {
		t.Errorf("newest backups (-want +got):\n%s", diff)
	}
	all, err := c.Backups(ctx, in.ID, 0)
	if err != nil || len(all) != 150 {
		t.Fatalf("Backups(all) = %d, %v; want 150", len(all), err)
	}

	one := got[0]
	b, err := c.Backup(ctx, one.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := restore.Backup{ID: one.ID, Name: "d150-29", InstanceID: in.ID, Status: "COMPLETED", Type: "auto",
		Begin: base.Add(150*time.Hour + 29*time.Second), End: base.Add(150*time.Hour + 29*time.Second + 3*time.Minute),
		SizeMB: 12.5, TakeUpMinutes: 3}
	if diff := cmp.Diff(want, b); diff != "" {
		t.Errorf("Backup() (-want +got):\n%s", diff)
	}
}

func TestRestoreWindows(t *testing.T) {
	srv, c := newPair(t, gaussdbtest.Options{})
	in := srv.AddInstance(gaussdbtest.Instance{Name: "orders-prod"})
	w1 := restore.Window{Start: time.UnixMilli(1_795_000_000_123).UTC(), End: time.UnixMilli(1_795_100_000_456).UTC()}
	w0 := restore.Window{Start: time.UnixMilli(1_794_000_000_000).UTC(), End: time.UnixMilli(1_794_500_000_000).UTC()}
	srv.SetRestoreWindows(in.ID, w1, w0)
	got, err := c.RestoreWindows(context.Background(), in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]restore.Window{w0, w1}, got); diff != "" {
		t.Errorf("RestoreWindows() (-want +got):\n%s", diff)
	}
}

func TestClientConcurrentUse(t *testing.T) {
	srv, c := newPair(t, gaussdbtest.Options{})
	in := srv.AddInstance(gaussdbtest.Instance{Name: "orders-prod"})
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Instance(context.Background(), in.ID); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
