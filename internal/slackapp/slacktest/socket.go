package slacktest

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

const (
	maxConnections = 10              // Socket Mode connections per app
	maxAckFrame    = 20 * 1024       // Slack drops ack frames of 20 KB or more
	writeTimeout   = 5 * time.Second // for frames the fake writes
	closeGrace     = 2 * time.Second // how long a disconnected client may take to hang up
	readLimit      = 1 << 20         // so oversized acks are seen and reported, not cut
	approxConnTime = 18060           // seconds, as Slack announces in hello
)

// socketState is the Socket Mode half of the fake, guarded by Server.mu.
type socketState struct {
	tickets   map[string]bool
	openCalls int
	reject    string           // when set, new connections get a disconnect with this reason
	refuse    string           // when set, apps.connections.open answers this error
	conns     []*wsConn        // ready to receive envelopes, in connection order
	live      map[*wsConn]bool // every open websocket, ready or not
	rr        int              // round robin position
	connSeq   int
	pending   map[string]*pending
	acked     map[string]bool
	acks      []Ack
}

func newSocketState() socketState {
	return socketState{
		tickets: map[string]bool{}, live: map[*wsConn]bool{},
		pending: map[string]*pending{}, acked: map[string]bool{},
	}
}

func (st *socketState) allConnsLocked() []*wsConn {
	out := make([]*wsConn, 0, len(st.live))
	for c := range st.live {
		out = append(out, c)
	}
	return out
}

// wsConn is one Socket Mode websocket.
type wsConn struct {
	id   int
	ws   *websocket.Conn
	wmu  sync.Mutex // gorilla allows one writer at a time
	done chan struct{}
}

func (c *wsConn) write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.writeRaw(b, nil)
}

// writeRaw writes one text frame. before, if set, runs just before the write
// while holding the write lock: the moment the frame goes out.
func (c *wsConn) writeRaw(b []byte, before func()) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if before != nil {
		before()
	}
	_ = c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// OpenCalls counts apps.connections.open calls, failed ones included.
func (s *Server) OpenCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sock.openCalls
}

// Connections counts the Socket Mode connections that receive envelopes.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sock.conns)
}

// WaitConnected waits until at least n connections receive envelopes.
func (s *Server) WaitConnected(ctx context.Context, n int) error {
	return s.WaitFor(ctx, func() bool { return s.Connections() >= n })
}

// RejectConnections makes every new connection get a disconnect frame with
// reason right after it opens (e.g. "too_many_websockets", "link_disabled"),
// to test reconnect storms. An empty reason restores normal service.
func (s *Server) RejectConnections(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sock.reject = reason
}

// Disconnect sends {"type":"disconnect","reason":reason} on every open
// connection and stops routing envelopes to them; each is closed when the
// client hangs up, or after a short grace.
func (s *Server) Disconnect(reason string) {
	s.mu.Lock()
	conns := s.sock.conns
	s.sock.conns = nil
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range conns {
		s.sendDisconnect(c, reason)
	}
}

func (s *Server) sendDisconnect(c *wsConn, reason string) {
	_ = c.write(map[string]any{"type": "disconnect", "reason": reason, "debug_info": map[string]any{"host": "applink-fake"}})
	_ = c.ws.SetReadDeadline(time.Now().Add(closeGrace))
}

// RefuseConnectionsOpen makes every apps.connections.open call answer
// {"ok":false,"error":code} after the token check, as Slack does for an
// app-level token it will not accept (missing_scope, token_expired,
// token_revoked, …). An empty code restores normal service.
func (s *Server) RefuseConnectionsOpen(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sock.refuse = code
}

func (s *Server) connectionsOpenLocked(*apiRequest) reply {
	if s.sock.refuse != "" {
		return fail(s.sock.refuse)
	}
	s.seq++
	ticket := strconv.Itoa(s.seq) + "-" + randomHex(8)
	s.sock.tickets[ticket] = true
	return reply{"ok": true, "url": "ws://" + s.host + "/link/?ticket=" + ticket + "&app_id=" + s.opts.AppID}
}

func (s *Server) handleLink(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "server closed", http.StatusServiceUnavailable)
		return
	}
	valid := s.sock.tickets[ticket]
	delete(s.sock.tickets, ticket)
	if !valid {
		s.violateLocked("socket mode: dial with unknown or reused ticket %q", ticket)
		s.mu.Unlock()
		http.Error(w, "invalid ticket", http.StatusUnauthorized)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	// slack-go sends Origin: https://api.slack.com, which the default check rejects.
	upgrader := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	ws.SetReadLimit(readLimit)
	c := &wsConn{ws: ws, done: make(chan struct{})}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.sock.connSeq++
	c.id = s.sock.connSeq
	s.sock.live[c] = true
	reason := s.sock.reject
	if reason == "" && len(s.sock.conns) >= maxConnections {
		reason = "too_many_websockets"
	}
	s.mu.Unlock()

	if reason != "" {
		s.sendDisconnect(c, reason)
	} else if s.sendHello(c) {
		s.wg.Add(1)
		go s.pingLoop(c)
	}
	s.readLoop(c)
}

// sendHello makes a connection eligible for envelopes and greets it. The
// write lock is held throughout so that no envelope overtakes the hello.
func (s *Server) sendHello(c *wsConn) bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	s.mu.Lock()
	if s.closed || !s.sock.live[c] {
		s.mu.Unlock()
		return false
	}
	s.sock.conns = append(s.sock.conns, c)
	n := len(s.sock.conns)
	s.notifyLocked()
	s.mu.Unlock()

	hello, _ := json.Marshal(map[string]any{
		"type": "hello", "num_connections": n,
		"debug_info":      map[string]any{"host": "applink-fake", "build_number": 1, "approximate_connection_time": approxConnTime},
		"connection_info": map[string]any{"app_id": s.opts.AppID},
	})
	_ = c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := c.ws.WriteMessage(websocket.TextMessage, hello); err != nil {
		return false // the read loop sees the broken connection and forgets it
	}
	_ = c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(writeTimeout))
	return true
}

func (s *Server) pingLoop(c *wsConn) {
	defer s.wg.Done()
	t := time.NewTicker(s.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-s.done:
			return
		case <-t.C:
			_ = c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(writeTimeout))
		}
	}
}

// readLoop reads acks until the connection ends, then forgets it.
func (s *Server) readLoop(c *wsConn) {
	defer func() {
		close(c.done)
		_ = c.ws.Close()
		s.mu.Lock()
		delete(s.sock.live, c)
		for i, x := range s.sock.conns {
			if x == c {
				s.sock.conns = append(s.sock.conns[:i:i], s.sock.conns[i+1:]...)
				break
			}
		}
		s.notifyLocked()
		s.mu.Unlock()
	}()
	for {
		typ, data, err := c.ws.ReadMessage()
		at := time.Now()
		if err != nil {
			return
		}
		if typ != websocket.TextMessage {
			s.mu.Lock()
			s.violateLocked("socket mode: connection %d sent a non-text frame", c.id)
			s.mu.Unlock()
			continue
		}
		s.handleAck(c, data, at)
	}
}
