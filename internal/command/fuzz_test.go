package command

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"", "help", "list 2", "status r1", "cancel r1", "review r1", "reviews", "policy p",
		`review r1 done "checked"`, "review r1 done a b", `review r1 done note="x"`, "review r1 done",
		`freeze on "why"`, "freeze on a b", "freeze off", `freeze on reason="x"`,
		`source=s target=t backup=b reason="bad deploy" ticket="INC-1" break_glass="outage"`,
		`source=s time="2026-11-26 09:30" reason=“why”`, `source=s time=1795685400000 reason=r`,
		`SOURCE=s Backup=b REASON="say \"hi\" \\ \“x\”"`, `source=s backup=b reason="a &amp; b &lt;x&gt;"`,
		`source=s backup=b reason="unterminated`, `source=s tgt=x`, `source=s backup=b time=1 reason=r`,
		"source=s\nbackup=b\treason=\"two\nlines\"", `reason = "x"`, `=x`, `"quoted"`, "source=\xff",
		`source=s tables="shop.orders, shop.*" time=1795685400000 reason=r suffix=_before`,
		`source=s tables=a.b,a.b time=1795685400000 reason=r`, `source=s tables="a.b" target=t time=1 reason=r`,
		`source=s tables="a" time=1 reason=r`, `source=s target=new backup=b reason=r name=look keep=1d12h`,
		`source=s target=NEW time=1795685400000 reason=r keep=90m`, "drills", "drill orders-weekly now", "drill x later", `source=s name=x backup=b reason=r`, "instances", `source=s suffix=x time=1 reason=r`, `source=s tables=",,a.b$-é," time=1 reason=r`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		cmd, err := Parse(text)
		if err != nil {
			checkRefusal(t, text, cmd, err, Usage)
			return
		}
		if cmd == nil {
			t.Fatalf("Parse(%q) = nil, nil", text)
		}
		switch c := cmd.(type) {
		case Request:
			checkRequest(t, text, c)
		case List:
			if c.Page < 1 || c.Page > maxPage {
				t.Errorf("Parse(%q) page %d out of range", text, c.Page)
			}
		case Freeze:
			if c.On != (c.Reason != "") {
				t.Errorf("Parse(%q) = %#v: a reason exactly when on", text, c)
			}
			checkFreeText(t, text, c.Reason, MaxReasonLen)
		case Status:
			checkID(t, text, c.ID)
		case Cancel:
			checkID(t, text, c.ID)
		case Review:
			checkID(t, text, c.ID)
			if c.Done != (c.Note != "") {
				t.Errorf("Parse(%q) = %#v: a note exactly when done", text, c)
			}
			checkFreeText(t, text, c.Note, MaxReasonLen)
		case Policy:
			checkID(t, text, c.Instance)
		case Open:
			if strings.TrimSpace(slackUnescaper.Replace(text)) != "" {
				t.Errorf("Parse(%q) = Open for non-empty text", text)
			}
		}
	})
}

func checkRefusal(t *testing.T, input string, got any, err error, usage string) {
	t.Helper()
	var ue *UsageError
	if !errors.As(err, &ue) {
		t.Fatalf("%q: error %T %v, want *UsageError", input, err, err)
	}
	if ue.Message == "" || ue.Usage != usage {
		t.Errorf("%q: refusal %#v lacks a message or the usage", input, ue)
	}
	if c, ok := got.(Command); ok && c != nil {
		t.Errorf("%q: returned %#v with its error", input, c)
	}
	if msg := strings.TrimSuffix(ue.Reply(), usage); strings.ContainsAny(msg, "<>") {
		t.Errorf("%q: reply message not escaped: %q", input, msg)
	}
}

func checkRequest(t *testing.T, text string, r Request) {
	t.Helper()
	if (r.BackupID == "") == (r.Time == "") {
		t.Errorf("Parse(%q) = %#v: want exactly one of BackupID and Time", text, r)
	}
	if len(r.Tables) > 0 && (r.Target != "" || r.BackupID != "") || len(r.Tables) == 0 && r.Suffix != "" {
		t.Errorf("Parse(%q) = %#v: tables= goes with time= only, suffix= only with tables=", text, r)
	}
	seen := map[string]bool{}
	for _, e := range r.Tables {
		db, table, ok := strings.Cut(e, ".")
		if !ok || db == "" || table == "" || strings.ContainsAny(e, " ,`\"'") || seen[e] || strings.Count(e, ".") != 1 {
			t.Errorf("Parse(%q) accepted the table entry %q", text, e)
		}
		seen[e] = true
	}
	if r.Source == "" || r.Reason == "" {
		t.Errorf("Parse(%q) = %#v: missing source or reason", text, r)
	}
	if r.NewInstance && (r.Target != "" || len(r.Tables) > 0 || r.Keep != 0 && (r.Keep < MinKeep || r.Keep > MaxKeep)) ||
		!r.NewInstance && (r.Name != "" || r.Keep != 0) {
		t.Errorf("Parse(%q) = %#v: target=new goes without target and tables, name= and keep= only with it, keep in range", text, r)
	}
	if r.Name != "" {
		checkID(t, text, r.Name)
	}
	for _, id := range []string{r.Source, r.Target, r.BackupID} {
		if id != "" {
			checkID(t, text, id)
		}
	}
	checkFreeText(t, text, r.Reason, MaxReasonLen)
	checkFreeText(t, text, r.BreakGlass, MaxReasonLen)
	checkFreeText(t, text, r.Ticket, MaxTicketLen)
	if r.Time != "" {
		if _, err := ParseTime(r.Time, time.UTC); err != nil {
			t.Errorf("Parse(%q) accepted time %q that ParseTime refuses: %v", text, r.Time, err)
		}
	}
	// Printing the request and sending it through Slack (which escapes &,
	// < and >) gives the same request back.
	again, err := Parse(escapeMrkdwn(r.String()))
	if err != nil {
		t.Fatalf("Parse(%q) = %#v, but its String %q does not parse: %v", text, r, r.String(), err)
	}
	if diff := cmp.Diff(Command(r), again); diff != "" {
		t.Errorf("round trip of %q via %q (-first +again):\n%s", text, r.String(), diff)
	}
}

func checkID(t *testing.T, text, id string) {
	t.Helper()
	if id == "" || strings.IndexFunc(id, func(r rune) bool { return unicode.IsSpace(r) || invisible(r) }) >= 0 ||
		utf8.RuneCountInString(id) > MaxIDLen {
		t.Errorf("Parse(%q) accepted the ID %q", text, id)
	}
}

func checkFreeText(t *testing.T, text, v string, max int) {
	t.Helper()
	if v != strings.TrimSpace(v) || utf8.RuneCountInString(v) > max || !utf8.ValidString(v) {
		t.Errorf("Parse(%q) accepted the text %q", text, v)
	}
}

// fuzzZones are the zones FuzzParseTime reads wall-clock times in: no DST,
// both hemispheres' DST, a half-hour DST shift and a 45-minute offset.
var fuzzZones = []string{"UTC", "Asia/Shanghai", "America/New_York", "Europe/London",
	"Australia/Lord_Howe", "Pacific/Chatham", "America/Sao_Paulo"}

func FuzzParseTime(f *testing.F) {
	for i, seed := range []string{
		"2026-11-26T09:30:00Z", "2026-11-26T17:30:00+08:00", "2026-11-26T09:30:00.123456789Z",
		"1795685400000", "1795685400", "2026-11-26 09:30", "2026-11-26T09:30:15",
		"2026-03-08 02:30", "2026-11-01 01:30", "2026-03-29 01:30", "2026-10-25 01:30",
		"2026-10-04 02:15", "1970-01-01 00:00", "9999-12-31 23:59", "", "yesterday",
	} {
		f.Add(seed, uint8(i))
	}
	locs := make([]*time.Location, len(fuzzZones))
	for i, z := range fuzzZones {
		locs[i] = mustLoad(f, z)
	}
	f.Fuzz(func(t *testing.T, s string, zone uint8) {
		loc := locs[int(zone)%len(locs)]
		got, err := ParseTime(s, loc)
		if err != nil {
			checkRefusal(t, s, nil, err, TimeUsage)
			if !got.IsZero() {
				t.Errorf("ParseTime(%q) returned %s with its error", s, got)
			}
			return
		}
		if got.Location() != time.UTC {
			t.Errorf("ParseTime(%q, %s) location %s, want UTC", s, loc, got.Location())
		}
		// The RFC 3339 form of the result reads back as the same instant,
		// whatever the zone.
		formatted := got.Format(time.RFC3339Nano)
		for _, l := range locs {
			again, err := ParseTime(formatted, l)
			if err != nil || !again.Equal(got) {
				t.Errorf("ParseTime(%q, %s) = %s, but reading it back in %s gives %s, %v", s, loc, formatted, l, again, err)
			}
		}
		// Its wall clock in loc reads back as the same instant, unless that
		// wall-clock time happens twice, in which case both are named.
		local := got.In(loc).Format("2006-01-02 15:04:05.999999999")
		again, err := ParseTime(local, loc)
		switch {
		case err == nil && !again.Equal(got):
			t.Errorf("ParseTime(%q, %s) = %s, but its wall clock %q reads back as %s", s, loc, formatted, local, again)
		case err != nil && (!strings.Contains(err.Error(), "happens twice") || !strings.Contains(err.Error(), formatted)):
			t.Errorf("ParseTime(%q, %s) = %s, but its wall clock %q is refused: %v", s, loc, formatted, local, err)
		}
	})
}
