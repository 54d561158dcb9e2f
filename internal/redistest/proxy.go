package redistest

import (
	"net"
	"sync"
	"testing"
)

// Proxy forwards TCP connections from its own loopback address to a target.
// Put it between a replica and its primary (the replica replicates from
// the proxy's address): Hold stops the primary's bytes from reaching the
// replica, so the replica lags while its link stays up; Release lets the
// held bytes through.
type Proxy struct {
	Addr string

	ln     net.Listener
	target string

	mu    sync.Mutex
	held  bool
	wake  *sync.Cond
	conns []net.Conn
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
		go p.pipe(server, client, false) // client -> target: never held
		go p.pipe(client, server, true)  // target -> client: held on Hold
	}
}

// pipe copies src to dst; when holdable, it waits while the proxy is held
// before writing each chunk.
func (p *Proxy) pipe(dst, src net.Conn, holdable bool) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if holdable {
				p.mu.Lock()
				for p.held {
					p.wake.Wait()
				}
				p.mu.Unlock()
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
