// Package mysqltest gives tests a real MySQL-protocol server to run drill
// checks against: a throwaway database with seeded rows and a user of its
// own, on the MariaDB (or MySQL) that answers at MYSQL_TEST_ADDR (default
// 127.0.0.1:3306) as root with MYSQL_TEST_ROOT_PASSWORD (default empty).
//
// With no server answering, a test skips saying why, unless CI is set:
// then it fails (.ci/run starts MariaDB).
package mysqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// DB is one test's database on the shared server.
type DB struct {
	Addr     string // host:port
	Name     string // the database, e.g. drill_3f2a…
	User     string // a user with SELECT on Name only
	Password string
	root     *sql.DB
}

// New creates a database with the tables orders (n rows), customers (3 rows)
// and meta (one row, status "ok"), and a user who may read it, all dropped
// when the test ends.
func New(tb testing.TB, orders int) *DB {
	tb.Helper()
	root := connectRoot(tb)
	suffix := randomHex(6)
	d := &DB{Addr: addr(), Name: "drill_" + suffix, User: "drill_ro_" + suffix, Password: "pw-" + randomHex(12), root: root}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, q := range []string{"DROP DATABASE IF EXISTS " + d.Name, "DROP USER IF EXISTS '" + d.User + "'@'%'"} {
			if _, err := root.ExecContext(ctx, q); err != nil {
				tb.Errorf("mysqltest: %s: %v", q, err)
			}
		}
	})
	stmts := []string{
		"CREATE DATABASE " + d.Name,
		"CREATE TABLE " + d.Name + ".orders (id INT PRIMARY KEY AUTO_INCREMENT, total DECIMAL(10,2) NOT NULL)",
		"CREATE TABLE " + d.Name + ".customers (id INT PRIMARY KEY, name VARCHAR(64))",
		"CREATE TABLE " + d.Name + ".meta (status VARCHAR(16))",
		"INSERT INTO " + d.Name + ".customers VALUES (1, 'ada'), (2, 'bob'), (3, 'cy')",
		"INSERT INTO " + d.Name + ".meta VALUES ('ok')",
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", d.User, d.Password),
		fmt.Sprintf("GRANT SELECT ON %s.* TO '%s'@'%%'", d.Name, d.User),
	}
	for _, q := range stmts {
		if _, err := root.ExecContext(ctx, q); err != nil {
			tb.Fatalf("mysqltest: seed: %v", err)
		}
	}
	d.AddOrders(tb, orders)
	return d
}

// AddOrders inserts n more rows into orders.
func (d *DB) AddOrders(tb testing.TB, n int) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for done := 0; done < n; {
		batch := min(n-done, 500)
		q := "INSERT INTO " + d.Name + ".orders (total) VALUES (1.50)"
		for range batch - 1 {
			q += ", (1.50)"
		}
		if _, err := d.root.ExecContext(ctx, q); err != nil {
			tb.Fatalf("mysqltest: insert orders: %v", err)
		}
		done += batch
	}
}

// Count returns the rows of one of the database's tables, read as root.
func (d *DB) Count(tb testing.TB, table string) int {
	tb.Helper()
	var n int
	if err := d.root.QueryRow("SELECT COUNT(*) FROM " + d.Name + "." + table).Scan(&n); err != nil {
		tb.Fatalf("mysqltest: count %s: %v", table, err)
	}
	return n
}

// Root returns the address and a root login, for tests that need more than
// SELECT (e.g. to show the read-only session refuses a write).
func Root() (addr, user, password string) {
	return addrEnv(), "root", os.Getenv("MYSQL_TEST_ROOT_PASSWORD")
}

func addr() string { return addrEnv() }

func addrEnv() string {
	if a := os.Getenv("MYSQL_TEST_ADDR"); a != "" {
		return a
	}
	return "127.0.0.1:3306"
}

func connectRoot(tb testing.TB) *sql.DB {
	tb.Helper()
	cfg := mysql.NewConfig()
	cfg.Addr, cfg.User, cfg.Passwd = Root()
	cfg.Net, cfg.Timeout = "tcp", 3*time.Second
	cfg.Logger = &mysql.NopLogger{}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		tb.Fatalf("mysqltest: %v", err)
	}
	db := sql.OpenDB(conn)
	tb.Cleanup(func() { _ = db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		why := fmt.Sprintf("no MySQL-protocol server answers as root at %s (MYSQL_TEST_ADDR): %v", cfg.Addr, err)
		if os.Getenv("CI") != "" {
			tb.Fatalf("mysqltest: %s; CI needs one (.ci/run starts MariaDB)", why)
		}
		tb.Skip(why + "; skipped outside CI (CI=true makes this a failure)")
	}
	return db
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("mysqltest: crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}

// AddUser creates a user who may read the database, dropped when the test
// ends (replaced if it exists): what a fake cloud does with the root
// password of a create call. It
// may be called from any goroutine, so it returns its error.
func (d *DB) AddUser(tb testing.TB, user, password string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if strings.ContainsAny(user+password, `'\`) {
		return fmt.Errorf("mysqltest: user and password must not hold quotes or backslashes")
	}
	if _, err := d.root.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE USER '%s'@'%%' IDENTIFIED BY '%s'", user, password)); err != nil {
		return fmt.Errorf("mysqltest: create user: %w", err)
	}
	tb.Cleanup(func() { _, _ = d.root.Exec(fmt.Sprintf("DROP USER IF EXISTS '%s'@'%%'", user)) })
	if _, err := d.root.ExecContext(ctx, fmt.Sprintf("GRANT SELECT ON %s.* TO '%s'@'%%'", d.Name, user)); err != nil {
		return fmt.Errorf("mysqltest: grant: %w", err)
	}
	return nil
}
