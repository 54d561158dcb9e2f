package metrics

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	return string(body)
}

func TestDrillMetricsReadAtScrape(t *testing.T) {
	m := New()
	samples := []DrillSample{
		{Drill: "orders-weekly", LastSuccess: time.Unix(1796000000, 0), LastRecovery: 90 * time.Second, Ran: true, LastPassed: false},
		{Drill: "pitr-daily", LastRecovery: 30 * time.Second, Ran: true, LastPassed: true},
		{Drill: "new-one"},
	}
	var fail error
	m.RegisterDrills(func(context.Context) ([]DrillSample, error) { return samples, fail })
	body := scrape(t, m)
	for _, want := range []string{
		`db_restore_drill_last_success_timestamp_seconds{drill="orders-weekly"} 1.796e+09`,
		`db_restore_drill_last_recovery_seconds{drill="orders-weekly"} 90`,
		`db_restore_drill_last_passed{drill="orders-weekly"} 0`,
		`db_restore_drill_last_passed{drill="pitr-daily"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	for _, not := range []string{`db_restore_drill_last_success_timestamp_seconds{drill="pitr-daily"}`, `drill="new-one"`} {
		if strings.Contains(body, not) {
			t.Errorf("metrics have %q", not)
		}
	}
	samples[1].LastPassed = false // read afresh at each scrape
	if body := scrape(t, m); !strings.Contains(body, `db_restore_drill_last_passed{drill="pitr-daily"} 0`) {
		t.Error("the second scrape did not read the drills again")
	}
	fail = errors.New("redis down")
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 500 {
		t.Errorf("a scrape whose drills cannot be read answered %d, want 500 (promhttp's default for a collector error)", rec.Code)
	}
	var nilM *Metrics
	nilM.RegisterDrills(nil)
}
