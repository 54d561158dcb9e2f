package slackapp

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/intake"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/slackview"
)

// Catalog is what the request form offers choices from (intake.Catalog).
type Catalog = intake.Catalog

// TableCatalog is what the form lists tables with (intake.TableCatalog).
type TableCatalog = intake.TableCatalog

// forms is the request form's memory in this replica: the cloud data its
// choices come from, and what is known of each open form.
type forms struct {
	cache *intake.Offers // nil without a catalog: the form is not offered
	now   func() time.Time

	mu    sync.Mutex
	views map[string]*formSession
}

// sessionTTL is how long an open form is remembered after its last change.
const sessionTTL = time.Hour

// formSession serialises the redraws of one open form and remembers its
// newest hash and the newest change drawn, so that a redraw for an older
// change never replaces a newer one.
type formSession struct {
	mu   sync.Mutex // held for the whole of a redraw
	hash string
	last string // action_ts of the newest change drawn
	seen time.Time
}

func newForms(c Catalog, tc TableCatalog, now func() time.Time) *forms {
	f := &forms{now: now, views: map[string]*formSession{}}
	if c != nil {
		f.cache = intake.NewOffers(c, tc, now)
	}
	return f
}

// session returns the memory of one open form, forgetting forms untouched
// for sessionTTL.
func (f *forms) session(viewID string) *formSession {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	for id, s := range f.views {
		if now.Sub(s.seen) > sessionTTL {
			delete(f.views, id)
		}
	}
	s, ok := f.views[viewID]
	if !ok {
		s = &formSession{}
		f.views[viewID] = s
	}
	s.seen = now
	return s
}

// advance records a change by its action_ts and reports whether it is not
// older than the newest change already drawn. Call it with s.mu held.
func (s *formSession) advance(actionTS string) bool {
	if actionTS == "" {
		return true
	}
	if s.last != "" && compareTS(actionTS, s.last) < 0 {
		return false
	}
	s.last = actionTS
	return true
}

// compareTS orders Slack timestamps ("1700000000.000100") numerically.
func compareTS(a, b string) int {
	as, af, _ := strings.Cut(a, ".")
	bs, bf, _ := strings.Cut(b, ".")
	ai, _ := strconv.ParseInt(as, 10, 64)
	bi, _ := strconv.ParseInt(bs, 10, 64)
	if ai != bi {
		if ai < bi {
			return -1
		}
		return 1
	}
	af, bf = padRight(af, 9), padRight(bf, 9)
	return strings.Compare(af, bf)
}

func padRight(s string, n int) string {
	if len(s) >= n {
		return s[:n]
	}
	return s + strings.Repeat("0", n-len(s))
}

// maxSuggestionBytes keeps a block_suggestion ack well under the 20 KB
// frame that Slack drops without a word.
const maxSuggestionBytes = 15000

// suggestions is the ack to a block_suggestion: lead first, then the
// instances, at most slackview.MaxOptions options and maxSuggestionBytes of JSON.
func suggestions(lead []*slack.OptionBlockObject, ins []restore.Instance) slack.OptionsResponse {
	opts := append([]*slack.OptionBlockObject(nil), lead...)
	for _, in := range ins {
		if len(opts) == slackview.MaxOptions {
			break
		}
		opts = append(opts, slackview.InstanceOption(in))
	}
	for len(opts) > 0 {
		b, _ := json.Marshal(slack.OptionsResponse{Options: opts})
		if len(b) <= maxSuggestionBytes {
			break
		}
		opts = opts[:len(opts)*maxSuggestionBytes/len(b)]
	}
	return slack.OptionsResponse{Options: opts}
}
