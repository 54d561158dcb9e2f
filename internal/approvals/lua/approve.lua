-- approve: ARGV id, now, actor, seen_hash, lease_token, lease_ms.
-- Counts one distinct approval; the approval that reaches the required
-- number moves the request to executing, takes the restore lease, and is
-- the only one answered with extra = 'executing'.
local refused = check_pending()
if refused then return refused end
local actor = ARGV[3]
if actor == get('requester') then return reply('self_approval') end
if redis.call('HEXISTS', K.req, 'a:' .. actor) == 1 then
  return reply('already_approved')
end
if ARGV[4] ~= get('param_hash') then return reply('stale') end
if redis.call('EXISTS', K.freeze) == 1 then return reply('frozen') end

local n = redis.call('HINCRBY', K.req, 'approvals', 1)
redis.call('HSET', K.req, 'a:' .. actor, n .. ':' .. now, 'updated_at_ms', now)
local required = tonumber(get('required'))
local detail = n .. ' of ' .. required
if n >= required then
  set_state('executing')
  redis.call('SET', K.lease, ARGV[5], 'PX', ARGV[6])
  audit(actor, 'approved', detail)
  return reply('ok', 'executing')
end
audit(actor, 'approved', detail)
return reply('ok')
