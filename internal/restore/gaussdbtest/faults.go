package gaussdbtest

import (
	"net/http"
	"sync/atomic"
)

// codeInternal is this fake's assumption of GaussDB's code for a server
// fault: an HTTP 500 with a DBS error body, as its other errors have.
const codeInternal = "DBS.200001" // assumed

// showFault is the HTTP status GET /v3/{project}/instances/{id} answers
// while set; 0: answer normally.
type showFault struct{ status atomic.Int32 }

// FailInstanceShow makes every read of one instance's details (the call
// that carries its tags) answer the given HTTP status with a DBS error, as
// when the API is down; 0 restores normal answers.
func (s *Server) FailInstanceShow(status int) { s.showFault.status.Store(int32(status)) }

// faultShow writes the injected failure, if any, and reports whether it did.
func (s *Server) faultShow(w http.ResponseWriter) bool {
	st := int(s.showFault.status.Load())
	if st == 0 {
		return false
	}
	writeErr(w, st, codeInternal, "Internal server error.")
	return true
}
