-- review: ARGV id, now, actor. Marks a break-glass request reviewed: it
-- leaves the review list, and the audit trail says who reviewed it.
if not exists() then return missing() end
if redis.call('ZREM', K.breakglass, id) == 0 then return reply('not_pending') end
audit(ARGV[3], 'reviewed', 'break-glass restore reviewed')
return reply('ok')
