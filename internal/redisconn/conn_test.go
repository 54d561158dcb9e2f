package redisconn_test

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/redisconn"
	"github.com/dbrestore/db-restore/internal/redistest"
)

func TestOpenEmbedded(t *testing.T) {
	var logs bytes.Buffer
	ctx := context.Background()
	c, err := redisconn.Open(ctx, "", zerolog.New(&logs))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !c.Embedded {
		t.Errorf("Embedded = false, want true")
	}
	if err := c.Client.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("set: %v", err)
	}
	if got := logs.String(); !strings.Contains(got, `"level":"warn"`) || !strings.Contains(got, "pending requests are lost on restart") {
		t.Errorf("log = %s, want a warning about the embedded store", got)
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := c.Client.Ping(ctx).Err(); err == nil {
		t.Errorf("ping after Close succeeded")
	}
}

func TestOpenServer(t *testing.T) {
	ctx := context.Background()
	c, err := redisconn.Open(ctx, redistest.Server(t), zerolog.Nop())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if c.Embedded {
		t.Errorf("Embedded = true, want false")
	}
	if err := c.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestOpenFails(t *testing.T) {
	// A port that was just free: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	_ = l.Close()

	tests := []struct {
		name, url, wantErr string
	}{
		{"nothing listening", "redis://:hunter2@" + dead + "/0?dial_timeout=1s&max_retries=-1", "does not answer"},
		{"invalid url", "redis://:hunter2@h:0/0", "invalid port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := redisconn.Open(context.Background(), tt.url, zerolog.Nop())
			if err == nil {
				t.Fatalf("Open(%s) = nil error, want %q", tt.url, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("Open error = %q, want it to contain %q and not the password", err, tt.wantErr)
			}
		})
	}
}
