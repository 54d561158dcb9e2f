package gaussdbtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"

	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
)

// signed describes one request signed with the SDK's signer, then possibly
// altered before it is sent.
type signed struct {
	method, path string
	query        map[string]string
	body         string
	ak, sk       string
	project      string        // X-Project-Id; "" leaves it out
	age          time.Duration // how old X-Sdk-Date is
	tamper       func(*http.Request)
}

func send(t *testing.T, srv *gaussdbtest.Server, s signed) (int, string) {
	t.Helper()
	b := request.NewHttpRequestBuilder().WithEndpoint(srv.URL).WithMethod(s.method).WithPath(s.path).
		AddHeaderParam("Content-Type", "application/json;charset=UTF-8").
		AddHeaderParam("User-Agent", "auth-test").
		AddHeaderParam("X-Sdk-Date", time.Now().Add(-s.age).UTC().Format("20060102T150405Z"))
	if s.project != "" {
		b.AddHeaderParam("X-Project-Id", s.project)
	}
	for k, v := range s.query {
		b.AddQueryParam(k, reflect.ValueOf(v))
	}
	if s.body != "" {
		b.WithBody("", s.body)
	}
	req := b.Build()
	hdrs, err := signer.Sign(req, s.ak, s.sk)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdrs {
		req.AddHeaderParam(k, v)
	}
	hr, err := req.ConvertRequest()
	if err != nil {
		t.Fatal(err)
	}
	if s.tamper != nil {
		s.tamper(hr)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestSignatureVerification(t *testing.T) {
	srv := gaussdbtest.New(t, gaussdbtest.Options{AK: "ak-1", SK: "sk-1", ProjectID: "proj1"})
	in := srv.AddInstance(gaussdbtest.Instance{Name: "orders-prod"})
	other := srv.AddInstance(gaussdbtest.Instance{Name: "orders-staging"})
	get := signed{method: "GET", path: "/v3/proj1/instances", query: map[string]string{"name": "orders-prod", "limit": "10"},
		ak: "ak-1", sk: "sk-1", project: "proj1"}
	post := signed{method: "POST", path: "/v3/proj1/instances/restore",
		body: `{"source_instance_id":"` + in.ID + `","target_instance_id":"` + in.ID + `","type":"backup","backup_id":"x"}` + "\n",
		ak:   "ak-1", sk: "sk-1", project: "proj1"}
	with := func(base signed, f func(*signed)) signed { f(&base); return base }

	tests := []struct {
		name string
		req  signed
		want int
	}{
		{"valid get", get, 200},
		{"valid post reaches the API", post, 404}, // the backup does not exist
		{"date 10 minutes old", with(get, func(s *signed) { s.age = 10 * time.Minute }), 200},
		{"instance detail", with(get, func(s *signed) { s.path = "/v3/proj1/instances/" + in.ID; s.query = nil }), 200},
		{"wrong sk", with(get, func(s *signed) { s.sk = "sk-2" }), 401},
		{"unknown ak", with(get, func(s *signed) { s.ak = "ak-2" }), 401},
		{"date 20 minutes old", with(get, func(s *signed) { s.age = 20 * time.Minute }), 401},
		{"date 20 minutes ahead", with(get, func(s *signed) { s.age = -20 * time.Minute }), 401},
		{"no project header", with(get, func(s *signed) { s.project = "" }), 401},
		{"other project header", with(get, func(s *signed) { s.project = "proj2" }), 401},
		{"other project in path", with(get, func(s *signed) { s.path = "/v3/proj2/instances" }), 401},
		{"query changed", with(get, func(s *signed) {
			s.tamper = func(r *http.Request) { r.URL.RawQuery = "limit=10&name=orders-staging" }
		}), 401},
		{"path changed", with(get, func(s *signed) {
			s.path = "/v3/proj1/instances/" + in.ID
			s.query = nil
			s.tamper = func(r *http.Request) { r.URL.Path = "/v3/proj1/instances/" + other.ID }
		}), 401},
		{"body changed", with(post, func(s *signed) {
			s.tamper = func(r *http.Request) {
				b := `{"source_instance_id":"` + in.ID + `","target_instance_id":"` + other.ID + `","type":"backup","backup_id":"x"}` + "\n"
				r.Body, r.ContentLength = io.NopCloser(strings.NewReader(b)), int64(len(b))
			}
		}), 401},
		{"signed header changed", with(get, func(s *signed) {
			s.tamper = func(r *http.Request) { r.Header.Set("User-Agent", "someone-else") }
		}), 401},
		{"no authorization", with(get, func(s *signed) {
			s.tamper = func(r *http.Request) { r.Header.Del("Authorization") }
		}), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := send(t, srv, tt.req)
			if status != tt.want {
				t.Fatalf("status = %d (%s), want %d", status, body, tt.want)
			}
			if status == 401 {
				var e map[string]string
				if err := json.Unmarshal([]byte(body), &e); err != nil ||
					e["error_code"] != "APIGW.0301" || e["error_msg"] != "Incorrect IAM authentication information" {
					t.Errorf("401 body = %s", body)
				}
			}
		})
	}
}

func TestUnknownAPI(t *testing.T) {
	srv := gaussdbtest.New(t, gaussdbtest.Options{AK: "ak-1", SK: "sk-1", ProjectID: "proj1"})
	status, body := send(t, srv, signed{method: "GET", path: "/v3/proj1/no-such-thing", ak: "ak-1", sk: "sk-1", project: "proj1"})
	if status != 404 {
		t.Fatalf("status = %d (%s), want 404", status, body)
	}
}

func TestIDs(t *testing.T) {
	for _, tt := range []struct {
		id, suffix string
	}{{gaussdbtest.NewInstanceID(), "in07"}, {gaussdbtest.NewBackupID(), "br07"}} {
		if len(tt.id) != 36 || tt.id[32:] != tt.suffix {
			t.Errorf("ID %q: want 32 hex characters and %s", tt.id, tt.suffix)
		}
		for _, c := range tt.id[:32] {
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				t.Errorf("ID %q has non-hex %q", tt.id, c)
			}
		}
	}
}
