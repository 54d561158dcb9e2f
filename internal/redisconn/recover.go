package redisconn

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultClusterReload is how often a Cluster client re-reads the slot map
// while it is used (go-redis's own default is 60 s, which after a failover
// left every click refused for about a minute). Set another with the URL
// option cluster_state_reload_interval.
const DefaultClusterReload = time.Second

// reloadOnError re-reads a Cluster's slot map as soon as a command fails
// for a reason other than Redis answering (a refused or reset connection,
// a timeout): that is how a dead primary shows, and its replica may by now
// own its slots. go-redis reloads by itself only on MOVED, ASK and
// READONLY replies, which a dead node never sends.
type reloadOnError struct{ c *redis.ClusterClient }

func (h reloadOnError) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := next(ctx, network, addr)
		if err != nil {
			h.c.ReloadState(context.WithoutCancel(ctx))
		}
		return conn, err
	}
}

func (h reloadOnError) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if connectionError(err) {
			h.c.ReloadState(context.WithoutCancel(ctx))
		}
		return err
	}
}

func (h reloadOnError) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		if connectionError(err) {
			h.c.ReloadState(context.WithoutCancel(ctx))
		}
		return err
	}
}

// connectionError reports whether err is a failure to talk to a node
// rather than a Redis reply (redis.Nil, a script's error, ...).
func connectionError(err error) bool {
	if err == nil || errors.Is(err, redis.Nil) || errors.Is(err, context.Canceled) {
		return false
	}
	var reply redis.Error
	if errors.As(err, &reply) {
		return isClusterDown(reply.Error())
	}
	return true
}

// isClusterDown: a node that answers CLUSTERDOWN (or TRYAGAIN) is waiting
// for a failover to finish; a fresh map may name the new owner.
func isClusterDown(msg string) bool {
	for _, p := range []string{"CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN"} {
		if len(msg) >= len(p) && msg[:len(p)] == p {
			return true
		}
	}
	return false
}

func newClusterClient(o *redis.ClusterOptions) *redis.ClusterClient {
	c := redis.NewClusterClient(o)
	c.AddHook(reloadOnError{c})
	return c
}
