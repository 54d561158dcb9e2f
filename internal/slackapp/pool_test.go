package slackapp

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// TestPoolDecisionsFirstAndNeverBlocks: with the only general worker busy,
// a decision still runs on a decider; a full work queue refuses at once;
// and a general worker takes a waiting decision before queued work.
func TestPoolDecisionsFirstAndNeverBlocks(t *testing.T) {
	var mu sync.Mutex
	var order []string
	record := func(s string) func() {
		return func() { mu.Lock(); order = append(order, s); mu.Unlock() }
	}
	block := make(chan struct{})
	started := make(chan struct{})
	p := startPool(1, 1, 4, 2)
	if !p.tryQueue(laneWork, func() { close(started); <-block }) {
		t.Fatal("first work refused")
	}
	<-started
	decided := make(chan struct{})
	if !p.tryQueue(laneDecision, func() { close(decided) }) {
		t.Fatal("decision refused")
	}
	select {
	case <-decided:
	case <-time.After(5 * time.Second):
		t.Fatal("a decision waited behind request work")
	}

	// Hold the decider so that the next decision waits in the queue.
	holdDecider := make(chan struct{})
	deciderBusy := make(chan struct{})
	p.tryQueue(laneDecision, func() { close(deciderBusy); <-holdDecider })
	<-deciderBusy
	for _, w := range []string{"work 1", "work 2"} {
		if !p.tryQueue(laneWork, record(w)) {
			t.Fatalf("%s refused with room in the queue", w)
		}
	}
	if p.tryQueue(laneWork, record("work 3")) {
		t.Fatal("a full work queue took more work")
	}
	p.tryQueue(laneDecision, record("decision"))
	close(block) // the general worker is free; the decider is still held
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		mu.Lock()
		n := len(order)
		mu.Unlock()
		if n == 3 || time.Now().After(deadline) {
			break
		}
	}
	close(holdDecider)
	p.stop()
	if want := []string{"decision", "work 1", "work 2"}; !slices.Equal(order, want) {
		t.Errorf("order %q, want %q", order, want)
	}
}
