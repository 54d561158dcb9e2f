package slackview

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/outbox"
)

func TestApprovalNotPostedWords(t *testing.T) {
	for _, tc := range []struct {
		name       string
		err        error
		want       string
		wantReason string
	}{
		{"refused", slack.SlackErrorResponse{Err: "channel_not_found"}, "`channel_not_found`; is the bot a member", "could not be posted in C1"},
		{"gave up", &outbox.GaveUpError{Tried: 2 * time.Minute, Err: errors.New("502")}, "still failing after retrying for 2m0s", "after retrying for 2m0s"},
		{"stopping", outbox.ErrStopped, "the bot was stopping", "could not be posted in C1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &ApprovalNotPostedError{RequestID: "abc123", Channel: "C1", Err: tc.err}
			got := Explain(zerolog.Nop(), e)
			if !strings.Contains(got, "Request `abc123` was withdrawn") || !strings.Contains(got, "<#C1>") || !strings.Contains(got, tc.want) || !strings.Contains(got, "Nothing was restored") {
				t.Errorf("Explain = %q, want the withdrawal with %q", got, tc.want)
			}
			if r := e.Reason(); !strings.Contains(r, tc.wantReason) {
				t.Errorf("Reason = %q, want %q", r, tc.wantReason)
			}
		})
	}
}
