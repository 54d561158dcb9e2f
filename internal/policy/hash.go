package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Hash is a short digest of the rules in force: every rule's matchers and
// settings, freezes included, in order, and the default rule. Two replicas
// decide alike exactly when their hashes are equal. Comments, layout and
// the file's path do not change it; a changed freeze does.
func (p *Policy) Hash() string {
	canon := struct {
		Version string
		Rules   []Rule
		Default Rule
	}{"v1", p.Rules, p.Default}
	b, err := json.Marshal(canon) // map keys are sorted: stable
	if err != nil {
		panic("policy: hash: " + err.Error()) // plain data: cannot fail
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:16]
}

// Frozen maps the name of every frozen rule (the default rule included) to
// its freeze reason.
func (p *Policy) Frozen() map[string]string {
	out := map[string]string{}
	for _, r := range append([]Rule{p.Default}, p.Rules...) {
		if r.Frozen {
			out[r.Name] = r.FrozenReason
		}
	}
	return out
}
