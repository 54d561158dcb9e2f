package slackview

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/lifetime"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// TestNewInstanceWords: the reminder pings the requester and offers Keep
// and a confirmed Delete; a refused deletion says loudly that the bot will
// never delete it; names from the cloud cannot ping.
func TestNewInstanceWords(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	r := lifetime.Record{RequestID: "R7K2Q", State: lifetime.StateLive, Name: "orders-<!channel>", InstanceID: "in-1",
		Requester: "UREQ0001", Created: now.Add(-time.Hour), Expires: now.Add(2 * time.Hour)}
	text, blocks := InstanceReminder(lifetime.Reminder{Record: r, Left: 2 * time.Hour})
	raw, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<@UREQ0001>", "is deleted in 2.0 h", "at 2026-12-07 14:00 UTC", "orders-&lt;!channel&gt;"} {
		if !strings.Contains(text, want) {
			t.Errorf("reminder %q lacks %q", text, want)
		}
	}
	if p := slacktest.CheckBlocks(slacktest.SurfaceMessage, raw); len(p) > 0 {
		t.Errorf("reminder blocks: %v", p)
	}
	for _, want := range []string{`"action_id":"ni_keep"`, `"action_id":"ni_delete"`, `"style":"primary"`, "Delete the instance now?"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("reminder blocks lack %s: %s", want, raw)
		}
	}
	refused := NotDeletedWords(r, fmt.Errorf("tags differ: %w", restore.ErrNotOwned))
	if !strings.Contains(refused, "*Deletion refused:*") || !strings.Contains(refused, "will never delete it") {
		t.Errorf("a refused deletion: %q", refused)
	}
	if got := NotDeletedWords(r, errors.New("timeout")); !strings.Contains(got, "expired but was *not* deleted: timeout") {
		t.Errorf("a failed deletion: %q", got)
	}
	if got := InstancesText([]lifetime.Record{r}, 3, now); !strings.Contains(got, "(1 of at most 3)") || strings.Contains(got, "<!channel>") {
		t.Errorf("instances listing: %q", got)
	}
}
