package sqlite

// Commits returns the number of group transactions s has committed.
func Commits(s *Store) int64 { return s.group.commits.Load() }
