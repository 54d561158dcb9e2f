-- dispatch: ARGV id, offset, lease_token, lease_ms. Calls a queued request
-- when its target is free: the expiry, the freezes (global, and of the
-- rule that governs it) are checked first, as for an approval; then, if no
-- other request holds the target and no request queued earlier waits for
-- it, it takes the hold and the restore lease and moves to executing
-- (extra 'executing'; the caller confirms it and runs it like the
-- approval that reached the threshold). Past its expiry it is expired
-- (extra 'expired'); frozen, it ends failed, not called (extra 'stopped').
-- Still held: 'skip', and waiting_for follows the holder.
if not exists() or get('state') ~= 'queued' then
  redis.call('ZREM', K_queued, id)
  return skip()
end
if past_expiry() then
  expire()
  return reply('ok', 'expired')
end
local why
if redis.call('EXISTS', K.freeze) == 1 then
  why = 'restores were frozen (' .. (redis.call('HGET', K.freeze, 'reason') or '') .. ')'
else
  local reason = rule_freeze()
  if reason then why = 'rule ' .. get('rule') .. ' was frozen (' .. reason .. ')' end
end
if why then
  local detail = 'stopped: ' .. why .. ' while it waited for the instance, restore not called'
  redis.call('HSET', K.req, 'detail', detail)
  set_state('failed')
  audit('bot', 'stopped', detail)
  return reply('ok', 'stopped')
end
local hk, t = hold_key(), target()
local busy = hk and holder(hk)
local first = hk and first_queued(t)
if busy or (first and first ~= id) then
  busy = busy or first
  if busy ~= get('waiting_for') then redis.call('HSET', K.req, 'waiting_for', busy) end
  return skip()
end
if hk then redis.call('SET', hk, id) end
set_state('executing')
redis.call('SET', K.lease, ARGV[3], 'PX', ARGV[4])
audit('bot', 'dispatched', 'the instance is free (' .. get('waiting_for') .. ' ended); the restore goes ahead')
return reply('ok', 'executing')
