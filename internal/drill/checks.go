package drill

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/dbrestore/db-restore/internal/policy"
)

// Target is where a restored instance answers and how the bot logs in: the
// generated root password, which never appears in a Result or an error.
type Target struct {
	Addr     string // host:port
	User     string
	Password string
}

// String names the target without its password.
func (t Target) String() string { return t.User + "@" + t.Addr }

// Result is the outcome of one check, in words people read.
type Result struct {
	Check  string        // e.g. "SELECT 1" or "tables exist: shop.orders"
	Pass   bool          // the check ran and met its expectation
	Got    string        // the value read, when there was one
	Reason string        // why it failed; empty when it passed
	Took   time.Duration // from connecting to the answer
}

// DefaultCheck is the check every run starts with: the instance answers.
var DefaultCheck = policy.Check{SQL: "SELECT 1", Expect: policy.Expect{Op: "==", Num: big.NewRat(1, 1)}, Timeout: 30 * time.Second}

// dialTimeout bounds connecting, within a check's own timeout.
const dialTimeout = 10 * time.Second

// RunChecks runs the default SELECT 1 and then checks, each in a read-only
// session with its own statement timeout, and returns one Result each.
// When the instance does not answer SELECT 1, the rest are not run.
func RunChecks(ctx context.Context, t Target, checks []policy.Check) []Result {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = t.User, t.Password, "tcp", t.Addr
	cfg.Timeout = dialTimeout
	// The only parameters are our own validated table names; sending them
	// in the text needs no server-side prepared statements.
	cfg.InterpolateParams = true
	cfg.Logger = &mysql.NopLogger{} // its messages could name the target; ours say it once
	conn, err := mysql.NewConnector(cfg)
	if err != nil { // only for a malformed config, which ours never is
		return []Result{{Check: DefaultCheck.SQL, Reason: redact(err.Error(), t)}}
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	db.SetMaxIdleConns(1)
	all := append([]policy.Check{DefaultCheck}, checks...)
	out := make([]Result, 0, len(all))
	for i, c := range all {
		r := runCheck(ctx, db, t, c)
		out = append(out, r)
		if i == 0 && !r.Pass {
			for _, rest := range all[1:] {
				out = append(out, Result{Check: name(rest), Reason: "not run: the instance did not answer SELECT 1"})
			}
			break
		}
	}
	return out
}

// Passed reports whether every result passed (and there is at least one).
func Passed(rs []Result) bool {
	for _, r := range rs {
		if !r.Pass {
			return false
		}
	}
	return len(rs) > 0
}

func name(c policy.Check) string {
	if len(c.TablesExist) > 0 {
		return "tables exist: " + strings.Join(c.TablesExist, ", ")
	}
	return c.SQL
}

func runCheck(ctx context.Context, db *sql.DB, t Target, c policy.Check) Result {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = policy.DefaultCheckTimeout
	}
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r := Result{Check: name(c)}
	got, err := query(cctx, db, c, timeout)
	r.Took = time.Since(start)
	switch {
	case err != nil:
		r.Reason = describeErr(cctx, err, t, timeout)
	case len(c.TablesExist) > 0:
		r.Got = strings.Join(got.missing, ", ")
		if r.Pass = len(got.missing) == 0; !r.Pass {
			r.Reason = "missing: " + r.Got
		}
	default:
		r.Got = got.text
		r.Pass, r.Reason = meets(c.Expect, got)
	}
	return r
}

// answer is what a check read.
type answer struct {
	rows    bool   // at least one row
	null    bool   // the first value was NULL
	text    string // the first value as text
	missing []string
}

// query opens a read-only session with a statement timeout and runs c in
// it.
func query(ctx context.Context, db *sql.DB, c policy.Check, timeout time.Duration) (answer, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return answer{}, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	if err := readOnlySession(ctx, conn, timeout); err != nil {
		return answer{}, err
	}
	if len(c.TablesExist) > 0 {
		return tablesExist(ctx, conn, c.TablesExist)
	}
	rows, err := conn.QueryContext(ctx, c.SQL)
	if err != nil {
		return answer{}, err
	}
	defer rows.Close()
	var a answer
	if rows.Next() {
		cols, err := rows.Columns()
		if err != nil {
			return answer{}, err
		}
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return answer{}, err
		}
		a = answer{rows: true, null: len(vals) == 0 || !vals[0].Valid}
		if !a.null {
			a.text = vals[0].String
		}
	}
	return a, rows.Err()
}

// readOnlySession makes every later statement of the session read-only and
// bounds each one on the server too: max_execution_time (MySQL and GaussDB,
// milliseconds) or, where the server has no such variable, MariaDB's
// max_statement_time (seconds).
func readOnlySession(ctx context.Context, conn *sql.Conn, timeout time.Duration) error {
	if _, err := conn.ExecContext(ctx, "SET SESSION TRANSACTION READ ONLY"); err != nil {
		return fmt.Errorf("make the session read-only: %w", err)
	}
	_, err := conn.ExecContext(ctx, fmt.Sprintf("SET SESSION max_execution_time = %d", timeout.Milliseconds()))
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1193 { // unknown system variable
		_, err = conn.ExecContext(ctx, fmt.Sprintf("SET SESSION max_statement_time = %.3f", timeout.Seconds()))
	}
	if err != nil {
		return fmt.Errorf("set the statement timeout: %w", err)
	}
	return nil
}

func tablesExist(ctx context.Context, conn *sql.Conn, tables []string) (answer, error) {
	var a answer
	for _, t := range tables {
		db, tbl, _ := strings.Cut(t, ".")
		var n int
		err := conn.QueryRowContext(ctx,
			"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", db, tbl).Scan(&n)
		if err != nil {
			return answer{}, err
		}
		if n == 0 {
			a.missing = append(a.missing, t)
		}
	}
	a.rows = true
	return a, nil
}

// meets judges what a SQL check read against its expectation.
func meets(e policy.Expect, a answer) (bool, string) {
	want := "want " + e.String()
	switch {
	case !a.rows && e.Op == "nonempty":
		return false, "no rows; want at least one"
	case !a.rows:
		return false, "no rows; " + want
	case e.Op == "nonempty":
		return true, ""
	case a.null:
		return false, "got NULL; " + want
	case e.Op == "text":
		if a.text == e.Text {
			return true, ""
		}
		return false, fmt.Sprintf("got %q; %s", clip(a.text), want)
	}
	n, ok := new(big.Rat).SetString(strings.TrimSpace(a.text))
	if !ok {
		return false, fmt.Sprintf("got %q, not a number; %s", clip(a.text), want)
	}
	if compare(e, n) {
		return true, ""
	}
	return false, fmt.Sprintf("got %s; %s", clip(a.text), want)
}

func compare(e policy.Expect, n *big.Rat) bool {
	c := n.Cmp(e.Num)
	switch e.Op {
	case ">=":
		return c >= 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case "<":
		return c < 0
	case "==":
		return c == 0
	case "!=":
		return c != 0
	case "between":
		return c >= 0 && n.Cmp(e.Hi) <= 0
	}
	return false
}

// errRunTime is the cause a run gives its context when its max_duration is
// spent; a check stopped by it says so rather than "timed out".
var errRunTime = errors.New("the run's time ran out")

// WithRunDeadline bounds ctx at the end of a run's time.
func WithRunDeadline(ctx context.Context, end time.Time) (context.Context, context.CancelFunc) {
	return context.WithDeadlineCause(ctx, end, errRunTime)
}

// describeErr says why a check failed, without the password.
func describeErr(ctx context.Context, err error, t Target, timeout time.Duration) string {
	var me *mysql.MySQLError
	switch {
	case errors.Is(context.Cause(ctx), errRunTime):
		return "stopped: the run's time ran out"
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &me) && (me.Number == 3024 || me.Number == 1969): // MySQL's, MariaDB's statement timeout
		return "timed out after " + policy.FormatDuration(timeout)
	case errors.Is(err, context.Canceled):
		return "stopped: the run ended"
	case errors.As(err, &me):
		return redact(fmt.Sprintf("the server refused it: %d %s", me.Number, me.Message), t)
	}
	return redact("cannot reach "+t.Addr+": "+err.Error(), t)
}

// redact takes the password out of a message, however an error came to
// quote it.
func redact(msg string, t Target) string {
	if t.Password != "" {
		msg = strings.ReplaceAll(msg, t.Password, "[password]")
	}
	return clip(msg)
}

// clip keeps a message or value readable in a report.
func clip(s string) string {
	const limit = 300
	if r := []rune(s); len(r) > limit {
		return string(r[:limit]) + "…"
	}
	return s
}
