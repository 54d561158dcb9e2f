// Package outbox is how the bot keeps within Slack's rate limits: a hold
// that makes every Web API call of a method wait out a Retry-After Slack
// gave for it (HoldingClient), and an ordered per-channel queue of messages
// with one sender per channel, paced to Slack's per-channel rate and
// retried until sent (Outbox).
package outbox
