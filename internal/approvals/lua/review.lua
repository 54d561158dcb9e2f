-- review: ARGV id, now, actor, note. Marks a break-glass request reviewed:
-- only someone other than its requester, only once it has ended, only
-- once. It leaves the review list; the request keeps reviewed_by,
-- reviewed_at_ms and review_note, and the audit trail says who reviewed it
-- and their note.
if not exists() then return missing() end
if not redis.call('ZSCORE', K.breakglass, id) then
  if get('reviewed_by') ~= '' then return reply('already_reviewed') end
  return reply('not_break_glass')
end
if ARGV[3] == get('requester') then return reply('self_review') end
if not terminal(get('state')) then return reply('not_ended') end
redis.call('ZREM', K.breakglass, id)
redis.call('HSET', K.req, 'reviewed_by', ARGV[3], 'reviewed_at_ms', now, 'review_note', ARGV[4])
audit(ARGV[3], 'reviewed', ARGV[4])
return reply('ok')
