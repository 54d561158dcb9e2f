package gaussdbtest

// SetRestoreJobPolls sets how many visible queries of jobs created from now
// on answer Running before they end (Options.JobPolls at construction).
func (s *Server) SetRestoreJobPolls(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.JobPolls = n
}
