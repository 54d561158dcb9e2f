package outbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
)

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// recorder is a fake sender: it records what was sent and when, and fails
// the attempts a test asks for.
type recorder struct {
	mu    sync.Mutex
	sent  []string
	at    []time.Time
	fails map[string][]error // message -> errors of its next attempts
	tries map[string]int
}

func newRecorder() *recorder {
	return &recorder{fails: map[string][]error{}, tries: map[string]int{}}
}

func (r *recorder) send(text string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.tries[text]++
		if q := r.fails[text]; len(q) > 0 {
			r.fails[text] = q[1:]
			return "", q[0]
		}
		r.sent = append(r.sent, text)
		r.at = append(r.at, time.Now())
		return fmt.Sprintf("ts-%d", len(r.sent)), nil
	}
}

func (r *recorder) snapshot() ([]string, []time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.sent...), append([]time.Time(nil), r.at...)
}

func msg(rec *recorder, lane, text string) Message {
	return Message{Lane: lane, What: text, Method: "chat.postMessage", Send: rec.send(text), Paced: true}
}

func TestOrderAndPacePerLane(t *testing.T) {
	const interval = 100 * time.Millisecond
	b := New(Options{Log: zerolog.Nop(), Interval: interval, Burst: 2})
	defer b.Close(testCtx(t))
	rec := newRecorder()
	var results []*Result
	for i := range 8 {
		results = append(results, b.Send(testCtx(t), msg(rec, "C1", fmt.Sprintf("a%d", i))))
		results = append(results, b.Send(testCtx(t), msg(rec, "C2", fmt.Sprintf("b%d", i))))
	}
	for _, r := range results {
		if _, err := r.Wait(testCtx(t)); err != nil {
			t.Fatal(err)
		}
	}
	sent, at := rec.snapshot()
	var a, b2 []int
	for i, s := range sent {
		if s[0] == 'a' {
			a = append(a, i)
		} else {
			b2 = append(b2, i)
		}
	}
	for _, idx := range [][]int{a, b2} {
		for k := range idx {
			if want := fmt.Sprintf("%c%d", sent[idx[0]][0], k); sent[idx[k]] != want {
				t.Fatalf("lane order %v, want %s at %d", sent, want, k)
			}
			// at most Burst (2) in any 2×interval
			if k >= 2 {
				if gap := at[idx[k]].Sub(at[idx[k-2]]); gap < 2*interval {
					t.Errorf("%s sent %v after %s: faster than 2 per %v", sent[idx[k]], gap, sent[idx[k-2]], 2*interval)
				}
			}
		}
	}
	// Two lanes go at the same time: 8 each at 2 per 200ms take ~600ms,
	// one after the other they would take 1.4s.
	if took := at[len(at)-1].Sub(at[0]); took > 1100*time.Millisecond {
		t.Errorf("16 messages in two lanes took %v: the lanes did not run side by side", took)
	}
}

func TestRetriesUntilSentAndStopsOnPermanent(t *testing.T) {
	b := New(Options{Log: zerolog.Nop(), Interval: -1, RetryMin: 10 * time.Millisecond})
	defer b.Close(testCtx(t))
	rec := newRecorder()
	rec.fails["flaky"] = []error{
		errors.New("connection reset by peer"), slack.StatusCodeError{Code: 502, Status: "502 Bad Gateway"},
		slack.SlackErrorResponse{Err: "internal_error"}, &slack.RateLimitedError{RetryAfter: time.Second},
	}
	rec.fails["gone"] = []error{slack.SlackErrorResponse{Err: "channel_not_found"}}
	var failures []string
	var mu sync.Mutex
	b.o.Failed = func(what string, err error) { mu.Lock(); failures = append(failures, what); mu.Unlock() }
	flaky, gone, after := b.Send(testCtx(t), msg(rec, "C", "flaky")), b.Send(testCtx(t), msg(rec, "C", "gone")), b.Send(testCtx(t), msg(rec, "C", "after"))
	start := time.Now()
	if ts, err := flaky.Wait(testCtx(t)); err != nil || ts == "" {
		t.Errorf("flaky: %q, %v; want sent after 4 transient failures", ts, err)
	}
	if time.Since(start) < time.Second {
		t.Errorf("a 429's Retry-After of 1s was not waited (%v)", time.Since(start))
	}
	if _, err := gone.Wait(testCtx(t)); slackCode(err) != "channel_not_found" {
		t.Errorf("gone: %v, want channel_not_found at once", err)
	}
	if _, err := after.Wait(testCtx(t)); err != nil {
		t.Errorf("the message after a failed one: %v", err)
	}
	if rec.tries["flaky"] != 5 || rec.tries["gone"] != 1 {
		t.Errorf("attempts: flaky %d (want 5), gone %d (want 1)", rec.tries["flaky"], rec.tries["gone"])
	}
	if sent, _ := rec.snapshot(); fmt.Sprint(sent) != "[flaky after]" {
		t.Errorf("sent %v", sent)
	}
	if len(failures) != 5 {
		t.Errorf("Failed told of %d failures, want 5", len(failures))
	}
}

func slackCode(err error) string {
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok {
		return se.Err
	}
	return ""
}

func TestGiveUpAfter(t *testing.T) {
	b := New(Options{Log: zerolog.Nop(), Interval: -1, RetryMin: 20 * time.Millisecond})
	defer b.Close(testCtx(t))
	rec := newRecorder()
	for range 100 {
		rec.fails["approval"] = append(rec.fails["approval"], slack.StatusCodeError{Code: 503, Status: "503"})
	}
	m := msg(rec, "C", "approval")
	m.GiveUpAfter = 200 * time.Millisecond
	_, err := b.Send(testCtx(t), m).Wait(testCtx(t))
	var gave *GaveUpError
	if !errors.As(err, &gave) || gave.Tried > 200*time.Millisecond {
		t.Fatalf("err = %v, want a GaveUpError within 200ms", err)
	}
	if n := rec.tries["approval"]; n < 3 {
		t.Errorf("%d attempts before giving up, want several", n)
	}
}

func TestReplaceKeepsTheNewestWaitingUpdate(t *testing.T) {
	b := New(Options{Log: zerolog.Nop(), Interval: -1})
	defer b.Close(testCtx(t))
	rec := newRecorder()
	release := make(chan struct{})
	blocker := Message{Lane: "C", What: "blocker", Send: func(context.Context) (string, error) { <-release; return "x", nil }}
	b.Send(testCtx(t), blocker)
	var rs []*Result
	for i := range 3 {
		m := Message{Lane: "C", What: "update", Replace: "C/1.0", Send: rec.send(fmt.Sprintf("v%d", i))}
		rs = append(rs, b.Send(testCtx(t), m))
	}
	close(release)
	for _, r := range rs {
		if _, err := r.Wait(testCtx(t)); err != nil {
			t.Fatal(err)
		}
	}
	if sent, _ := rec.snapshot(); fmt.Sprint(sent) != "[v2]" {
		t.Errorf("sent %v, want only the newest update", sent)
	}
}

func TestFullLaneBlocksAndCloseDrainsThenStops(t *testing.T) {
	b := New(Options{Log: zerolog.Nop(), Interval: 100 * time.Millisecond, Burst: 1, QueueLen: 2})
	rec := newRecorder()
	for i := range 4 { // m0 sent, m1 taken (paced), m2 and m3 waiting
		b.Send(testCtx(t), msg(rec, "C", fmt.Sprintf("m%d", i)))
	}
	short, cancel := context.WithTimeout(testCtx(t), 20*time.Millisecond)
	defer cancel()
	if _, err := b.Send(short, msg(rec, "C", "over")).Wait(testCtx(t)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("send into a full lane: %v, want it to block until ctx ends", err)
	}
	late := b.Send(testCtx(t), msg(rec, "C", "m4")) // room again once m1 went, at ~100ms
	drain, cancel2 := context.WithTimeout(testCtx(t), 150*time.Millisecond)
	defer cancel2()
	b.Close(drain) // m2 goes at ~200ms; m3 (300ms) and m4 (400ms) are past the bound
	if _, err := late.Wait(testCtx(t)); !errors.Is(err, ErrStopped) {
		t.Errorf("a message still queued at the drain bound: %v, want ErrStopped", err)
	}
	if sent, _ := rec.snapshot(); len(sent) < 2 || sent[0] != "m0" || sent[1] != "m1" {
		t.Errorf("drained %v, want m0, m1 (in order) at least", sent)
	}
	if _, err := b.Send(testCtx(t), msg(rec, "C", "closed")).Wait(testCtx(t)); !errors.Is(err, ErrClosed) {
		t.Errorf("send after close: %v", err)
	}
	if n := b.Waiting(); n != 0 {
		t.Errorf("%d still waiting after Close", n)
	}
}

func TestStopEndsQueuedAndLaterMessages(t *testing.T) {
	b := New(Options{Log: zerolog.Nop(), Interval: time.Hour, Burst: 1})
	rec := newRecorder()
	first := b.Send(testCtx(t), msg(rec, "C", "first"))
	queued := b.Send(testCtx(t), msg(rec, "C", "queued")) // an hour's pace away
	if _, err := first.Wait(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	b.Stop()
	if _, err := queued.Wait(testCtx(t)); !errors.Is(err, ErrStopped) {
		t.Errorf("queued: %v, want ErrStopped", err)
	}
	if _, err := b.Send(testCtx(t), msg(rec, "D", "later")).Wait(testCtx(t)); !errors.Is(err, ErrStopped) {
		t.Errorf("given after Stop: %v, want ErrStopped", err)
	}
	b.Close(testCtx(t))
	if sent, _ := rec.snapshot(); fmt.Sprint(sent) != "[first]" {
		t.Errorf("sent %v", sent)
	}
}
