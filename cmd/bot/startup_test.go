package main

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/dbrestore/db-restore/internal/botrun"
)

// runOnce runs the bot with the harness's environment until it stops.
func (h *harness) runOnce() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*1e9)
	defer cancel()
	return runWith(ctx, []string{"db-restore"}, func(k string) string { return h.env[k] }, h.logs, h.logs, botrun.Hooks{Now: h.clock.Now})
}

func TestPolicyFileWithEnvApproversStops(t *testing.T) {
	for _, name := range []string{"RESTORE_APPROVERS", "RESTORE_REQUESTERS"} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			h.withPolicy(t, twoDBAs())
			h.env[name] = approver
			err := h.runOnce()
			if err == nil || !strings.Contains(err.Error(), "replace") || !strings.Contains(err.Error(), name) {
				t.Fatalf("error = %v, want one saying the file's rules replace %s", err, name)
			}
			if n := len(h.gauss.Requests()) + len(h.slack.Calls("auth.test")); n != 0 {
				t.Errorf("%d calls to Slack or GaussDB before refusing the settings", n)
			}
		})
	}
}

func TestBusyHealthAddrIsReportedBeforeAnythingSlow(t *testing.T) {
	h := newHarness(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	h.env["HEALTH_ADDR"] = busy.Addr().String()
	err = h.runOnce()
	if err == nil || !strings.Contains(err.Error(), "HEALTH_ADDR") {
		t.Fatalf("error = %v, want HEALTH_ADDR named", err)
	}
	if n := len(h.gauss.Requests()) + len(h.slack.Calls("auth.test")); n != 0 {
		t.Errorf("%d calls to Slack or GaussDB before the health port was found busy", n)
	}
}

func TestStartupCloudCheckNamesWhatToFix(t *testing.T) {
	tests := []struct {
		name, key, value string
		want             []string
	}{
		{"wrong secret key", "HUAWEICLOUD_SDK_SK", "not-the-secret", []string{"HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID"}},
		{"wrong project", "HUAWEICLOUD_SDK_PROJECT_ID", "ffffffffffffffffffffffffffffffff", []string{"HUAWEICLOUD_SDK_PROJECT_ID ffffffffffffffffffffffffffffffff"}},
		{"nothing there", "GAUSSDB_ENDPOINT", "http://127.0.0.1:1", []string{"could not reach GaussDB", "GAUSSDB_ENDPOINT http://127.0.0.1:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.env[tt.key] = tt.value
			err := h.runOnce()
			if err == nil {
				t.Fatal("the bot started with bad cloud settings")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if n := len(h.slack.Calls("apps.connections.open")); n != 0 {
				t.Errorf("the bot connected to Slack %d times before the cloud check failed", n)
			}
		})
	}
}

func TestStartupCloudCheckIsOneRead(t *testing.T) {
	h := newHarness(t)
	h.start()
	reqs := h.gauss.Requests()
	if len(reqs) == 0 || reqs[0].Method != "GET" || !strings.HasSuffix(reqs[0].Path, "/instances") || !strings.Contains(reqs[0].Query, "name=") {
		t.Fatalf("first GaussDB request = %+v, want one filtered instance list", reqs)
	}
	if len(reqs) != 1 {
		t.Errorf("%d GaussDB requests at start, want 1: %+v", len(reqs), reqs)
	}
}
