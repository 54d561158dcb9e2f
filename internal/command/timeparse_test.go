package command

import (
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the host's zoneinfo
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func mustUTC(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("bad test time %q: %v", s, err)
	}
	return v.UTC()
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		name string
		in   string
		zone string // "" means a nil location
		want string // RFC 3339, UTC
	}{
		{"RFC 3339 UTC", "2026-11-26T09:30:00Z", "America/New_York", "2026-11-26T09:30:00Z"},
		{"RFC 3339 offset", "2026-11-26T17:30:00+08:00", "UTC", "2026-11-26T09:30:00Z"},
		{"RFC 3339 negative offset", "2026-11-26T04:30:00-05:00", "Asia/Shanghai", "2026-11-26T09:30:00Z"},
		{"RFC 3339 fractional", "2026-11-26T09:30:00.123456789Z", "UTC", "2026-11-26T09:30:00.123456789Z"},
		{"RFC 3339 lower case", "2026-11-26t09:30:00z", "UTC", "2026-11-26T09:30:00Z"},
		{"RFC 3339 with a space", "2026-11-26 17:30:00+08:00", "UTC", "2026-11-26T09:30:00Z"},
		{"offset without seconds", "2026-11-26T17:30+08:00", "UTC", "2026-11-26T09:30:00Z"},
		{"offset ignores the zone", "2026-03-08T02:30:00-05:00", "America/New_York", "2026-03-08T07:30:00Z"},
		{"surrounding space", "  2026-11-26T09:30:00Z \n", "UTC", "2026-11-26T09:30:00Z"},
		{"milliseconds", "1795685400000", "Asia/Shanghai", "2026-11-26T09:30:00Z"},
		{"milliseconds with a fraction of a second", "1795685400123", "UTC", "2026-11-26T09:30:00.123Z"},
		{"milliseconds 12 digits", "100000000000", "UTC", "1973-03-03T09:46:40Z"},
		{"milliseconds 14 digits", "10000000000000", "UTC", "2286-11-20T17:46:40Z"},
		{"wall clock Shanghai", "2026-11-26 17:30", "Asia/Shanghai", "2026-11-26T09:30:00Z"},
		{"wall clock with T", "2026-11-26T17:30", "Asia/Shanghai", "2026-11-26T09:30:00Z"},
		{"wall clock seconds", "2026-11-26 17:30:15", "Asia/Shanghai", "2026-11-26T09:30:15Z"},
		{"wall clock fraction", "2026-11-26 17:30:15.25", "Asia/Shanghai", "2026-11-26T09:30:15.25Z"},
		{"wall clock nil zone is UTC", "2026-11-26 09:30", "", "2026-11-26T09:30:00Z"},
		{"Shanghai has no DST", "2026-03-08 02:30", "Asia/Shanghai", "2026-03-07T18:30:00Z"},
		{"New York before spring gap", "2026-03-08 01:59", "America/New_York", "2026-03-08T06:59:00Z"},
		{"New York after spring gap", "2026-03-08 03:00", "America/New_York", "2026-03-08T07:00:00Z"},
		{"New York summer", "2026-07-04 12:00", "America/New_York", "2026-07-04T16:00:00Z"},
		{"New York before fall overlap", "2026-11-01 00:59:59", "America/New_York", "2026-11-01T04:59:59Z"},
		{"New York after fall overlap", "2026-11-01 02:00", "America/New_York", "2026-11-01T07:00:00Z"},
		{"London winter", "2026-03-29 00:30", "Europe/London", "2026-03-29T00:30:00Z"},
		{"London after spring gap", "2026-03-29 02:00", "Europe/London", "2026-03-29T01:00:00Z"},
		{"London summer", "2026-07-01 12:00", "Europe/London", "2026-07-01T11:00:00Z"},
		{"London after fall overlap", "2026-10-25 02:00", "Europe/London", "2026-10-25T02:00:00Z"},
		{"Lord Howe half-hour DST", "2026-10-04 02:30", "Australia/Lord_Howe", "2026-10-03T15:30:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var loc *time.Location
			if tt.zone != "" {
				loc = mustLoad(t, tt.zone)
			}
			got, err := ParseTime(tt.in, loc)
			if err != nil {
				t.Fatalf("ParseTime(%q, %s) error: %v", tt.in, tt.zone, err)
			}
			if want := mustUTC(t, tt.want); !got.Equal(want) {
				t.Errorf("ParseTime(%q, %s) = %s, want %s", tt.in, tt.zone, got.Format(time.RFC3339Nano), tt.want)
			}
			if got.Location() != time.UTC {
				t.Errorf("ParseTime(%q, %s) location %s, want UTC", tt.in, tt.zone, got.Location())
			}
		})
	}
}

func TestParseTimeRefusals(t *testing.T) {
	tests := []struct {
		name string
		in   string
		zone string
		want []string
	}{
		{"empty", "", "UTC", []string{"missing time", "accepted:"}},
		{"seconds", "1795685400", "UTC", []string{`the time "1795685400" looks like UNIX seconds`, "e.g. 1795685400000"}},
		{"11 digits", "17956854000", "UTC", []string{"is not UNIX milliseconds (12 to 14 digits"}},
		{"15 digits", "179568540000000", "UTC", []string{"is not UNIX milliseconds"}},
		{"negative milliseconds", "-1795685400000", "UTC", []string{"cannot read the time", "accepted:"}},
		{"words", "yesterday", "UTC", []string{`cannot read the time "yesterday"`, "2026-11-26T17:30:00+08:00"}},
		{"date only", "2026-11-26", "UTC", []string{"cannot read the time"}},
		{"month 13", "2026-13-01 10:00", "UTC", []string{"cannot read the time"}},
		{"November 31", "2026-11-31 10:00", "UTC", []string{"cannot read the time"}},
		{"hour 24", "2026-11-26 24:00", "UTC", []string{"cannot read the time"}},
		{"offset without colon", "2026-11-26T09:30:00+0800", "UTC", []string{"cannot read the time"}},
		{"before 1970", "1969-12-31T23:59:59Z", "UTC", []string{"outside the years 1970 to 9999"}},
		{"before 1970 after the offset", "1970-01-01 07:00", "Asia/Shanghai", []string{"outside the years 1970 to 9999"}},
		{"after 9999 after the offset", "9999-12-31 23:00", "America/New_York", []string{"outside the years 1970 to 9999"}},
		{"New York spring gap", "2026-03-08 02:30", "America/New_York", []string{
			`the time "2026-03-08 02:30" does not exist in America/New_York`,
			"on 2026-03-08 clocks jump from 02:00 EST to 03:00 EDT",
			"explicit offset: 2026-03-08T02:30:00-05:00 (EST, which is 2026-03-08T07:30:00Z)",
			"2026-03-08T02:30:00-04:00 (EDT, which is 2026-03-08T06:30:00Z)",
		}},
		{"New York gap start", "2026-03-08 02:00", "America/New_York", []string{"does not exist in America/New_York"}},
		{"New York gap end", "2026-03-08 02:59:59.999", "America/New_York", []string{"does not exist", "2026-03-08T02:59:59.999-05:00"}},
		{"New York fall overlap", "2026-11-01 01:30", "America/New_York", []string{
			`the time "2026-11-01 01:30" happens twice in America/New_York`,
			"on 2026-11-01 clocks go back from 02:00 EDT to 01:00 EST",
			"either 2026-11-01T05:30:00Z (EDT) or 2026-11-01T06:30:00Z (EST)",
			"explicit offset: 2026-11-01T01:30:00-04:00 for the first or 2026-11-01T01:30:00-05:00 for the second",
		}},
		{"New York overlap start", "2026-11-01T01:00", "America/New_York", []string{"either 2026-11-01T05:00:00Z (EDT) or 2026-11-01T06:00:00Z (EST)"}},
		{"New York overlap end", "2026-11-01 01:59:59", "America/New_York", []string{"happens twice"}},
		{"London spring gap", "2026-03-29 01:30", "Europe/London", []string{
			"does not exist in Europe/London", "clocks jump from 01:00 GMT to 02:00 BST"}},
		{"London fall overlap", "2026-10-25 01:30", "Europe/London", []string{
			"happens twice in Europe/London", "either 2026-10-25T00:30:00Z (BST) or 2026-10-25T01:30:00Z (GMT)"}},
		{"Lord Howe half-hour gap", "2026-10-04 02:15", "Australia/Lord_Howe", []string{"does not exist", "clocks jump from 02:00 +1030 to 02:30 +11"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTime(tt.in, mustLoad(t, tt.zone))
			if err == nil {
				t.Fatalf("ParseTime(%q, %s) = %s, want an error", tt.in, tt.zone, got.Format(time.RFC3339Nano))
			}
			if !got.IsZero() {
				t.Errorf("ParseTime(%q, %s) returned %s with its error", tt.in, tt.zone, got)
			}
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("ParseTime(%q) error %T %v, want *UsageError", tt.in, err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(ue.Message, w) {
					t.Errorf("ParseTime(%q, %s) message\n%s\nlacks %q", tt.in, tt.zone, ue.Message, w)
				}
			}
			if ue.Usage != TimeUsage {
				t.Errorf("usage = %q, want TimeUsage", ue.Usage)
			}
		})
	}
}

// The offsets suggested for a gap or an overlap must themselves be accepted
// and mean the instants the message names.
func TestParseTimeSuggestionsParse(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	for in, want := range map[string]string{
		"2026-03-08T02:30:00-05:00": "2026-03-08T07:30:00Z",
		"2026-03-08T02:30:00-04:00": "2026-03-08T06:30:00Z",
		"2026-11-01T01:30:00-04:00": "2026-11-01T05:30:00Z",
		"2026-11-01T01:30:00-05:00": "2026-11-01T06:30:00Z",
	} {
		got, err := ParseTime(in, ny)
		if err != nil {
			t.Fatalf("ParseTime(%q) error: %v", in, err)
		}
		if !got.Equal(mustUTC(t, want)) {
			t.Errorf("ParseTime(%q) = %s, want %s", in, got, want)
		}
	}
}
