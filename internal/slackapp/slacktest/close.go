package slacktest

import "fmt"

// CloseView is the user closing an open modal (its Close button or the ×):
// that modal and every modal pushed above it close, as in Slack. A view with
// notify_on_close also gets a view_closed interaction, not waited for.
func (s *Server) CloseView(userID, viewID string) error {
	s.mu.Lock()
	v, err := s.openViewOfLocked(userID, viewID)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("close view: %w", err)
	}
	notify := string(v.def["notify_on_close"]) == "true"
	var payload map[string]any
	if notify {
		payload = s.basePayloadLocked("view_closed", userID, "")
		payload["view"] = s.viewWireLocked(v)
		payload["is_cleared"] = false
	}
	s.popViewLocked(userID, viewID)
	s.mu.Unlock()
	if notify {
		if _, err := s.SendNoWait(EnvelopeInteractive, payload); err != nil {
			return fmt.Errorf("close view: %w", err)
		}
	}
	return nil
}
