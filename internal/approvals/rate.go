package approvals

import (
	"context"
	"fmt"
	"time"
)

// TakeRate counts one use of a rate shared by every replica over this
// store's Redis (e.g. Slack's views.publish budget): at most limit uses in
// any window, on Redis's clock. It returns 0 when the use is counted, else
// how long to wait before one would be.
func (s *Store) TakeRate(ctx context.Context, name string, limit int, window time.Duration) (time.Duration, error) {
	ms, err := s.sc.rate.Run(ctx, s.rdb, []string{s.prefix + "rate:" + name},
		limit, window.Milliseconds(), randomToken()).Int64()
	if err != nil {
		return 0, fmt.Errorf("take rate %s: %w", name, err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}
