package main

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
)

// tcpProxy forwards loopback connections to a target (the test's
// PostgreSQL) and can make that target look restarted to its clients:
// Restart cuts every connection and refuses new ones until Up. The
// machine's real PostgreSQL cluster is shared with other test packages
// running in parallel, so the tests restart it only as the clients see it.
type tcpProxy struct {
	target string
	ln     net.Listener

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]bool
	// refused counts connections turned away while down.
	refused int
}

func startTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{target: target, ln: ln, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(p.close)
	return p
}

// Addr is the host:port the clients dial instead of the target.
func (p *tcpProxy) Addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		} else if err != nil {
			continue
		}
		go p.forward(c)
	}
}

func (p *tcpProxy) forward(client net.Conn) {
	p.mu.Lock()
	if p.down {
		// The listener stays bound (so no one else takes the port); a
		// connection is closed at once, as a server that is not up would.
		p.refused++
		p.mu.Unlock()
		closeHard(client)
		return
	}
	p.conns[client] = true
	p.mu.Unlock()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		p.drop(client)
		return
	}
	if !p.track(server) {
		p.drop(client)
		return
	}
	var wg sync.WaitGroup
	wg.Add(2)
	pipe := func(dst, src net.Conn) {
		defer wg.Done()
		_, _ = io.Copy(dst, src)
		// One side ended: end the other, as one TCP connection would.
		p.drop(dst)
		p.drop(src)
	}
	go pipe(server, client)
	go pipe(client, server)
	wg.Wait()
}

// track registers a connection, unless the proxy went down meanwhile.
func (p *tcpProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		closeHard(c)
		return false
	}
	p.conns[c] = true
	return true
}

func (p *tcpProxy) drop(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	closeHard(c)
}

// Down refuses new connections until Up; open ones carry on (a server
// shutting down still tells its sessions why it ends them).
func (p *tcpProxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
}

// Restart cuts every open connection and refuses new ones until Up: what
// the clients see of a database server going down.
func (p *tcpProxy) Restart() (cut int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		closeHard(c)
		delete(p.conns, c)
		cut++
	}
	return cut
}

// Up accepts connections again and returns how many were refused while down.
func (p *tcpProxy) Up() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
	return p.refused
}

func (p *tcpProxy) close() {
	_ = p.ln.Close()
	p.Restart()
}

// closeHard closes with a reset rather than a polite FIN, as a crashed or
// killed server's connections end.
func closeHard(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}
