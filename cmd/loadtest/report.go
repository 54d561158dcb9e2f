package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Targets from the issue: the bot's p99 ack latency within 3× the floor's
// and at most a fifth of Bolt for JavaScript's; idle RSS under 20 MiB.
const (
	floorFactor = 3
	boltDivisor = 5
	idleRSSMax  = 20 << 20
)

// Report is what a run measured.
type Report struct {
	N, Replicas, Requesters int
	Prefix                  string        // the Redis key prefix used (and emptied)
	BoltP99                 time.Duration // Bolt for JavaScript's p99 on the same burst

	BotSlash, BotApprove     Latency
	FloorSlash, FloorApprove Latency
	PostedIn, JobsIn         time.Duration // from the first envelope to the last approval message / job ID

	Approved           int // Approve clicks acked
	RestoreCalls       int // restore POSTs GaussDB received, counted after the replicas stopped
	RestoreCallsAtJobs int // … counted when the last job ID appeared
	DistinctTargets    int // instances those POSTs went to

	IdleRSS, PeakRSS           []int64 // per replica, bytes
	IdleAnon, IdleFile         []int64 // IdleRSS split: anonymous (heap, stacks) and file-backed (the binary)
	FloorIdleRSS, FloorPeakRSS []int64 // per floor client

	// CPU time used from just before the first burst to the end of the last
	// wait: per replica (per floor client), and by this process with its
	// fakes, which share the machine with them.
	BotCPU, FloorCPU      []time.Duration
	ToolCPU, FloorToolCPU time.Duration

	BotExits   []string // replicas that did not exit 0 after SIGTERM
	Violations []string // Slack rules the bots broke, as the fake saw them
	Logs       []string // log tails of the replicas, when asked or on trouble
}

// callsMatch is the one check that always decides the exit code: exactly
// one restore call per approved request.
func (r *Report) callsMatch() bool {
	return r.Approved == r.N && r.RestoreCalls == r.Approved && r.DistinctTargets == r.Approved
}

// target is one of the goals, met or not.
type target struct {
	name, got, want string
	ok              bool
}

func (r *Report) targets() []target {
	ratio := func(bot, floor time.Duration) string {
		if floor <= 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.1f×", float64(bot)/float64(floor))
	}
	idle := slices.Max(append([]int64{0}, r.IdleRSS...))
	bolt := r.BoltP99 / boltDivisor
	return []target{
		{"p99 ack, slash burst, vs floor", ratio(r.BotSlash.P99, r.FloorSlash.P99), fmt.Sprintf("≤ %d×", floorFactor),
			r.BotSlash.P99 <= floorFactor*r.FloorSlash.P99},
		{"p99 ack, approve burst, vs floor", ratio(r.BotApprove.P99, r.FloorApprove.P99), fmt.Sprintf("≤ %d×", floorFactor),
			r.BotApprove.P99 <= floorFactor*r.FloorApprove.P99},
		{"p99 ack, slash burst, vs Bolt JS", ms(r.BotSlash.P99), "≤ " + ms(bolt) + " (" + ms(r.BoltP99) + "/5)",
			r.BotSlash.P99 <= bolt},
		{"idle RSS, largest replica", mib(idle), "< " + mib(idleRSSMax), idle > 0 && idle < idleRSSMax},
	}
}

// exitCode is 1 when the restore calls differ from the approvals, or (with
// strict) when a target is missed or a replica exited badly; else 0.
func exitCode(r *Report, strict bool) int {
	if !r.callsMatch() {
		return 1
	}
	if !strict {
		return 0
	}
	if len(r.BotExits) > 0 {
		return 1
	}
	for _, t := range r.targets() {
		if !t.ok {
			return 1
		}
	}
	return 0
}

// print writes the summary table.
func (r *Report) print(w io.Writer) {
	fmt.Fprintf(w, "\ndb-restore load test: %d slash commands from %d users, then %d approvals; %d replicas; %s/%s, %d CPUs\n\n",
		r.N, r.Requesters, r.Approved, r.Replicas, runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Fprintf(w, "%-24s %6s %6s %5s %9s %9s %9s %9s  %s\n", "ack latency", "bytes", "acks", "late", "p50", "p99", "max", "sent in", "per connection")
	for _, row := range []struct {
		name string
		l    Latency
	}{
		{"floor  slash commands", r.FloorSlash}, {"bot    slash commands", r.BotSlash},
		{"floor  approvals", r.FloorApprove}, {"bot    approvals", r.BotApprove},
	} {
		fmt.Fprintf(w, "%-24s %6d %6d %5d %9s %9s %9s %9s  %s\n", row.name, row.l.Bytes, row.l.Count, row.l.Late,
			ms(row.l.P50), ms(row.l.P99), ms(row.l.Max), ms(row.l.Sent), perConn(row.l.PerConn))
	}
	fmt.Fprintf(w, "\nall %d approval messages posted %s after the first command; all job IDs in threads %s after the first click\n",
		r.N, secs(r.PostedIn), secs(r.JobsIn))
	verdict := "OK"
	if !r.callsMatch() {
		verdict = "MISMATCH"
	}
	fmt.Fprintf(w, "restore calls: %d made (%d when the last job ID showed), %d distinct targets, %d approved: %s\n",
		r.RestoreCalls, r.RestoreCallsAtJobs, r.DistinctTargets, r.Approved, verdict)
	fmt.Fprintf(w, "bot RSS:   idle %s (anonymous %s, file-backed %s), peak %s\n",
		mibs(r.IdleRSS), mibs(r.IdleAnon), mibs(r.IdleFile), mibs(r.PeakRSS))
	fmt.Fprintf(w, "floor RSS: idle %s, peak %s\n", mibs(r.FloorIdleRSS), mibs(r.FloorPeakRSS))
	fmt.Fprintf(w, "CPU used:  bots %s, load tool and fakes %s; floor clients %s, load tool and fake %s\n",
		cpus(r.BotCPU), secs(r.ToolCPU), cpus(r.FloorCPU), secs(r.FloorToolCPU))

	fmt.Fprintf(w, "\n%-34s %10s  %s\n", "target", "measured", "goal")
	for _, t := range r.targets() {
		res := "PASS"
		if !t.ok {
			res = "FAIL"
		}
		fmt.Fprintf(w, "%-34s %10s  %-28s %s\n", t.name, t.got, t.want, res)
	}
	r.printTrouble(w)
}

// printTrouble writes what went wrong around the bots: bad exits, broken
// Slack rules, log tails.
func (r *Report) printTrouble(w io.Writer) {
	if len(r.BotExits) > 0 {
		fmt.Fprintf(w, "\nreplicas that did not stop cleanly:\n  %s\n", strings.Join(r.BotExits, "\n  "))
	}
	if len(r.Violations) > 0 {
		fmt.Fprintf(w, "\nSlack rules broken (%d), first ones:\n", len(r.Violations))
		for _, v := range r.Violations[:min(10, len(r.Violations))] {
			fmt.Fprintf(w, "  %s\n", v)
		}
	}
	for _, l := range r.Logs {
		fmt.Fprintf(w, "\nlog tail of %s\n", l)
	}
}

func perConn(m map[int]int) string {
	ids := make([]int, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("#%d:%d", id, m[id])
	}
	return strings.Join(parts, " ")
}

func ms(d time.Duration) string   { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }
func secs(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }
func mib(b int64) string          { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func cpus(ds []time.Duration) string {
	if len(ds) == 0 {
		return "n/a"
	}
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = secs(d)
	}
	return strings.Join(parts, " / ")
}

func mibs(bs []int64) string {
	if len(bs) == 0 {
		return "n/a"
	}
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = mib(b)
	}
	return strings.Join(parts, " / ")
}
