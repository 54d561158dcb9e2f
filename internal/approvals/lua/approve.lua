-- approve: ARGV id, now, actor, seen_hash, lease_token, lease_ms,
-- policy_hash, rule, recheck ('1' or ''), checked, dropped (comma lists).
-- Counts one distinct approval; the approval that reaches the required
-- number moves the request to executing, takes the restore lease and the
-- target's hold, and is the only one answered with extra = 'executing';
-- while the target is held it moves the request to queued instead (extra
-- 'queued', the field waiting_for names the request it waits for).
-- policy_hash, when given, must be the policy record's (else
-- 'policy_changed', extra = the record's hash); rule, when given, is the
-- rule in force for the target now: frozen in the record means 'rule_frozen'
-- (extra = reason), and it is written to the request's 'rule' field.
-- dropped are earlier approvers who lost the right: their approvals are
-- removed (audited). With recheck, reaching the threshold needs every
-- remaining earlier approver in checked (re-checked by the caller); one who
-- is not (counted meanwhile) means 'recheck' and nothing changes.
local refused = check_pending()
if refused then return refused end
local actor = ARGV[3]
if actor == get('requester') then return reply('self_approval') end
if redis.call('HEXISTS', K.req, 'a:' .. actor) == 1 then
  return reply('already_approved')
end
if ARGV[4] ~= get('param_hash') then return reply('stale') end
if redis.call('EXISTS', K.freeze) == 1 then return reply('frozen') end
local in_force = redis.call('HGET', K.policy, 'hash') or ''
if ARGV[7] ~= '' and ARGV[7] ~= in_force then
  return reply('policy_changed', in_force)
end
local rule = ARGV[8] or ''
if rule ~= '' then
  local reason = redis.call('HGET', K.policy, 'frozen:' .. rule)
  if reason then return reply('rule_frozen', reason) end
end

local function set_of(list)
  local s = {}
  for u in string.gmatch(list or '', '[^,]+') do s[u] = true end
  return s
end
local checked, dropping = set_of(ARGV[10]), set_of(ARGV[11])
local required = tonumber(get('required'))
local earlier, unchecked = 0, false
for _, f in ipairs(redis.call('HKEYS', K.req)) do
  local u = string.match(f, '^a:(.+)$')
  if u and not dropping[u] then
    earlier = earlier + 1
    if not checked[u] then unchecked = true end
  end
end
if ARGV[9] == '1' and unchecked and earlier + 1 >= required then
  return reply('recheck')
end

local dropped = {}
for u in pairs(dropping) do
  if redis.call('HDEL', K.req, 'a:' .. u) == 1 then
    table.insert(dropped, u)
  end
end
table.sort(dropped)
for _, u in ipairs(dropped) do
  audit('bot', 'approval_dropped', u .. ' no longer may approve under rule ' .. rule)
end

local seq = redis.call('HINCRBY', K.req, 'approvals', 1)
redis.call('HSET', K.req, 'a:' .. actor, seq .. ':' .. now, 'updated_at_ms', now)
if rule ~= '' then redis.call('HSET', K.req, 'rule', rule) end
local n = earlier + 1
local detail = n .. ' of ' .. required
if n >= required then
  -- One restore at a time per target: the threshold takes the target's
  -- hold in this same step, or, while another request holds it (or an
  -- earlier one waits for it), the request waits: queued, never called
  -- while the target is held (dispatch.lua calls it when the hold frees).
  local hk, t = hold_key(), target()
  local busy = hk and (holder(hk) or first_queued(t))
  if busy then
    redis.call('HSET', K.req, 'waiting_for', busy)
    set_state('queued')
    audit(actor, 'approved', detail)
    audit('bot', 'queued', busy .. ' is restoring this instance')
    return reply('ok', 'queued')
  end
  if hk then redis.call('SET', hk, id) end
  set_state('executing')
  redis.call('SET', K.lease, ARGV[5], 'PX', ARGV[6])
  audit(actor, 'approved', detail)
  return reply('ok', 'executing')
end
audit(actor, 'approved', detail)
return reply('ok', table.concat(dropped, ','))
