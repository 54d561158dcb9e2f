package slackapp

import (
	"slices"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
)

func TestHomeBoardPace(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	h := newHomeBoard(10*time.Second, 3, time.Minute)
	r := approvals.Request{Requester: "UREQ", Rule: approvals.Rule{Approvers: []string{"UAPP", "SGRP"}}}

	// drain takes every person ready at now, one at a time, as the loop does.
	drain := func(now time.Time) (users []string, next time.Time) {
		for {
			u, n := h.ready(now)
			if u == "" {
				return users, n
			}
			users = append(users, u)
		}
	}
	h.changed(r, nil)
	if g := h.groups(); !slices.Equal(g, []string{"SGRP"}) {
		t.Fatalf("groups() = %v, want the approvers' group to expand", g)
	}
	users, _ := drain(t0)
	slices.Sort(users)
	if !slices.Equal(users, []string{"UAPP", "UREQ"}) {
		t.Fatalf("first ready = %v", users)
	}
	// A change within the interval waits for it; many changes make one publish.
	for range 100 {
		h.changed(r, nil)
	}
	h.groups()
	users, next := drain(t0.Add(time.Second))
	if len(users) != 0 || !next.Equal(t0.Add(10*time.Second)) {
		t.Fatalf("within the interval: ready = %v, next %v; want none until %v", users, next, t0.Add(10*time.Second))
	}
	// Opening the tab does not wait for the interval, but does for the rate.
	h.opened("UAPP")
	if users, _ = drain(t0.Add(2 * time.Second)); !slices.Equal(users, []string{"UAPP"}) {
		t.Fatalf("opened: ready = %v, want UAPP at once", users)
	}
	// Three publishes are the limit in the window: UREQ waits for the window.
	users, next = drain(t0.Add(11 * time.Second))
	if len(users) != 0 || !next.Equal(t0.Add(time.Minute)) {
		t.Fatalf("over the rate: ready = %v, next %v; want none until %v", users, next, t0.Add(time.Minute))
	}
	if users, _ = drain(t0.Add(time.Minute)); !slices.Equal(users, []string{"UREQ"}) {
		t.Fatalf("after the window: ready = %v, want UREQ", users)
	}
	// A 429 holds everything until Retry-After.
	h.retry("UREQ", t0.Add(2*time.Minute))
	if users, next = drain(t0.Add(90 * time.Second)); len(users) != 0 || !next.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("paused: ready = %v, next %v", users, next)
	}
	if users, _ = drain(t0.Add(2 * time.Minute)); !slices.Equal(users, []string{"UREQ"}) {
		t.Fatalf("after the pause: ready = %v", users)
	}
	// A notice is shown once.
	h.note("UAPP", "done")
	if n := h.takeNotice("UAPP"); n != "done" || h.takeNotice("UAPP") != "" {
		t.Errorf("notice = %q, then not forgotten", n)
	}
}
