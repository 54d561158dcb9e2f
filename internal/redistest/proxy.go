package redistest

import (
	"bytes"
	"net"
	"sync"
	"testing"
)

// Proxy forwards TCP connections from its own loopback address to a Redis
// server, and breaks them where a test asks:
//
//   - Between a replica and its primary (the replica replicates from the
//     proxy's address), Hold stops the primary's bytes from reaching the
//     replica, so the replica lags while its link stays up; Release lets
//     the held bytes through.
//   - Between a client and a server, SwallowNext loses the reply to the
//     next command containing a word: the command runs, but its reply and
//     everything after it on that connection is dropped, so the client
//     times out waiting and must use another connection.
type Proxy struct {
	Addr string

	ln     net.Listener
	target string

	mu       sync.Mutex
	held     bool
	wake     *sync.Cond
	conns    []net.Conn
	word     []byte // armed: swallow the reply to the next command containing it
	swallows int    // replies swallowed so far
}

// NewProxy listens on a free loopback port and forwards to target until
// the test ends.
func NewProxy(tb testing.TB, target string) *Proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("redistest: proxy listen: %v", err)
	}
	p := &Proxy{Addr: ln.Addr().String(), ln: ln, target: target}
	p.wake = sync.NewCond(&p.mu)
	go p.accept()
	tb.Cleanup(p.Close)
	return p
}

// Hold stops forwarding from the target (the primary) to the client.
func (p *Proxy) Hold() {
	p.mu.Lock()
	p.held = true
	p.mu.Unlock()
}

// Release forwards again, held bytes first.
func (p *Proxy) Release() {
	p.mu.Lock()
	p.held = false
	p.wake.Broadcast()
	p.mu.Unlock()
}

// SwallowNext arms the proxy: the reply to the next command containing word
// (matched case-insensitively in the raw RESP bytes) is lost.
func (p *Proxy) SwallowNext(word string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.word = bytes.ToLower([]byte(word))
}

// Swallowed is how many replies the proxy has lost.
func (p *Proxy) Swallowed() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.swallows
}

// Close stops listening and cuts every forwarded connection.
func (p *Proxy) Close() {
	_ = p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
	p.held = false
	p.wake.Broadcast()
	p.mu.Unlock()
}

func (p *Proxy) accept() {
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

func (l *link) isDeaf() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.deaf
}

// requests copies the client's commands to the server (never held),
// deafening the link at the armed command. The flag is set before the
// command is forwarded, so its reply cannot slip through first.
func (p *Proxy) requests(dst, src net.Conn, l *link) {
	defer dst.Close()
	defer src.Close()
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

// replies copies the server's bytes to the client, waiting while the proxy
// is held, and dropping them once the link is deaf.
func (p *Proxy) replies(dst, src net.Conn, l *link) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 64*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 && !l.isDeaf() {
			p.mu.Lock()
			for p.held {
				p.wake.Wait()
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
