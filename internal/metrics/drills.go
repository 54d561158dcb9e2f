package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// drillGauges are the per-drill gauges, registered the first time a drill
// reports.
type drillGauges struct {
	lastSuccess  *prometheus.GaugeVec
	lastRecovery *prometheus.GaugeVec
	lastPassed   *prometheus.GaugeVec
}

func (m *Metrics) drillGauges() *drillGauges {
	m.drillsOnce.Do(func() {
		g := &drillGauges{
			lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
				Name: "db_restore_drill_last_success_timestamp_seconds",
				Help: "When the drill's newest passed run ended (Unix seconds).",
			}, []string{"drill"}),
			lastRecovery: prometheus.NewGaugeVec(prometheus.GaugeOpts{
				Name: "db_restore_drill_last_recovery_seconds",
				Help: "The newest run's recovery time: from the create call to the new instance ACTIVE (longest over its instances).",
			}, []string{"drill"}),
			lastPassed: prometheus.NewGaugeVec(prometheus.GaugeOpts{
				Name: "db_restore_drill_last_passed",
				Help: "1 if the drill's newest run passed, 0 if it failed.",
			}, []string{"drill"}),
		}
		m.registry.MustRegister(g.lastSuccess, g.lastRecovery, g.lastPassed)
		m.drills = g
	})
	return m.drills
}

// DrillEnded records a drill run's end.
func (m *Metrics) DrillEnded(drill string, passed bool, ended time.Time, recovery time.Duration) {
	if m == nil {
		return
	}
	g := m.drillGauges()
	if passed {
		g.lastSuccess.WithLabelValues(drill).Set(float64(ended.Unix()))
		g.lastPassed.WithLabelValues(drill).Set(1)
	} else {
		g.lastPassed.WithLabelValues(drill).Set(0)
	}
	if recovery > 0 {
		g.lastRecovery.WithLabelValues(drill).Set(recovery.Seconds())
	}
}
