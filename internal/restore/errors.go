package restore

import (
	"errors"
	"fmt"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
)

// ErrNotFound is wrapped by errors for things the cloud does not have: an
// instance, a backup, a job. Test with IsNotFound, which also recognises the
// API's own not-found answers.
var ErrNotFound = errors.New("not found")

// notFoundCodes are error codes that mean "no such resource" whatever the
// HTTP status. DBS.200823 ("instance does not exist") comes with status 400
// from the real API; the Terraform provider treats it as a 404. This is an
// assumption from public code, not from Huawei's error table.
var notFoundCodes = map[string]bool{
	"DBS.200823": true,
}

// IsNotFound reports whether err says that the thing asked for does not exist.
func IsNotFound(err error) bool {
	if errors.Is(err, ErrNotFound) {
		return true
	}
	var a *APIError
	if errors.As(err, &a) {
		return a.Status == 404 || notFoundCodes[a.Code]
	}
	return false
}

// APIError is an HTTP error (status 400 or more) answered by the GaussDB API
// to a read call or a backup request.
type APIError struct {
	Status    int
	Code      string // e.g. DBS.200823; empty when the body had no error code
	Message   string // the API's message, or the raw body
	RequestID string // X-Request-Id, for Huawei support
}

// Error implements error.
func (e *APIError) Error() string {
	return fmt.Sprintf("gaussdb api: status %d%s: %s%s", e.Status, codeSuffix(e.Code), e.Message, requestIDSuffix(e.RequestID))
}

// RejectedError means the cloud answered the restore call with a 4xx error
// body: it refused the request and no restore was started. Submitting the
// same request again will be refused again unless something changes (e.g.
// the target was busy); that is a decision for a person, not for a retry
// loop.
type RejectedError struct {
	Status    int
	Code      string
	Message   string
	RequestID string
}

// Error implements error.
func (e *RejectedError) Error() string {
	return fmt.Sprintf("restore rejected: status %d%s: %s%s", e.Status, codeSuffix(e.Code), e.Message, requestIDSuffix(e.RequestID))
}

// UnknownOutcomeError means the restore call may or may not have been
// accepted: the request was (or may have been) sent, but no usable answer
// came back (timeout, cancelled context, connection error, 5xx, an
// undecodable 2xx, or a 2xx/3xx without a job ID).
//
// A caller must never retry after this error: the first call may have
// started a restore, and a second one would overwrite the target again (or
// fail confusingly while the first runs). Reconcile instead: look at the
// target's status (RESTORING) and its jobs, and tell a person.
type UnknownOutcomeError struct {
	Cause  error
	Status int // HTTP status when a response arrived, else 0
}

// Error implements error.
func (e *UnknownOutcomeError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("restore outcome unknown (status %d): %v", e.Status, e.Cause)
	}
	return fmt.Sprintf("restore outcome unknown: %v", e.Cause)
}

// Unwrap returns the cause, so errors.Is(err, context.DeadlineExceeded) works.
func (e *UnknownOutcomeError) Unwrap() error { return e.Cause }

// IsUnknownOutcome reports whether err is (or wraps) an UnknownOutcomeError.
func IsUnknownOutcome(err error) bool {
	var u *UnknownOutcomeError
	return errors.As(err, &u)
}

// serviceError extracts the SDK's error for an HTTP answer, if err is one.
func serviceError(err error) (sdkerr.ServiceResponseError, bool) {
	var p *sdkerr.ServiceResponseError
	if errors.As(err, &p) && p != nil {
		return *p, true
	}
	var v sdkerr.ServiceResponseError
	if errors.As(err, &v) {
		return v, true
	}
	return sdkerr.ServiceResponseError{}, false
}

// apiErr maps an SDK error from a read call to an *APIError (status ≥ 400)
// or a plain error without SDK types.
func apiErr(err error) error {
	sre, ok := serviceError(err)
	if !ok {
		return err
	}
	if sre.StatusCode >= 400 {
		return &APIError{Status: sre.StatusCode, Code: sre.ErrorCode, Message: sre.ErrorMessage, RequestID: sre.RequestId}
	}
	return fmt.Errorf("gaussdb api: status %d: undecodable response: %s%s", sre.StatusCode, sre.ErrorMessage, requestIDSuffix(sre.RequestId))
}

// classifyRestore sorts the SDK's answer to the one restore POST. sent says
// whether the request reached the HTTP transport at all.
func classifyRestore(err error, sent bool) error {
	if !sent {
		// Nothing left this process: provably not accepted.
		return fmt.Errorf("restore not sent: %w", err)
	}
	sre, ok := serviceError(err)
	if !ok {
		return &UnknownOutcomeError{Cause: err}
	}
	switch {
	case sre.StatusCode >= 400 && sre.StatusCode < 500 && sre.ErrorCode != "" && !ambiguous4xx[sre.StatusCode]:
		return &RejectedError{Status: sre.StatusCode, Code: sre.ErrorCode, Message: sre.ErrorMessage, RequestID: sre.RequestId}
	case sre.StatusCode < 400:
		return &UnknownOutcomeError{Status: sre.StatusCode, Cause: fmt.Errorf("accepted but the response could not be read: %s%s", sre.ErrorMessage, requestIDSuffix(sre.RequestId))}
	default:
		return &UnknownOutcomeError{Status: sre.StatusCode, Cause: &APIError{Status: sre.StatusCode, Code: sre.ErrorCode, Message: sre.ErrorMessage, RequestID: sre.RequestId}}
	}
}

// ambiguous4xx are client-error statuses that proxies use for timeouts: the
// request may have reached the API anyway.
var ambiguous4xx = map[int]bool{408: true, 499: true}

func codeSuffix(code string) string {
	if code == "" {
		return ""
	}
	return " " + code
}

func requestIDSuffix(id string) string {
	if id == "" {
		return ""
	}
	return " (request id " + id + ")"
}
