package store

// Fault injection. Tests make chosen store operations fail, to check that
// what was accepted is never lost when a write fails (see SetFaults). In
// production no fault function is set and each write costs one atomic
// load more.

// Op names a store operation a fault function can fail.
type Op string

// Operations that can be made to fail.
const (
	OpPublish  Op = "publish"   // one message of Publish
	OpKVPut    Op = "kv.put"    // KV.Put
	OpKVCreate Op = "kv.create" // KV.Create
	OpKVUpdate Op = "kv.update" // KV.Update
	OpKVDelete Op = "kv.delete" // KV.Delete
)

// FaultFunc decides whether an operation fails: a non-nil error fails it
// before anything is sent. subject is the message subject for OpPublish
// and the key for KV operations.
type FaultFunc func(op Op, subject string) error

// SetFaults installs f (nil removes it). It is for tests.
func (s *Store) SetFaults(f FaultFunc) {
	if f == nil {
		s.faults.Store(nil)
		return
	}
	s.faults.Store(&f)
}

func (s *Store) fault(op Op, subject string) error {
	if f := s.faults.Load(); f != nil {
		return (*f)(op, subject)
	}
	return nil
}
