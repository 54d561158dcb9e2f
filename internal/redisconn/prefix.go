package redisconn

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// DeletePrefix deletes every key that starts with prefix, using SCAN (on
// every primary of a cluster), never KEYS. The prefix must not contain
// glob characters (* ? [ \).
func DeletePrefix(ctx context.Context, c redis.UniversalClient, prefix string) error {
	del := func(ctx context.Context, node redis.UniversalClient) error {
		iter := node.Scan(ctx, 0, prefix+"*", 500).Iterator()
		var batch []string
		for iter.Next(ctx) {
			batch = append(batch, iter.Val())
			if len(batch) == 500 {
				if err := node.Unlink(ctx, batch...).Err(); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		if err := iter.Err(); err != nil {
			return err
		}
		if len(batch) > 0 {
			return node.Unlink(ctx, batch...).Err()
		}
		return nil
	}
	if cc, ok := c.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			return del(ctx, node)
		})
	}
	return del(ctx, c)
}
