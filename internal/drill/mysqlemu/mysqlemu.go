// Package mysqlemu is a small MySQL-protocol server that stands in for a
// restored instance where no MariaDB is at hand (the sandbox): it speaks
// the handshake with mysql_native_password, checks the password, and
// answers the statements drill checks send: SET, SELECT 1, SELECT
// COUNT(*) FROM db.table, the information_schema lookup of tables_exist,
// and refuses writes in a read-only session. Anything else is refused with
// the error a server gives for what it does not understand. It is never
// part of the production bot.
package mysqlemu

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Server is a running emulator.
type Server struct {
	Addr string
	ln   net.Listener

	mu        sync.Mutex
	tables    map[string]int    // "db.table" (lower case) → rows
	passwords map[string]string // user → password
	wg        sync.WaitGroup
}

// Start listens on a free loopback port with the given tables (db.table →
// row count).
func Start(tables map[string]int) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: ln.Addr().String(), ln: ln, tables: map[string]int{}, passwords: map[string]string{}}
	for k, v := range tables {
		s.tables[strings.ToLower(k)] = v
	}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// SetPassword lets user log in with password (replacing an earlier one).
func (s *Server) SetPassword(user, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.passwords[user] = password
}

// Close stops listening and waits for the connections to end.
func (s *Server) Close() error {
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

func (s *Server) serve() {
	defer s.wg.Done()
	for id := uint32(1); ; id++ {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			s.conn(c, id)
		}()
	}
}

// Capability flags the emulator offers (protocol 4.1 with plugin auth, no
// deprecate-EOF, no attributes, no TLS).
const caps = 0x1 | 0x4 | 0x200 | 0x2000 | 0x8000 | 0x20000 | 0x80000 | 0x200000

type conn struct {
	r        *bufio.Reader
	w        io.Writer
	seq      byte
	readOnly bool
}

func (s *Server) conn(nc net.Conn, id uint32) {
	c := &conn{r: bufio.NewReader(nc), w: nc}
	scramble := make([]byte, 20)
	if _, err := rand.Read(scramble); err != nil {
		return
	}
	for i := range scramble { // no NUL bytes in the scramble
		scramble[i] = scramble[i]%94 + 33
	}
	if c.write(handshake(id, scramble)) != nil {
		return
	}
	resp, err := c.read()
	if err != nil {
		return
	}
	user, auth, ok := parseResponse(resp)
	s.mu.Lock()
	pw, known := s.passwords[user]
	s.mu.Unlock()
	if !ok || !known || subtle.ConstantTimeCompare(auth, nativeAuth(pw, scramble)) != 1 {
		_ = c.write(errPacket(1045, "28000", fmt.Sprintf("Access denied for user '%s' (using password: YES)", user)))
		return
	}
	if c.write(okPacket()) != nil {
		return
	}
	for {
		c.seq = 0
		pkt, err := c.read()
		if err != nil || len(pkt) == 0 || pkt[0] == 0x01 { // COM_QUIT
			return
		}
		var out [][]byte
		switch pkt[0] {
		case 0x03: // COM_QUERY
			out = s.query(c, string(pkt[1:]))
		case 0x0e, 0x02: // COM_PING, COM_INIT_DB
			out = [][]byte{okPacket()}
		default:
			out = [][]byte{errPacket(1047, "08S01", "Unknown command")}
		}
		for _, p := range out {
			if c.write(p) != nil {
				return
			}
		}
	}
}

var (
	countRe  = regexp.MustCompile(`(?i)^select\s+count\(\*\)\s+from\s+([A-Za-z0-9_$]+)\.([A-Za-z0-9_$]+)\s*;?$`)
	existsRe = regexp.MustCompile(`(?i)^select\s+count\(\*\)\s+from\s+information_schema\.tables\s+where\s+table_schema\s*=\s*'([^']*)'\s+and\s+table_name\s*=\s*'([^']*)'\s*;?$`)
	writeRe  = regexp.MustCompile(`(?i)^\s*(insert|update|delete|replace|create|drop|alter|truncate)\b`)
)

// query answers one statement.
func (s *Server) query(c *conn, q string) [][]byte {
	q = strings.TrimSpace(q)
	lower := strings.ToLower(q)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch m := countRe.FindStringSubmatch(q); {
	case strings.HasPrefix(lower, "set session transaction read only"):
		c.readOnly = true
		return [][]byte{okPacket()}
	case strings.HasPrefix(lower, "set "):
		return [][]byte{okPacket()}
	case writeRe.MatchString(q) && c.readOnly:
		return [][]byte{errPacket(1792, "25006", "Cannot execute statement in a READ ONLY transaction.")}
	case lower == "select 1":
		return resultSet("1", "1")
	case m != nil:
		n, ok := s.tables[strings.ToLower(m[1]+"."+m[2])]
		if !ok {
			return [][]byte{errPacket(1146, "42S02", fmt.Sprintf("Table '%s.%s' doesn't exist", m[1], m[2]))}
		}
		return resultSet("COUNT(*)", strconv.Itoa(n))
	}
	if m := existsRe.FindStringSubmatch(q); m != nil {
		_, ok := s.tables[strings.ToLower(m[1]+"."+m[2])]
		return resultSet("COUNT(*)", map[bool]string{true: "1", false: "0"}[ok])
	}
	return [][]byte{errPacket(1064, "42000", "the emulator does not understand this statement: "+clip(q))}
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

func (c *conn) read() ([]byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(c.r, h[:]); err != nil {
		return nil, err
	}
	n := int(h[0]) | int(h[1])<<8 | int(h[2])<<16
	if n > 1<<20 {
		return nil, errors.New("packet too large")
	}
	c.seq = h[3] + 1
	b := make([]byte, n)
	_, err := io.ReadFull(c.r, b)
	return b, err
}

func (c *conn) write(payload []byte) error {
	h := []byte{byte(len(payload)), byte(len(payload) >> 8), byte(len(payload) >> 16), c.seq}
	c.seq++
	_, err := c.w.Write(append(h, payload...))
	return err
}

func handshake(id uint32, scramble []byte) []byte {
	b := []byte{0x0a}
	b = append(b, "8.0.30-GaussDB-emulator"...)
	b = append(b, 0)
	b = binary.LittleEndian.AppendUint32(b, id)
	b = append(b, scramble[:8]...)
	b = append(b, 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(caps&0xffff))
	b = append(b, 45)                               // utf8mb4_general_ci
	b = binary.LittleEndian.AppendUint16(b, 0x0002) // autocommit
	b = binary.LittleEndian.AppendUint16(b, uint16(caps>>16))
	b = append(b, 21)
	b = append(b, make([]byte, 10)...)
	b = append(b, scramble[8:]...)
	b = append(b, 0)
	b = append(b, "mysql_native_password"...)
	return append(b, 0)
}

// parseResponse reads the user and the auth response of a protocol 4.1
// handshake response.
func parseResponse(p []byte) (user string, auth []byte, ok bool) {
	if len(p) < 33 {
		return "", nil, false
	}
	rest := p[32:]
	end := strings.IndexByte(string(rest), 0)
	if end < 0 || end+1 >= len(rest) {
		return "", nil, false
	}
	user, rest = string(rest[:end]), rest[end+1:]
	n := int(rest[0]) // lenenc below 251 is one byte; the auth response is 20
	if n >= 251 || 1+n > len(rest) {
		return "", nil, false
	}
	return user, rest[1 : 1+n], true
}

// nativeAuth is mysql_native_password's answer: SHA1(pw) XOR
// SHA1(scramble + SHA1(SHA1(pw))).
func nativeAuth(pw string, scramble []byte) []byte {
	if pw == "" {
		return nil
	}
	h1 := sha1.Sum([]byte(pw))
	h2 := sha1.Sum(h1[:])
	h3 := sha1.Sum(append(append([]byte{}, scramble...), h2[:]...))
	out := make([]byte, 20)
	for i := range out {
		out[i] = h1[i] ^ h3[i]
	}
	return out
}

func okPacket() []byte { return []byte{0x00, 0, 0, 0x02, 0, 0, 0} }

func eofPacket() []byte { return []byte{0xfe, 0, 0, 0x02, 0} }

func errPacket(code uint16, state, msg string) []byte {
	b := []byte{0xff}
	b = binary.LittleEndian.AppendUint16(b, code)
	b = append(b, '#')
	b = append(b, state...)
	return append(b, msg...)
}

func lenenc(b []byte, s string) []byte {
	return append(append(b, byte(len(s))), s...) // names and values here are short
}

// resultSet is one column and one row of text.
func resultSet(column, value string) [][]byte {
	def := lenenc(nil, "def")
	for _, s := range []string{"", "", "", column, column} {
		def = lenenc(def, s)
	}
	def = append(def, 0x0c)
	def = binary.LittleEndian.AppendUint16(def, 45)
	def = binary.LittleEndian.AppendUint32(def, 255)
	def = append(def, 0xfd, 0, 0, 0, 0, 0) // VAR_STRING, flags, decimals, filler
	return [][]byte{{1}, def, eofPacket(), lenenc(nil, value), eofPacket()}
}
