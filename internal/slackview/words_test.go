package slackview

import (
	"testing"

	"github.com/dbrestore/db-restore/internal/approvals"
)

// Review finding 11: the notification text beside the approval message
// escapes the instance name, which comes from the cloud: a name cannot
// ping a channel or forge a link.
func TestFallbackTextEscapesTheInstanceName(t *testing.T) {
	r := approvals.Request{ID: "abc234", State: approvals.StatePending, Params: approvals.Params{TargetName: "orders <!channel> & <https://x|y>"}}
	got := FallbackText(r)
	want := "Restore request abc234 (pending): orders &lt;!channel&gt; &amp; &lt;https://x|y&gt;"
	if got != want {
		t.Errorf("fallbackText = %q, want %q", got, want)
	}
}
