package redisconn

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"net"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Processor sends one command: a client (single, Sentinel, Cluster) or one
// dedicated connection.
type Processor interface {
	Process(ctx context.Context, cmd redis.Cmder) error
}

// Script is a Lua script that go-redis never sends twice by itself.
//
// go-redis retries a command after a read timeout or a dropped connection
// (MaxRetries, 3 by default): for EVALSHA that re-runs the script when the
// first run executed and only its reply was lost. A script that is not
// idempotent then acts twice, or refuses its own first run's effect (a
// request created twice, an outcome refused as "not executing"). Run sends
// the script exactly once per call (EVALSHA, then EVAL when the server
// lacks it); the caller retries, with the same operation token, when
// Retryable says the reply was lost (see approvals' op tokens).
type Script struct {
	src, sha string
}

// NewScript prepares src.
func NewScript(src string) *Script {
	sum := sha1.Sum([]byte(src))
	return &Script{src: src, sha: hex.EncodeToString(sum[:])}
}

// onceCmd is a go-redis command that go-redis must not retry once sent.
type onceCmd struct{ *redis.Cmd }

// NoRetry tells go-redis not to send the command again after a failure
// that came after it may have been written.
func (onceCmd) NoRetry() bool { return true }

// Run runs the script once through p.
func (s *Script) Run(ctx context.Context, p Processor, keys []string, args ...any) *redis.Cmd {
	cmd := s.send(ctx, p, "evalsha", s.sha, keys, args)
	if err := cmd.Err(); err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		// Not run: the server did not have the script. Send its text.
		cmd = s.send(ctx, p, "eval", s.src, keys, args)
	}
	return cmd
}

func (s *Script) send(ctx context.Context, p Processor, name, script string, keys []string, args []any) *redis.Cmd {
	argv := make([]any, 0, 3+len(keys)+len(args))
	argv = append(argv, name, script, len(keys))
	for _, k := range keys {
		argv = append(argv, k)
	}
	argv = append(argv, args...)
	cmd := redis.NewCmd(ctx, argv...)
	_ = p.Process(ctx, onceCmd{cmd})
	return cmd
}

// Retryable reports whether err may mean the command's reply was lost
// rather than refused: a timeout, a dropped or refused connection. A
// script whose reply was lost may have run; send it again only with the
// same operation token. A reply from Redis (a script error, NOSCRIPT,
// redis.Nil) and a cancelled context are not retryable.
func Retryable(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil || errors.Is(err, redis.Nil) ||
		errors.Is(err, context.Canceled) || errors.Is(err, redis.ErrClosed) {
		return false
	}
	var reply redis.Error
	if errors.As(err, &reply) {
		// A replica answering while a failover completes, or a node
		// waiting for one: the script did not run.
		msg := reply.Error()
		return strings.HasPrefix(msg, "READONLY") || strings.HasPrefix(msg, "LOADING") || isClusterDown(msg)
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) ||
		strings.Contains(err.Error(), "EOF") || strings.Contains(err.Error(), "connection reset")
}
