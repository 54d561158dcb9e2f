-- finish: ARGV id, now, to_state, detail, job_id, audit_detail, from_state...
-- Records what the restore call did. The bot is the actor.
if not exists() then return missing() end
local state = get('state')
local allowed = false
for i = 7, #ARGV do
  if ARGV[i] == state then allowed = true end
end
if not allowed then return reply('not_pending') end
if ARGV[4] ~= '' then redis.call('HSET', K.req, 'detail', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('HSET', K.req, 'job_id', ARGV[5]) end
if ARGV[3] == 'submitted' then redis.call('HSET', K.req, 'submitted_at_ms', now) end
set_state(ARGV[3])
audit('bot', ARGV[3], ARGV[6])
return reply('ok')
