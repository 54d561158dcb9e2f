package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRunRefusesForeignEndpoints(t *testing.T) {
	for _, k := range []string{"SLACK_API_URL", "GAUSSDB_ENDPOINT"} {
		var out, errOut bytes.Buffer
		env := map[string]string{k: "https://slack.com/api/", "SANDBOX_ADDR": "127.0.0.1:0"}
		err := run(context.Background(), func(name string) string { return env[name] }, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s set: run = %v, want a refusal naming it", k, err)
		}
		if out.Len() != 0 {
			t.Errorf("%s set: the sandbox printed %q (it should not start)", k, out.String())
		}
	}
}

func TestRunPrintsOneLineWithTheURL(t *testing.T) {
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	env := map[string]string{"SANDBOX_ADDR": "127.0.0.1:0"}
	w := &notifyWriter{ch: make(chan struct{}, 1)}
	go func() { done <- run(ctx, func(name string) string { return env[name] }, w, &errOut) }()
	<-w.ch
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	out.Write(w.buf.Bytes())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "http://127.0.0.1:") || !strings.Contains(lines[0], "never talks to the real Slack or cloud") {
		t.Errorf("output = %q, want one line with the loopback URL saying it never talks to the real Slack or cloud", out.String())
	}
}

// notifyWriter signals its first write.
type notifyWriter struct {
	buf bytes.Buffer
	ch  chan struct{}
}

func (w *notifyWriter) Write(p []byte) (int, error) {
	n, err := w.buf.Write(p)
	select {
	case w.ch <- struct{}{}:
	default:
	}
	return n, err
}
