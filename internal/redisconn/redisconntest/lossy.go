// Package redisconntest has a TCP proxy that loses Redis replies, for
// testing what a client does when a command ran but its answer never came.
package redisconntest

import (
	"bytes"
	"net"
	"sync"
	"testing"
)

// LossyProxy forwards TCP connections from its loopback address to a Redis
// server. Once armed with SwallowNext, the next command whose bytes contain
// the armed word (e.g. "evalsha") is forwarded and runs, but its reply and
// everything after it on that connection is dropped, so the client times
// out waiting and must use another connection.
type LossyProxy struct {
	Addr string

	ln     net.Listener
	target string

	mu       sync.Mutex
	word     []byte // armed: swallow the reply to the next command containing it
	swallows int    // replies swallowed so far
	conns    []net.Conn
}

// NewLossyProxy listens on a free loopback port and forwards to target
// until the test ends.
func NewLossyProxy(tb testing.TB, target string) *LossyProxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("redisconntest: listen: %v", err)
	}
	p := &LossyProxy{Addr: ln.Addr().String(), ln: ln, target: target}
	go p.accept()
	tb.Cleanup(p.Close)
	return p
}

// SwallowNext arms the proxy: the reply to the next command containing word
// (matched case-insensitively in the raw RESP bytes) is lost.
func (p *LossyProxy) SwallowNext(word string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.word = bytes.ToLower([]byte(word))
}

// Swallowed is how many replies the proxy has lost.
func (p *LossyProxy) Swallowed() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.swallows
}

// Close stops listening and cuts every forwarded connection.
func (p *LossyProxy) Close() {
	_ = p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

func (p *LossyProxy) accept() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		l := &link{}
		go p.requests(server, client, l)
		go p.replies(client, server, l)
	}
}

// link is one forwarded connection's state.
type link struct {
	mu   sync.Mutex
	deaf bool // replies are dropped from here on
}

// requests copies the client's commands to the server, deafening the link
// at the armed command. The flag is set before the command is forwarded,
// so its reply cannot slip through first.
func (p *LossyProxy) requests(dst, src net.Conn, l *link) {
	defer dst.Close()
	buf := make([]byte, 64*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			if p.word != nil && bytes.Contains(bytes.ToLower(buf[:n]), p.word) {
				p.word = nil
				p.swallows++
				l.mu.Lock()
				l.deaf = true
				l.mu.Unlock()
			}
			p.mu.Unlock()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// replies copies the server's replies to the client unless the link is deaf.
func (p *LossyProxy) replies(dst, src net.Conn, l *link) {
	defer dst.Close()
	buf := make([]byte, 64*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			l.mu.Lock()
			deaf := l.deaf
			l.mu.Unlock()
			if !deaf {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}
