package redistest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Cluster is a Redis Cluster of three primaries, each with its replicas.
// Primaries[i] owns a third of the slots; ReplicasOf[i] replicate it.
type Cluster struct {
	Primaries []*Node
	// ReplicasOf[i] are the replicas of Primaries[i].
	ReplicasOf [][]*Node
	// Replicas are the first replica of each primary as started:
	// Replicas[i] replicates Primaries[i] until a Failover.
	Replicas []*Node
	ids      map[*Node]string
}

// clusterConf judges a node failed after 1 s (cluster-node-timeout), so a
// failover takes seconds, and lets any replica be promoted however long it
// was cut off.
var clusterConf = []string{"cluster-enabled yes", "cluster-config-file nodes.conf",
	"cluster-node-timeout 1000", "cluster-replica-validity-factor 0"}

// StartCluster starts a Cluster of three primaries with one replica each.
func StartCluster(tb testing.TB) *Cluster {
	tb.Helper()
	return StartClusterReplicas(tb, 1)
}

// StartClusterReplicas starts three primaries and n replicas of each,
// gives each primary a third of the 16384 slots (CLUSTER ADDSLOTSRANGE),
// joins them (CLUSTER MEET), attaches the replicas (CLUSTER REPLICATE) and
// waits until the cluster is ok everywhere with every replica in sync.
func StartClusterReplicas(tb testing.TB, n int) *Cluster {
	tb.Helper()
	c := &Cluster{ids: map[*Node]string{}, ReplicasOf: make([][]*Node, 3)}
	for range 3 {
		c.Primaries = append(c.Primaries, Start(tb, false, clusterConf...))
	}
	for i := range 3 {
		for range n {
			c.ReplicasOf[i] = append(c.ReplicasOf[i], Start(tb, false, clusterConf...))
		}
		c.Replicas = append(c.Replicas, c.ReplicasOf[i][0])
	}
	all := c.nodes()
	for _, s := range all {
		c.ids[s] = s.Do(tb, "CLUSTER", "MYID").(string)
	}
	for i, p := range c.Primaries {
		lo, hi := i*16384/3, (i+1)*16384/3-1
		p.Do(tb, "CLUSTER", "ADDSLOTSRANGE", lo, hi)
	}
	for _, s := range all[1:] {
		all[0].Do(tb, "CLUSTER", "MEET", "127.0.0.1", s.Port)
	}
	Eventually(tb, 20*time.Second, "every node to know the others", func() bool {
		for _, s := range all {
			if n := strings.Count(strings.TrimSpace(s.Do(tb, "CLUSTER", "NODES").(string)), "\n") + 1; n != len(all) {
				return false
			}
		}
		return true
	})
	for i, rs := range c.ReplicasOf {
		for _, r := range rs {
			r.Do(tb, "CLUSTER", "REPLICATE", c.ids[c.Primaries[i]])
		}
	}
	Eventually(tb, 30*time.Second, "the cluster ok with every replica in sync", func() bool {
		return c.allOK() && c.replicasInSync(n)
	})
	return c
}

// nodes are every live node: primaries, then replicas.
func (c *Cluster) nodes() []*Node {
	all := append([]*Node(nil), c.Primaries...)
	for _, rs := range c.ReplicasOf {
		all = append(all, rs...)
	}
	return all
}

func (c *Cluster) replicasInSync(n int) bool {
	for _, p := range c.Primaries {
		if replicasOnline(p) != n {
			return false
		}
	}
	return true
}

// allOK reports whether every live node says cluster_state:ok.
func (c *Cluster) allOK() bool {
	for _, s := range c.nodes() {
		info, err := s.try(time.Second, "CLUSTER", "INFO")
		if text, _ := info.(string); err != nil || !strings.Contains(text, "cluster_state:ok") {
			return false
		}
	}
	return true
}

// URL is the REDIS_URL of the cluster, naming every primary.
func (c *Cluster) URL() string {
	addrs := make([]string, len(c.Primaries))
	for i, p := range c.Primaries {
		addrs[i] = p.Addr
	}
	return "redis+cluster://" + strings.Join(addrs, ",")
}

// Owner returns the index of the primary that owns key's slot.
func (c *Cluster) Owner(tb testing.TB, key string) int {
	tb.Helper()
	slot := c.Primaries[0].Do(tb, "CLUSTER", "KEYSLOT", key).(int64)
	return int(slot) * 3 / 16384
}

// Failover kills primary i (SIGKILL by PID) and waits until one of its
// replicas is promoted and every live node sees the cluster ok; it returns
// when the promotion was seen. Afterwards Primaries[i] is the promoted
// replica and ReplicasOf[i] the others.
func (c *Cluster) Failover(tb testing.TB, i int) time.Time {
	tb.Helper()
	c.Primaries[i].Kill()
	var promoted *Node
	Eventually(tb, 30*time.Second, fmt.Sprintf("a replica of %s promoted", c.Primaries[i].Addr), func() bool {
		for _, r := range c.ReplicasOf[i] {
			if IsPrimary(r) {
				promoted = r
				return true
			}
		}
		return false
	})
	at := time.Now()
	c.Primaries[i] = promoted
	var rest []*Node
	for _, r := range c.ReplicasOf[i] {
		if r != promoted {
			rest = append(rest, r)
		}
	}
	c.ReplicasOf[i] = rest
	Eventually(tb, 30*time.Second, "the cluster ok again", c.allOK)
	return at
}
