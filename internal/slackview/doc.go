// Package slackview is what people see in Slack: pure functions from plain
// data (an approvals.Request, execution's events, intake's results and
// refusals, the Home board, the request form's state) to Block Kit blocks,
// views and mrkdwn text. It holds the approval message; the rendering of
// every execution event and of every decision people make (deny, cancel,
// freeze, …), each once, as a Delivery (what the thread, the incident
// channel and the requester's DM say); the words of every refusal and
// error (Explain); the Home tab and the request form, and the reading of a
// submitted form's state back into plain values. It has no Web API client,
// no Socket Mode and no store: slackapp sends what it renders. Golden
// files under testdata/ hold what people see (go test -update).
package slackview
