package gaussdbtest

// knobs are faults a person or a test arms for the next call only, and the
// length of backup jobs. The caller of each method below holds no lock.
type knobs struct {
	nextJobFail    string // the next restore job ends Failed with this reason
	nextBackupFail string // the next manual backup's job ends Failed with this reason
	backupPolls    int    // visible Running queries of backup jobs; 0: Options.JobPolls
}

// FailNextRestoreJob makes only the next restore job end Failed with reason
// (SetRestoreJobFailure fails every job until reset).
func (s *Server) FailNextRestoreJob(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.knobs.nextJobFail = reason
}

// FailNextBackup makes the next manual backup (a safety backup) end FAILED,
// its job Failed with reason.
func (s *Server) FailNextBackup(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.knobs.nextBackupFail = reason
}

// SetBackupJobPolls sets how many visible queries of backup jobs created
// from now on answer Running before they end (0: Options.JobPolls), so a
// backup can be shorter than a restore.
func (s *Server) SetBackupJobPolls(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.knobs.backupPolls = n
}

// Armed reports the one-shot job faults still waiting for their call.
func (s *Server) Armed() (restoreJob, backup string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.knobs.nextJobFail, s.knobs.nextBackupFail
}

// restoreJobFailureLocked is the fail reason of a new restore job: the
// one-shot fault first, else the standing one. The caller holds s.mu.
func (s *Server) restoreJobFailureLocked() string {
	if r := s.knobs.nextJobFail; r != "" {
		s.knobs.nextJobFail = ""
		return r
	}
	return s.jobFail
}

// takeBackupFailureLocked uses up the one-shot backup fault. The caller
// holds s.mu.
func (s *Server) takeBackupFailureLocked() string {
	r := s.knobs.nextBackupFail
	s.knobs.nextBackupFail = ""
	return r
}
