// Package command turns the text typed after /db-restore into a Command, or
// into a UsageError that tells the user what was wrong and what would be
// accepted.
//
// It is a pure function of its input: it knows nothing of Slack clients,
// Redis or the cloud. Whether an instance, backup or request exists, whether a
// time lies in a restore window and who may do what are decided by the caller.
package command

import (
	"fmt"
	"strings"
	"time"
)

// Command is one parsed /db-restore invocation. It is one of Help, Open,
// Request, List, Status, Cancel, Policy, Freeze, Reviews, Review or
// Instances.
type Command interface{ isCommand() }

// Help asks for the usage text.
type Help struct{}

// Open is the bare command with no text: the caller opens the request form.
type Open struct{}

// Request asks for a restore. Exactly one of BackupID and Time is set. With
// Tables it is a table-level restore: Time is set, BackupID and Target are
// not.
type Request struct {
	Source   string // instance to restore from (ID or name, as typed)
	Target   string // instance to restore into; empty when the user gave none
	BackupID string // backup to restore, for a backup restore
	// Time is the point in time as typed, for a point-in-time restore. Its
	// syntax has been checked; read it with ParseTime in the requester's
	// time zone, which may still refuse it (daylight-saving gaps and overlaps).
	Time       string
	Reason     string // why the restore is needed; never empty
	Ticket     string // optional change or incident reference
	BreakGlass string // optional: why the approval rules must be bypassed
	// Tables are the tables to restore under new names, each "db.table" or
	// "db.*", in the order typed, without duplicates. Their identifiers
	// have been checked; whether they existed at Time is the caller's to ask.
	Tables []string
	Suffix string // optional word in the new table names (tables= only)
	// NewInstance is target=new: restore into an instance created for the
	// request, which lives for Keep (0: the rule's default) and is then
	// deleted. Target is empty; Name, when set, names the new instance.
	NewInstance bool
	Name        string
	Keep        time.Duration
}

// Instances lists the live instances the bot created for restores.
type Instances struct{}

// List asks for the user's recent requests, one page at a time.
type List struct{ Page int } // 1-based

// Status asks for the state of one request.
type Status struct{ ID string }

// Cancel withdraws one pending request.
type Cancel struct{ ID string }

// Policy asks who must approve restores of an instance.
type Policy struct{ Instance string }

// Freeze stops (On) or allows again (!On) all restores. Reason is set when On.
type Freeze struct {
	On     bool
	Reason string
}

// Reviews lists the break-glass requests not yet reviewed (admins only).
type Reviews struct{}

// Review shows one break-glass request (`review ID`), or marks it reviewed
// with a note (`review ID done "note"`).
type Review struct {
	ID   string
	Done bool   // mark it reviewed
	Note string // what the reviewer found; set exactly when Done
}

func (Help) isCommand()      {}
func (Open) isCommand()      {}
func (Request) isCommand()   {}
func (List) isCommand()      {}
func (Status) isCommand()    {}
func (Cancel) isCommand()    {}
func (Policy) isCommand()    {}
func (Freeze) isCommand()    {}
func (Reviews) isCommand()   {}
func (Review) isCommand()    {}
func (Instances) isCommand() {}

// Limits on free text, in characters (runes). Forms that collect the same
// fields should use the same limits.
const (
	MaxReasonLen = 500 // reason= and break_glass=, and the freeze reason
	MaxTicketLen = 200 // ticket=
	MaxIDLen     = 128 // source=, target=, backup= and request IDs
	// MaxTablesLen bounds the tables= value; the configured table limit
	// (RESTORE_MAX_TABLES) is the caller's to check.
	MaxTablesLen = 8000
	// MaxTableEntries bounds the entries of tables= before expansion.
	MaxTableEntries = 1000
)

// TimeUsage describes the accepted forms of a restore time. It is Slack
// mrkdwn and contains no &, < or >.
const TimeUsage = "TIME is one of: `2026-11-26T09:30:00Z` or `2026-11-26T17:30:00+08:00` " +
	"(RFC 3339, with an offset), `1795685400000` (UNIX milliseconds), " +
	"or `2026-11-26 09:30` / `2026-11-26 09:30:15` (read in your Slack time zone)."

// Usage is the help text shown for `help` and after every usage error. It is
// Slack mrkdwn and contains no &, < or >, so escaping a reply that ends with
// it leaves it intact.
const Usage = "*Usage of /db-restore*\n" +
	"• `/db-restore` with no text opens a form.\n" +
	"• `/db-restore source=SOURCE [target=TARGET] backup=BACKUP_ID reason=\"why\"` restores a backup.\n" +
	"• `/db-restore source=SOURCE [target=TARGET] time=TIME reason=\"why\"` restores to a point in time.\n" +
	"• `/db-restore source=SOURCE target=new backup=BACKUP_ID|time=TIME reason=\"why\" [name=NEW_NAME] [keep=24h]` restores into a new pay-per-use instance (a copy of the source's size and network, billed per hour) that is deleted after keep (e.g. `36h`, `3d`); `/db-restore instances` lists the live ones.\n" +
	"• `/db-restore source=SOURCE tables=\"db.table,db2.*\" time=TIME reason=\"why\" [suffix=\"restored\"]` restores only those tables, as of TIME, into SOURCE under new names (`TABLE_SUFFIX_yyyymmddhhmm`); nothing existing is changed.\n" +
	"   Optional with any: `ticket=\"CHG-123\"`, `break_glass=\"why approval cannot wait\"`.\n" +
	"• `/db-restore list [PAGE]` shows your recent requests.\n" +
	"• `/db-restore status ID` shows one request; `/db-restore cancel ID` withdraws it.\n" +
	"• `/db-restore policy INSTANCE` shows who must approve restores of an instance.\n" +
	"• `/db-restore freeze on \"why\"` stops all restores; `/db-restore freeze off` allows them again.\n" +
	"• `/db-restore reviews` lists break-glass restores not yet reviewed; `/db-restore review ID` shows one; `/db-restore review ID done \"note\"` marks it reviewed (admins, once it has ended, never your own).\n" +
	"• `/db-restore drills` lists the restore drills (last run, recovery times, next run); `/db-restore drill NAME now` runs one at once (admins).\n" +
	"• `/db-restore help` shows this text.\n" +
	"SOURCE and TARGET are instance IDs or names; TARGET is the instance whose data is overwritten, and without target= it is SOURCE itself (a restore onto the original instance). " +
	TimeUsage + "\n" +
	"Fields may come in any order. Quote values that contain spaces; write `\\\"` for a quote inside quotes.\n" +
	"*Examples*\n" +
	"`/db-restore source=orders-prod target=orders-restore backup=2f1c0e7b9a4d4c1e8f3b5a6d7c8e9f01br07 reason=\"recover rows deleted by job 4412\"`\n" +
	"`/db-restore source=orders-prod target=orders-restore time=\"2026-11-26 09:30\" reason=\"before the bad migration\" ticket=\"INC-981\"`"

// UsageError is a refusal of what the user typed. Message says what was
// wrong and what would be accepted; Usage is the help text to show after it.
type UsageError struct {
	Message string
	Usage   string
}

// Error returns Message alone, which is short enough for a log line.
func (e *UsageError) Error() string { return e.Message }

// Reply is the text to show the user: Message, with &, < and > escaped so
// that typed text cannot form mentions or links, followed by Usage. Show it
// as mrkdwn without further escaping.
func (e *UsageError) Reply() string {
	msg := escapeMrkdwn(e.Message)
	if e.Usage == "" {
		return msg
	}
	return msg + "\n\n" + e.Usage
}

func usageErr(format string, args ...any) *UsageError {
	return &UsageError{Message: fmt.Sprintf(format, args...), Usage: Usage}
}

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func escapeMrkdwn(s string) string { return mrkdwnEscaper.Replace(s) }

// slackUnescaper undoes the escaping Slack applies to the three control
// characters in text it sends. One pass, so "&amp;lt;" becomes "&lt;".
var slackUnescaper = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")
