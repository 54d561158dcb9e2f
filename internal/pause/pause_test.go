package pause

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestFor(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	if err := For(ctx, 30*time.Millisecond); err != nil || time.Since(start) < 30*time.Millisecond {
		t.Errorf("For 30ms: %v after %s", err, time.Since(start))
	}
	cancelled, cancel := context.WithCancel(ctx)
	time.AfterFunc(20*time.Millisecond, cancel)
	start = time.Now()
	if err := For(cancelled, time.Hour); !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Errorf("For an hour, cancelled after 20ms: %v after %s", err, time.Since(start))
	}
	if err := For(cancelled, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("For 0 on an ended context: %v", err)
	}
	if err := For(ctx, -time.Second); err != nil {
		t.Errorf("For a negative time: %v", err)
	}
}
