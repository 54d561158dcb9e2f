package redisconn_test

import (
	"context"
	"testing"

	"github.com/dbrestore/db-restore/internal/redisconn"
	"github.com/dbrestore/db-restore/internal/redistest"
)

// TestReadPersistence: a server without the append-only file, or with it
// fsynced every second, cannot promise an acknowledged write survives a
// crash (unless it has WAITAOF, Redis 7.2+); appendfsync always can.
func TestReadPersistence(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		conf  []string
		aof   bool
		fsync string
	}{
		{"no append-only file", nil, false, "everysec"},
		{"append-only, fsync every second", []string{"appendonly yes", "appendfsync everysec"}, true, "everysec"},
		{"append-only, fsync always", []string{"appendonly yes", "appendfsync always"}, true, "always"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := redistest.Start(t, false, tt.conf...)
			p, err := redisconn.ReadPersistence(ctx, srv.Client(t))
			if err != nil {
				t.Fatal(err)
			}
			if p.AOF != tt.aof || p.Fsync != tt.fsync {
				t.Fatalf("ReadPersistence = %+v; want AOF %v, appendfsync %s", p, tt.aof, tt.fsync)
			}
			want := tt.aof && (tt.fsync == "always" || p.WaitAOF)
			if p.Durable() != want {
				t.Errorf("%s: Durable() = %v, want %v", p, p.Durable(), want)
			}
		})
	}
}

func TestAtLeast(t *testing.T) {
	for _, tt := range []struct {
		v    string
		want bool
	}{{"7.0.15", false}, {"7.2.0", true}, {"7.4.1", true}, {"8.0.0", true}, {"6.2.14", false}, {"", false}, {"x.y", false}} {
		if got := redisconn.AtLeast(tt.v, 7, 2); got != tt.want {
			t.Errorf("atLeast(%q, 7.2) = %v, want %v", tt.v, got, tt.want)
		}
	}
}
