package redisconn

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// pingTimeout bounds the start-up check, so a wrong address fails fast
// instead of hanging the bot.
const pingTimeout = 5 * time.Second

// Conn is an open Redis connection: the client, and the embedded server
// behind it when there is no REDIS_URL.
type Conn struct {
	// Client is the go-redis client for every Redis call.
	Client redis.UniversalClient
	// Embedded is true when Client talks to an in-process store whose
	// contents are lost when the process ends.
	Embedded bool
	// Mode says which kind of deployment Client talks to.
	Mode Mode
	// Addr names the server for logs: the URL with its password masked,
	// or the embedded store's loopback address.
	Addr string

	mini *miniredis.Miniredis
}

// Open connects to the Redis that rawURL names (see ParseURL for the
// accepted forms) and checks that it answers; it fails with a clear error
// when it does not, so that a wrong REDIS_URL stops the bot at start-up.
// An empty rawURL starts an embedded in-memory store on a loopback port
// instead, with a warning: everything in it is lost on restart and it
// cannot be shared by several replicas.
func Open(ctx context.Context, rawURL string, log zerolog.Logger) (*Conn, error) {
	if rawURL == "" {
		return openEmbedded(ctx, log)
	}
	opts, err := ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis url %s: %w", Redact(rawURL), err)
	}
	c := &Conn{Client: opts.NewClient(), Mode: opts.Mode, Addr: Redact(rawURL)}
	if err := c.Ping(ctx); err != nil {
		_ = c.Client.Close()
		return nil, fmt.Errorf("redis at %s does not answer: %w", c.Addr, err)
	}
	log.Info().Str("redis_url", c.Addr).Str("redis_mode", string(c.Mode)).Msg("Connected to Redis.")
	return c, nil
}

func openEmbedded(ctx context.Context, log zerolog.Logger) (*Conn, error) {
	m := miniredis.NewMiniRedis()
	// Let key TTLs (the restore lease) run on the wall clock, as in Redis.
	m.ClockTTL(true)
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("start embedded redis: %w", err)
	}
	c := &Conn{
		Client:   redis.NewClient(&redis.Options{Addr: m.Addr()}),
		Embedded: true,
		Mode:     ModeSingle,
		Addr:     m.Addr(),
		mini:     m,
	}
	if err := c.Ping(ctx); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("embedded redis does not answer: %w", err)
	}
	log.Warn().Str("redis_addr", c.Addr).
		Msg("no REDIS_URL: using an embedded in-memory store; pending requests are lost on restart")
	return c, nil
}

// Ping makes one round trip to Redis, bounded by a short timeout; use it
// for readiness checks.
func (c *Conn) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if err := c.Client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}

// Close closes the client and stops the embedded store, if any.
func (c *Conn) Close() error {
	err := c.Client.Close()
	if c.mini != nil {
		c.mini.Close()
	}
	if err != nil && !errors.Is(err, redis.ErrClosed) {
		return fmt.Errorf("close redis client: %w", err)
	}
	return nil
}
