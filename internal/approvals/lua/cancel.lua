-- cancel: ARGV id, now, actor. Only the requester may cancel: a pending
-- request, or a queued one (approved, waiting for its target; nothing was
-- called).
if not exists() then return missing() end
local refused = nil
if get('state') ~= 'queued' then refused = check_pending() end
if refused then return refused end
if ARGV[3] ~= get('requester') then return reply('not_requester') end
redis.call('HSET', K.req, 'decided_by', ARGV[3], 'decided_at_ms', now)
set_state('cancelled')
audit(ARGV[3], 'cancelled', '')
return reply('ok')
