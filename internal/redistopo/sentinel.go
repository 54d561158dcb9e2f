package redistopo

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelName is the name Sentinel monitors the primary under.
const SentinelName = "dbrestore"

// Sentinel is a primary, one replica replicating through a Proxy, and one
// Sentinel that promotes the replica a second after the primary dies.
type Sentinel struct {
	Primary, Replica *Server
	Sentinel         *Server
	// Proxy carries replication from Primary to Replica: Hold makes the
	// replica lag.
	Proxy *Proxy
}

// StartSentinel starts the deployment and waits until the replica is in
// sync and the Sentinel knows it.
func StartSentinel(tb testing.TB) *Sentinel {
	tb.Helper()
	d := &Sentinel{}
	d.Primary = Start(tb, false)
	d.Proxy = NewProxy(tb, d.Primary.Addr)
	_, proxyPort := splitAddr(d.Proxy.Addr)
	d.Replica = Start(tb, false, "replicaof 127.0.0.1 "+proxyPort)
	d.Sentinel = Start(tb, true,
		"sentinel monitor "+SentinelName+" 127.0.0.1 "+strconv.Itoa(d.Primary.Port)+" 1",
		"sentinel down-after-milliseconds "+SentinelName+" 500",
		"sentinel failover-timeout "+SentinelName+" 5000",
		"sentinel parallel-syncs "+SentinelName+" 1")
	Eventually(tb, 10*time.Second, "the replica in sync", func() bool { return replicasOnline(d.Primary) == 1 })
	sc := redis.NewSentinelClient(&redis.Options{Addr: d.Sentinel.Addr})
	defer sc.Close()
	Eventually(tb, 10*time.Second, "the Sentinel to know the replica", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		rs, err := sc.Replicas(ctx, SentinelName).Result()
		return err == nil && len(rs) == 1
	})
	return d
}

// URL is the REDIS_URL of the deployment.
func (d *Sentinel) URL() string {
	return "redis+sentinel://" + d.Sentinel.Addr + "/" + SentinelName
}

// Failover kills the primary and waits until the replica is promoted; it
// returns when the promotion was seen (the replica answers ROLE as master
// and the Sentinel names it).
func (d *Sentinel) Failover(tb testing.TB) time.Time {
	tb.Helper()
	d.Primary.Kill()
	sc := redis.NewSentinelClient(&redis.Options{Addr: d.Sentinel.Addr})
	defer sc.Close()
	Eventually(tb, 20*time.Second, "the replica promoted", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		addr, err := sc.GetMasterAddrByName(ctx, SentinelName).Result()
		return err == nil && len(addr) == 2 && addr[1] == strconv.Itoa(d.Replica.Port) && IsPrimary(d.Replica)
	})
	return time.Now()
}

// IsPrimary reports whether s answers ROLE as a primary.
func IsPrimary(s *Server) bool {
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	v, err := c.Do(ctx, "ROLE").Slice()
	return err == nil && len(v) > 0 && v[0] == "master"
}

// replicasOnline counts the replicas s reports online, or -1.
func replicasOnline(s *Server) int {
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	info, err := c.Info(ctx, "replication").Result()
	if err != nil {
		return -1
	}
	n := 0
	for _, line := range strings.Split(info, "\n") {
		if strings.HasPrefix(line, "slave") && strings.Contains(line, "state=online") {
			n++
		}
	}
	return n
}

func splitAddr(addr string) (string, string) {
	i := strings.LastIndex(addr, ":")
	return addr[:i], addr[i+1:]
}
