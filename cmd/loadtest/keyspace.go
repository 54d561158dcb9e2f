package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dbrestore/db-restore/internal/redisconn"
)

// keyspace is this run's corner of Redis: a fresh key prefix, whose keys
// are deleted when the run ends.
type keyspace struct {
	client redis.UniversalClient
	prefix string
}

// openKeyspace checks that Redis answers and picks a prefix no other run
// uses, with the one {hash tag} the bot requires.
func openKeyspace(ctx context.Context, rawURL string) (*keyspace, error) {
	o, err := redisconn.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("-redis %s: %w", redisconn.Redact(rawURL), err)
	}
	c := o.NewClient()
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("redis at %s does not answer (start redis-server or pass -redis): %w", redisconn.Redact(rawURL), err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b) // never fails on supported platforms
	return &keyspace{client: c, prefix: "{loadtest-" + hex.EncodeToString(b) + "}:"}, nil
}

// close deletes every key under the prefix (SCAN, never KEYS) and closes
// the client.
func (k *keyspace) close(ctx context.Context) error {
	defer k.client.Close()
	err := redisconn.DeletePrefix(ctx, k.client, k.prefix)
	if err != nil {
		return fmt.Errorf("delete keys under %s: %w", k.prefix, err)
	}
	return nil
}
