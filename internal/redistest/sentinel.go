package redistest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelName is the name Sentinel monitors the primary under.
const SentinelName = "dbrestore"

// Sentinel is a primary, its replicas, each replicating through a Proxy,
// and one Sentinel that promotes a replica half a second after the primary
// stops answering.
type Sentinel struct {
	Primary  *Node
	Replicas []*Node
	// Proxies[i] carries replication from Primary to Replicas[i]: Hold
	// makes that replica lag.
	Proxies  []*Proxy
	Sentinel *Node

	// Replica and Proxy are Replicas[0] and Proxies[0].
	Replica *Node
	Proxy   *Proxy

	// Promoted is the replica Failover saw promoted.
	Promoted *Node
}

// StartSentinel starts a primary with one replica under Sentinel and waits
// until the replica is in sync and the Sentinel knows it.
func StartSentinel(tb testing.TB) *Sentinel {
	tb.Helper()
	return StartSentinelReplicas(tb, 1)
}

// StartSentinelReplicas is StartSentinel with n replicas.
func StartSentinelReplicas(tb testing.TB, n int) *Sentinel {
	tb.Helper()
	d := &Sentinel{Primary: Start(tb, false)}
	for range n {
		p := NewProxy(tb, d.Primary.Addr)
		_, proxyPort := splitAddr(p.Addr)
		d.Proxies = append(d.Proxies, p)
		d.Replicas = append(d.Replicas, Start(tb, false, "replicaof 127.0.0.1 "+proxyPort))
	}
	d.Replica, d.Proxy = d.Replicas[0], d.Proxies[0]
	d.Sentinel = Start(tb, true,
		"sentinel monitor "+SentinelName+" 127.0.0.1 "+strconv.Itoa(d.Primary.Port)+" 1",
		"sentinel down-after-milliseconds "+SentinelName+" 500",
		"sentinel failover-timeout "+SentinelName+" 5000",
		"sentinel parallel-syncs "+SentinelName+" "+strconv.Itoa(n))
	Eventually(tb, 10*time.Second, "the replicas in sync", func() bool { return replicasOnline(d.Primary) == n })
	sc := redis.NewSentinelClient(&redis.Options{Addr: d.Sentinel.Addr})
	defer sc.Close()
	Eventually(tb, 10*time.Second, "the Sentinel to know the replicas", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		rs, err := sc.Replicas(ctx, SentinelName).Result()
		return err == nil && len(rs) == n
	})
	return d
}

// URL is the REDIS_URL of the deployment.
func (d *Sentinel) URL() string {
	return "redis+sentinel://" + d.Sentinel.Addr + "/" + SentinelName
}

// Failover kills the primary (SIGKILL by PID) and waits until a replica is
// promoted; it returns when the promotion was seen (the replica answers
// ROLE as master and the Sentinel names it) and records it in Promoted.
func (d *Sentinel) Failover(tb testing.TB) time.Time {
	tb.Helper()
	d.Primary.Kill()
	sc := redis.NewSentinelClient(&redis.Options{Addr: d.Sentinel.Addr})
	defer sc.Close()
	Eventually(tb, 20*time.Second, "a replica promoted", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		addr, err := sc.GetMasterAddrByName(ctx, SentinelName).Result()
		if err != nil || len(addr) != 2 {
			return false
		}
		for _, r := range d.Replicas {
			if addr[1] == strconv.Itoa(r.Port) && IsPrimary(r) {
				d.Promoted = r
				return true
			}
		}
		return false
	})
	return time.Now()
}

// WaitReplicas waits until s, a primary, reports n replicas online.
func WaitReplicas(tb testing.TB, s *Node, n int, limit time.Duration) {
	tb.Helper()
	Eventually(tb, limit, fmt.Sprintf("%d replicas online on %s", n, s.Addr), func() bool { return replicasOnline(s) == n })
}

func splitAddr(addr string) (string, string) {
	i := strings.LastIndex(addr, ":")
	return addr[:i], addr[i+1:]
}
