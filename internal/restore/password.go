package restore

import (
	"crypto/rand"
	"errors"
	"math/big"
	"strings"
)

// Password is a generated root password. It prints, formats and marshals as
// "[redacted]" so it cannot reach a log, Redis or the audit trail by
// accident; only Reveal gives it, for the create call and for a caller (a
// drill) that must log in once. Nothing in the bot stores it.
type Password struct{ secret string }

const redacted = "[redacted]"

// String implements fmt.Stringer without the secret.
func (Password) String() string { return redacted }

// GoString keeps %#v from printing the secret.
func (Password) GoString() string { return redacted }

// MarshalJSON keeps encoding/json (and zerolog's Interface) from writing it.
func (Password) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText keeps text encoders from writing it.
func (Password) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Reveal returns the secret itself. Never log or store the result.
func (p Password) Reveal() string { return p.secret }

// Empty reports whether no password was generated.
func (p Password) Empty() bool { return p.secret == "" }

// Password alphabets. The special characters are a subset of the ones
// GaussDB accepts (~!@#$%^*-_=+?,()&), leaving out those that need quoting
// in shells and DSNs.
const (
	pwUpper   = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	pwLower   = "abcdefghijkmnopqrstuvwxyz"
	pwDigits  = "23456789"
	pwSpecial = "~!#%^*-_=+?"
	// PasswordLen is within GaussDB's 8 to 32 characters.
	PasswordLen = 24
)

// NewPassword generates a root password from crypto/rand that meets
// GaussDB's rules: 8 to 32 characters with at least three of upper case,
// lower case, digits and special characters (it has all four).
func NewPassword() (Password, error) {
	classes := []string{pwUpper, pwLower, pwDigits, pwSpecial}
	all := strings.Join(classes, "")
	out := make([]byte, PasswordLen)
	for i := range out {
		set := all
		if i < len(classes) {
			set = classes[i] // one of each class first, then shuffled
		}
		c, err := pick(set)
		if err != nil {
			return Password{}, err
		}
		out[i] = c
	}
	for i := len(out) - 1; i > 0; i-- { // Fisher–Yates with crypto/rand
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return Password{}, errors.New("generate password: crypto/rand failed")
		}
		out[i], out[j.Int64()] = out[j.Int64()], out[i]
	}
	return Password{secret: string(out)}, nil
}

func pick(set string) (byte, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
	if err != nil {
		return 0, errors.New("generate password: crypto/rand failed")
	}
	return set[n.Int64()], nil
}

// PasswordOK reports whether s meets GaussDB's password rules.
func PasswordOK(s string) bool {
	if len(s) < 8 || len(s) > 32 {
		return false
	}
	const allowedSpecial = "~!@#$%^*-_=+?,()&"
	var upper, lower, digit, special bool
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case strings.ContainsRune(allowedSpecial, r):
			special = true
		default:
			return false
		}
	}
	n := 0
	for _, b := range []bool{upper, lower, digit, special} {
		if b {
			n++
		}
	}
	return n >= 3
}
