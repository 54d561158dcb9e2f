package redistopo

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster is a Redis Cluster of three primaries, each with one replica.
// Primaries[i] owns a third of the slots; Replicas[i] replicates it.
type Cluster struct {
	Primaries, Replicas []*Server
	ids                 map[*Server]string
}

// StartCluster starts six cluster-enabled servers, gives each primary a
// third of the 16384 slots (CLUSTER ADDSLOTSRANGE), joins them (CLUSTER
// MEET), attaches the replicas (CLUSTER REPLICATE) and waits until the
// cluster is ok everywhere with every replica in sync. A node is judged
// failed after 1 s (cluster-node-timeout), so a failover takes seconds.
func StartCluster(tb testing.TB) *Cluster {
	tb.Helper()
	conf := []string{"cluster-enabled yes", "cluster-config-file nodes.conf",
		"cluster-node-timeout 1000", "cluster-replica-validity-factor 0"}
	c := &Cluster{ids: map[*Server]string{}}
	all := make([]*Server, 0, 6)
	for range 3 {
		c.Primaries = append(c.Primaries, Start(tb, false, conf...))
	}
	for range 3 {
		c.Replicas = append(c.Replicas, Start(tb, false, conf...))
	}
	all = append(append(all, c.Primaries...), c.Replicas...)
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
			if n := strings.Count(strings.TrimSpace(s.Do(tb, "CLUSTER", "NODES").(string)), "\n") + 1; n != 6 {
				return false
			}
		}
		return true
	})
	for i, r := range c.Replicas {
		r.Do(tb, "CLUSTER", "REPLICATE", c.ids[c.Primaries[i]])
	}
	Eventually(tb, 30*time.Second, "the cluster ok with every replica in sync", func() bool {
		for _, s := range all {
			if !strings.Contains(s.Do(tb, "CLUSTER", "INFO").(string), "cluster_state:ok") {
				return false
			}
		}
		for _, p := range c.Primaries {
			if replicasOnline(p) != 1 {
				return false
			}
		}
		return true
	})
	return c
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

// Failover kills primary i and waits until its replica is promoted and
// every live node sees the cluster ok; it returns when that was seen.
func (c *Cluster) Failover(tb testing.TB, i int) time.Time {
	tb.Helper()
	c.Primaries[i].Kill()
	r := c.Replicas[i]
	Eventually(tb, 30*time.Second, fmt.Sprintf("replica %s promoted", r.Addr), func() bool { return IsPrimary(r) })
	promoted := time.Now()
	Eventually(tb, 30*time.Second, "the cluster ok again", func() bool {
		for j, s := range append(append([]*Server(nil), c.Primaries...), c.Replicas...) {
			if j == i {
				continue
			}
			cl := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			info, err := cl.ClusterInfo(ctx).Result()
			cancel()
			_ = cl.Close()
			if err != nil || !strings.Contains(info, "cluster_state:ok") {
				return false
			}
		}
		return true
	})
	return promoted
}
