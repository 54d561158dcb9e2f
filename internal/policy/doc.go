// Package policy decides which approval rule governs a restore of a given
// instance: who may approve, how many distinct approvers are needed, who may
// ask, whether the original instance may be overwritten, whether a safety
// backup is taken first, where the request is posted, and whether restores
// are frozen.
//
// The policy comes from a YAML file (RESTORE_POLICY_FILE, read once at start
// by Load) or, without a file, from the core environment settings (FromEnv).
// The package is pure: it knows nothing of Slack, Redis or the cloud SDK.
//
// # File format
//
// The file is one YAML document with two top-level keys; any other key, at
// any level, is an error (with a suggestion when it looks like a typo).
//
//	default:                        # required: the rule when no rule matches
//	  approvers: [U012AB3CD, S0DBAONCALL]
//	rules:                          # optional: tried in order, first match wins
//	  - name: orders-prod           # required, unique, letters digits . _ -
//	    match:                      # required: ANY one matcher matching is enough
//	      ids: [8d0a5d3ee1524b2c9c7c1b2d0f0e6d5ein07]  # instance IDs
//	      name: "orders-prod*"      # a glob or a list of globs (path.Match syntax)
//	      tags: {env: prod}         # instance tags; EACH pair alone is a match
//	    approvers: [S0DBAONCALL]
//	    required_approvals: 2
//	    allow_overwrite_original: false
//	    safety_backup: true
//	    approval_channel: C0DBA
//	    incident_channel: C0INC
//	    frozen: {reason: "change freeze until 2026-12-01"}
//
// The keys of a rule (the default rule takes all but name and match):
//
//   - approvers: Slack user IDs (U…, W…) and user-group IDs (S…); a single
//     ID or a list. Required and non-empty, unless the rule is frozen.
//   - required_approvals: distinct approvers needed, never the requester;
//     default 1. At least 1; when every approver is a user (no group), at
//     most the number of approvers listed.
//   - requesters: who may ask, same ID forms. Omitted: the default rule's
//     requesters; an explicit empty list, or omitted in the default rule:
//     anyone.
//   - allow_overwrite_original: false allows only restores into another
//     instance; default true.
//   - safety_backup: true or false; omitted means a backup is taken only
//     for a restore onto the original instance.
//   - approval_channel, incident_channel: channel IDs (C…, G…). Omitted:
//     the default rule's (and, when the default rule has none either, the
//     bot's environment settings).
//   - frozen: {reason: "…"} refuses every request and approval under the
//     rule with that reason. Remove the key to thaw.
//
// Matching is case-sensitive. A name glob uses path.Match syntax: * any run
// of characters, ? one character, [a-z] a class, \ escapes. A tag pair
// matches when the instance has that key with exactly that value.
package policy
