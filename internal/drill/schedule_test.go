package drill

import (
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/policy"
)

func TestScheduleSlot(t *testing.T) {
	const berlin = "Europe/Berlin"
	tests := []struct {
		name      string
		sched     policy.Schedule
		at        string // UTC
		cur, next string // RFC 3339 as the zone writes them
	}{
		{"every 168h, epoch-aligned (Thursday 00:00 UTC)", policy.Schedule{Every: 168 * time.Hour}, "2026-12-07T10:00:00Z", "2026-12-03T00:00:00Z", "2026-12-10T00:00:00Z"},
		{"every 24h at the period start", policy.Schedule{Every: 24 * time.Hour}, "2026-12-07T00:00:00Z", "2026-12-07T00:00:00Z", "2026-12-08T00:00:00Z"},
		{"every 24h counts real time across DST", policy.Schedule{Every: 24 * time.Hour}, "2026-10-25T12:00:00Z", "2026-10-25T00:00:00Z", "2026-10-26T00:00:00Z"},
		{"every 90m", policy.Schedule{Every: 90 * time.Minute}, "1970-01-01T02:00:00Z", "1970-01-01T01:30:00Z", "1970-01-01T03:00:00Z"},
		{"weekly cron, mid-week", policy.Schedule{Cron: "0 3 * * 1", TimeZone: berlin}, "2026-12-09T12:00:00Z", "2026-12-07T03:00:00+01:00", "2026-12-14T03:00:00+01:00"},
		{"weekly cron, at the firing", policy.Schedule{Cron: "0 3 * * 1", TimeZone: berlin}, "2026-12-07T02:00:00Z", "2026-12-07T03:00:00+01:00", "2026-12-14T03:00:00+01:00"},
		{"weekly cron, a second before", policy.Schedule{Cron: "0 3 * * 1", TimeZone: berlin}, "2026-12-07T01:59:59Z", "2026-11-30T03:00:00+01:00", "2026-12-07T03:00:00+01:00"},
		{"weekly cron in UTC", policy.Schedule{Cron: "0 3 * * 1", TimeZone: "UTC"}, "2026-12-07T02:00:00Z", "2026-11-30T03:00:00Z", "2026-12-07T03:00:00Z"},
		{"weekly cron across the autumn change: a week of 169h", policy.Schedule{Cron: "0 3 * * 1", TimeZone: berlin}, "2026-10-25T12:00:00Z", "2026-10-19T03:00:00+02:00", "2026-10-26T03:00:00+01:00"},
		{"daily at 02:30, autumn: the repeated hour fires once", policy.Schedule{Cron: "30 2 * * *", TimeZone: berlin}, "2026-10-25T01:10:00Z", "2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"},
		{"daily at 02:30, spring: no 02:30 that day, so none", policy.Schedule{Cron: "30 2 * * *", TimeZone: berlin}, "2026-03-29T01:10:00Z", "2026-03-28T02:30:00+01:00", "2026-03-30T02:30:00+02:00"},
		{"hourly, spring gap", policy.Schedule{Cron: "0 * * * *", TimeZone: berlin}, "2026-03-29T00:10:00Z", "2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00"},
		{"hourly, autumn: 02:00 once", policy.Schedule{Cron: "0 * * * *", TimeZone: berlin}, "2026-10-25T01:10:00Z", "2026-10-25T02:00:00+02:00", "2026-10-25T03:00:00+01:00"},
		{"descriptor", policy.Schedule{Cron: "@daily", TimeZone: "Asia/Shanghai"}, "2026-12-07T17:00:00Z", "2026-12-08T00:00:00+08:00", "2026-12-09T00:00:00+08:00"},
		{"leap day, four years back", policy.Schedule{Cron: "0 0 29 2 *", TimeZone: "UTC"}, "2027-03-01T00:00:00Z", "2024-02-29T00:00:00Z", "2028-02-29T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSchedule(tt.sched)
			if err != nil {
				t.Fatalf("NewSchedule: %v", err)
			}
			at := mustTime(t, tt.at)
			cur, next := s.Slot(at)
			if got, want := cur.Format(time.RFC3339), tt.cur; got != want || !cur.Equal(mustTime(t, want)) {
				t.Errorf("period start = %s, want %s", got, want)
			}
			if got, want := next.Format(time.RFC3339), tt.next; got != want || !next.Equal(mustTime(t, want)) {
				t.Errorf("next = %s, want %s", got, want)
			}
			if p := s.Period(at); p != next.Sub(cur) {
				t.Errorf("Period = %v, want %v", p, next.Sub(cur))
			}
		})
	}
}

func TestScheduleRefuses(t *testing.T) {
	for _, s := range []policy.Schedule{{}, {Every: -time.Hour}, {Cron: "0 3 * * 1"}, {Cron: "0 3 * * 1", TimeZone: "Nowhere/City"}, {Cron: "0 3 *", TimeZone: "UTC"}} {
		if _, err := NewSchedule(s); err == nil {
			t.Errorf("NewSchedule(%+v) accepted", s)
		}
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return v
}
