package redistest

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/dbrestore/db-restore/internal/redisconn"
)

func TestNew(t *testing.T) {
	ctx := context.Background()
	c, prefix := New(t)
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("ping: %v", err)
	}
	if !regexp.MustCompile(`^\{t-[0-9a-f]{12}\}:$`).MatchString(prefix) {
		t.Errorf("prefix = %q, want {t-<12 hex>}:", prefix)
	}
	_, other := New(t)
	if other == prefix {
		t.Errorf("two calls returned the same prefix %q", prefix)
	}
}

func TestCleanupDeletesOnlyThePrefix(t *testing.T) {
	ctx := context.Background()
	m := startMiniredis(t)
	outer := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { _ = outer.Close() })
	if err := outer.Set(ctx, "{keep}:x", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}

	var prefix string
	t.Run("inner", func(t *testing.T) {
		c := redis.NewClient(&redis.Options{Addr: m.Addr()})
		prefix = register(t, c)
		for i := range 1200 { // more than one SCAN and UNLINK batch
			if err := c.Set(ctx, fmt.Sprintf("%sk%d", prefix, i), "v", 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
	})

	left, err := outer.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("%d keys left under %q after the test, want 0", len(left), prefix)
	}
	if n, err := outer.Exists(ctx, "{keep}:x").Result(); err != nil || n != 1 {
		t.Errorf("key outside the prefix: exists = %d, %v; want 1", n, err)
	}
}

func TestServer(t *testing.T) {
	url := Server(t)
	opts, err := redisconn.ParseURL(url)
	if err != nil {
		t.Fatalf("Server returned %q: %v", redisconn.Redact(url), err)
	}
	c := opts.NewClient()
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("ping %s: %v", redisconn.Redact(url), err)
	}
}

func TestMiniredisRunsScripts(t *testing.T) {
	c, prefix := Miniredis(t)
	got, err := c.Eval(context.Background(), "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('GET', KEYS[1])",
		[]string{prefix + "k"}, "v").Text()
	if err != nil || got != "v" {
		t.Fatalf("eval = %q, %v; want \"v\"", got, err)
	}
}
