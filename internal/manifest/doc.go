// Package manifest checks the Slack app manifest, manifest.yml at the
// repository root: it must decode strictly into slack-go's Manifest, pass
// Slack's manifest JSON Schema and ask for exactly the scopes the bot uses.
// The package has no code of its own; its tests are the check.
package manifest
