package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestMetricsAreServed(t *testing.T) {
	m := New()
	m.Transition("pending")
	m.Decision("approve", "executing")
	m.RestoreCall("submitted")
	m.Ack("slash_commands", 50*time.Microsecond)
	m.APIError("slack", "chat.update")
	m.JobEnded("completed", 10*time.Minute)

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`db_restore_requests_total{state="pending"} 1`,
		`db_restore_decisions_total{decision="approve",result="executing"} 1`,
		`db_restore_restore_calls_total{outcome="submitted"} 1`,
		`db_restore_envelope_ack_seconds_count{type="slash_commands"} 1`,
		`db_restore_api_errors_total{api="slack",method="chat.update"} 1`,
		`db_restore_job_duration_seconds_count{outcome="completed"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestNilMetricsAreSafe(t *testing.T) {
	var m *Metrics
	m.Transition("x")
	m.Decision("a", "b")
	m.RestoreCall("x")
	m.Ack("x", time.Second)
	m.APIError("a", "b")
	m.JobEnded("x", time.Second)
}

func TestNewInstanceMetrics(t *testing.T) {
	m := New()
	m.NewInstanceCreated("created")
	m.NewInstanceCreated("reconciled")
	m.NewInstanceDeleted("expiry")
	m.NewInstancesLive(2)
	var nilM *Metrics
	nilM.NewInstancesLive(1) // safe on nil
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{`db_restore_new_instances_created_total{how="reconciled"} 1`,
		`db_restore_new_instances_deleted_total{why="expiry"} 1`, "db_restore_new_instances_live 2"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
