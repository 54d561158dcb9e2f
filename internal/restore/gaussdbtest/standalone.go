package gaussdbtest

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/dbrestore/db-restore/internal/restore"
)

// NewServer starts a fake on a loopback port outside of a test, for load
// tools. Call Close when done.
func NewServer(o Options) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on loopback: %w", err)
	}
	s := &Server{
		opts:    o.withDefaults(),
		done:    make(chan struct{}),
		windows: make(map[string][]restore.Window),
		jobs:    make(map[string]*job),
		tables:  make(map[string][]Table),
	}
	s.ts = &httptest.Server{Listener: l, Config: &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}}
	s.ts.Start()
	s.URL = s.ts.URL
	return s, nil
}

// Close ends pending scripted delays and stops the server. A second call
// does nothing.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.ts.Close()
	})
}

// withDefaults fills in the zero fields of Options.
func (o Options) withDefaults() Options {
	if o.AK == "" {
		o.AK = "test-ak"
	}
	if o.SK == "" {
		o.SK = "test-sk"
	}
	if o.ProjectID == "" {
		o.ProjectID = "0123456789abcdef0123456789abcdef"
	}
	if o.NotFoundStatus == 0 {
		o.NotFoundStatus = http.StatusNotFound
	}
	if o.MaxSkew == 0 {
		o.MaxSkew = 15 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}
