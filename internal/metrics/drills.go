package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DrillSample is one drill's state as /metrics reports it.
type DrillSample struct {
	Drill        string
	LastSuccess  time.Time     // zero: never passed
	LastRecovery time.Duration // zero: no recovery time yet
	Ran          bool          // it has ended a run
	LastPassed   bool          // the newest run passed
}

// DrillSource reads every drill's state (from Redis, so every replica and a
// restarted one report the same).
type DrillSource func(ctx context.Context) ([]DrillSample, error)

// drillCollector reads the drills at each scrape.
type drillCollector struct {
	source                             DrillSource
	lastSuccess, lastRecovery, lastRun *prometheus.Desc
}

// RegisterDrills makes /metrics report, per drill,
// db_restore_drill_last_success_timestamp_seconds,
// db_restore_drill_last_recovery_seconds and db_restore_drill_last_passed,
// read through source at each scrape. Call it once.
func (m *Metrics) RegisterDrills(source DrillSource) {
	if m == nil {
		return
	}
	m.registry.MustRegister(&drillCollector{
		source: source,
		lastSuccess: prometheus.NewDesc("db_restore_drill_last_success_timestamp_seconds",
			"When the drill's newest passed run ended (Unix seconds).", []string{"drill"}, nil),
		lastRecovery: prometheus.NewDesc("db_restore_drill_last_recovery_seconds",
			"The newest recovery time of the drill: from the create call to the new instance ACTIVE.", []string{"drill"}, nil),
		lastRun: prometheus.NewDesc("db_restore_drill_last_passed",
			"1 if the drill's newest run passed, 0 if it failed.", []string{"drill"}, nil),
	})
}

func (c *drillCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.lastSuccess
	ch <- c.lastRecovery
	ch <- c.lastRun
}

func (c *drillCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	samples, err := c.source(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.lastRun, err)
		return
	}
	for _, s := range samples {
		if !s.LastSuccess.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.lastSuccess, prometheus.GaugeValue, float64(s.LastSuccess.Unix()), s.Drill)
		}
		if s.LastRecovery > 0 {
			ch <- prometheus.MustNewConstMetric(c.lastRecovery, prometheus.GaugeValue, s.LastRecovery.Seconds(), s.Drill)
		}
		if s.Ran {
			v := 0.0
			if s.LastPassed {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(c.lastRun, prometheus.GaugeValue, v, s.Drill)
		}
	}
}
