package gaussdbtest

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
)

// sdkDateLayout is the layout of X-Sdk-Date.
const sdkDateLayout = "20060102T150405Z"

// verify checks a request's AK/SK signature the way the gateway does: it
// rebuilds the SDK request from what arrived (the signed headers, the
// content type, the query and the raw body), signs it with the server's
// key and compares the Authorization headers in constant time.
func (s *Server) verify(r *http.Request, body []byte) error {
	auth := r.Header.Get("Authorization")
	signed, err := s.checkAuthorization(r, auth)
	if err != nil {
		return err
	}
	want, err := signer.Sign(rebuild(r, signed, body), s.opts.AK, s.opts.SK)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	if !hmac.Equal([]byte(want["Authorization"]), []byte(auth)) {
		return errors.New("signature mismatch")
	}
	return nil
}

// checkAuthorization checks what can be checked without the signature
// (scheme, access key, date skew, project, the headers that must be
// signed) and returns the signed headers' names.
func (s *Server) checkAuthorization(r *http.Request, auth string) ([]string, error) {
	alg, rest, _ := strings.Cut(auth, " ")
	if alg != "SDK-HMAC-SHA256" {
		return nil, fmt.Errorf("authorization scheme %q", alg)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	if fields["Access"] != s.opts.AK {
		return nil, errors.New("unknown access key")
	}
	date, err := time.Parse(sdkDateLayout, r.Header.Get("X-Sdk-Date"))
	if err != nil {
		return nil, fmt.Errorf("x-sdk-date: %w", err)
	}
	// The real clock, not Options.Now: the client signs with the real one.
	if skew := time.Since(date); skew > s.opts.MaxSkew || skew < -s.opts.MaxSkew {
		return nil, fmt.Errorf("x-sdk-date skew %s", skew)
	}
	if got := r.Header.Get("X-Project-Id"); got != s.opts.ProjectID {
		return nil, fmt.Errorf("x-project-id %q", got)
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	for _, must := range []string{"x-sdk-date", "x-project-id"} {
		if !slices.Contains(signed, must) {
			return nil, fmt.Errorf("%s is not signed", must)
		}
	}
	return signed, nil
}

// rebuild is the SDK request the client signed, from what arrived.
func rebuild(r *http.Request, signed []string, body []byte) *request.DefaultHttpRequest {
	b := request.NewHttpRequestBuilder().
		WithEndpoint("http://" + r.Host).
		WithMethod(r.Method).
		WithPath(r.URL.Path)
	for _, h := range signed {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		// Canonical keys matter: the signer looks up "X-Sdk-Date" exactly.
		b.AddHeaderParam(http.CanonicalHeaderKey(h), v)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		b.AddHeaderParam("Content-Type", ct)
	}
	for k, vs := range r.URL.Query() {
		// The signer skips query values that are not reflect.Values.
		if len(vs) == 1 {
			b.AddQueryParam(k, reflect.ValueOf(vs[0]))
		} else {
			b.AddQueryParam(k, reflect.ValueOf(vs))
		}
	}
	if len(body) > 0 {
		b.WithBody("", string(body))
	}
	return b.Build()
}
