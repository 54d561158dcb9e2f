package metrics

import "github.com/prometheus/client_golang/prometheus"

// instanceMetrics count the instances restores to a new instance create.
type instanceMetrics struct {
	created *prometheus.CounterVec
	deleted *prometheus.CounterVec
	live    prometheus.Gauge
}

func (m *Metrics) instances() *instanceMetrics {
	m.instOnce.Do(func() {
		m.inst = &instanceMetrics{
			created: counterVec("db_restore_new_instances_created_total",
				"Instances created for restores to a new instance, by how the create call ended (created, reconciled).", "how"),
			deleted: counterVec("db_restore_new_instances_deleted_total",
				"Instances the bot deleted, by why (expiry, asked).", "why"),
			live: prometheus.NewGauge(prometheus.GaugeOpts{
				Name: "db_restore_new_instances_live",
				Help: "Instances the bot created that are alive (or being created or deleted) now.",
			}),
		}
		m.registry.MustRegister(m.inst.created, m.inst.deleted, m.inst.live)
	})
	return m.inst
}

// NewInstanceCreated counts a created instance (how: created, reconciled).
func (m *Metrics) NewInstanceCreated(how string) {
	if m != nil {
		m.instances().created.WithLabelValues(how).Inc()
	}
}

// NewInstanceDeleted counts a deletion (why: expiry, asked).
func (m *Metrics) NewInstanceDeleted(why string) {
	if m != nil {
		m.instances().deleted.WithLabelValues(why).Inc()
	}
}

// NewInstancesLive sets how many created instances are alive.
func (m *Metrics) NewInstancesLive(n int) {
	if m != nil {
		m.instances().live.Set(float64(n))
	}
}
