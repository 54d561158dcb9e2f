package botrun

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/dbrestore/db-restore/internal/metrics"
	"github.com/dbrestore/db-restore/internal/redisconn"
	"github.com/dbrestore/db-restore/internal/slackapp"
)

// newHealthServer serves /healthz (the process is alive), /readyz (Socket
// Mode is connected, Redis answers and this replica's policy is the one in
// force) and /metrics (Prometheus).
func newHealthServer(app *slackapp.App, conn *redisconn.Conn, m *metrics.Metrics) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		var problems []string
		if !app.Connected() {
			problems = append(problems, "slack: not connected")
		}
		if err := conn.Ping(ctx); err != nil {
			problems = append(problems, "redis: "+err.Error())
		}
		if p := app.PolicyProblem(); p != "" {
			problems = append(problems, "policy: "+p)
		}
		if len(problems) > 0 {
			http.Error(w, strings.Join(problems, "\n"), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	return &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
}

// healthcheck is the `healthcheck` subcommand, for container runtimes whose
// image has no curl: it asks the running bot's /healthz.
func healthcheck(ctx context.Context, getenv func(string) string) error {
	addr := getenv("HEALTH_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s", resp.Status)
	}
	return nil
}
