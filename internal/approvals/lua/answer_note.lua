-- answer_note: ARGV id, now, detail. Adds a 'late_answer' audit entry to a
-- request in any state without changing it: an answer to the restore call
-- that contradicts what reconciliation concluded must reach the audit trail
-- even when the request has since ended (note.lua takes only running ones).
if not exists() then return missing() end
audit('bot', 'late_answer', ARGV[3])
return reply('ok')
