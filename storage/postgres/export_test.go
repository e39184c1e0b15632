package postgres

// BatchedAppends returns how many appends s answered from batches of more
// than one, and how many such batches it sent.
func BatchedAppends(s *Store) (appends, batches int64) {
	return s.appends.batched.Load(), s.appends.batches.Load()
}
