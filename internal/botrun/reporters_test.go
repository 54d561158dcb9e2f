package botrun

import (
	"context"
	"testing"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/execution"
)

// TestReportersTellEverySurfaceInOrder: an event reaches every surface
// added after the executor was built, in the order they were added.
func TestReportersTellEverySurfaceInOrder(t *testing.T) {
	var got []string
	surface := func(name string) execution.Reporter {
		return execution.ReporterFunc(func(_ context.Context, r approvals.Request, ev execution.Event) {
			if s, ok := ev.(execution.Submitted); ok {
				got = append(got, name+":"+r.ID+":"+s.JobID)
			}
		})
	}
	say := &reporters{}
	var asExecutorSeesIt execution.Reporter = say // built before the surfaces
	*say = append(*say, surface("slack"), surface("api"))
	asExecutorSeesIt.Report(context.Background(), approvals.Request{ID: "R1"}, execution.Submitted{JobID: "J1"})
	if want := []string{"slack:R1:J1", "api:R1:J1"}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %v, want %v", got, want)
	}
}
