package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestDrillMetrics(t *testing.T) {
	m := New()
	ended := time.Unix(1796000000, 0)
	m.DrillEnded("orders-weekly", true, ended, 90*time.Second)
	m.DrillEnded("orders-weekly", false, ended.Add(time.Hour), 0) // a failure keeps the last success and recovery
	m.DrillEnded("pitr-daily", false, ended, 30*time.Second)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`db_restore_drill_last_success_timestamp_seconds{drill="orders-weekly"} 1.796e+09`,
		`db_restore_drill_last_recovery_seconds{drill="orders-weekly"} 90`,
		`db_restore_drill_last_passed{drill="orders-weekly"} 0`,
		`db_restore_drill_last_passed{drill="pitr-daily"} 0`,
		`db_restore_drill_last_recovery_seconds{drill="pitr-daily"} 30`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(string(body), `db_restore_drill_last_success_timestamp_seconds{drill="pitr-daily"}`) {
		t.Error("a drill that never passed has a last success time")
	}
	var nilM *Metrics
	nilM.DrillEnded("x", true, ended, time.Second)
}
