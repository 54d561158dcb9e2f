-- precall: ARGV id, now, lease_token, lease_ms, phase, rule.
-- The one check immediately before every mutating cloud call: phase
-- 'backup' before the safety backup, 'restore' before the restore POST,
-- 'check' (a dry run: nothing will be called). Atomically, the request must
-- still be executing, this replica must still hold its restore lease, and
-- restores must not be frozen, globally or for the request's rule (the
-- policy record every replica shares: rule_freeze(), or the rule captured
-- at creation, ARGV[6], when the request has no 'rule' field yet).
-- All hold: the lease is renewed and, for 'restore', the called marker
-- (called_at_ms) is written and audited: from here on a lost answer is
-- outcome_unknown; before it, the restore was not called.
-- The request must hold its target too: another request holding it (one
-- restore at a time per instance) stops this one ('held').
-- One fails: nothing may be called, and the request ends here as failed,
-- "stopped: <why>, restore not called" (audited 'stopped'); extra = the
-- why (lease_lost, held, frozen, rule_frozen). A request no longer executing is
-- left alone ('not_pending'): whoever ended it has reported it.
if not exists() then return missing() end
if get('state') ~= 'executing' then return reply('not_pending') end
local why, detail = nil, ''
local hk = hold_key()
local other = hk and holder(hk)
if redis.call('GET', K.lease) ~= ARGV[3] then
  why = 'lease_lost'
  detail = 'stopped: the bot lost its claim on this request before calling GaussDB, restore not called'
elseif other then
  why = 'held'
  detail = 'stopped: ' .. other .. ' is restoring this instance, restore not called'
elseif redis.call('EXISTS', K.freeze) == 1 then
  why = 'frozen'
  detail = 'stopped: restores were frozen (' .. (redis.call('HGET', K.freeze, 'reason') or '') ..
    '), restore not called'
else
  local rule = get('rule')
  local reason = rule_freeze()
  if not reason and rule == '' and ARGV[6] ~= '' then
    rule = ARGV[6]
    reason = redis.call('HGET', K.policy, 'frozen:' .. rule)
  end
  if reason then
    why = 'rule_frozen'
    detail = 'stopped: rule ' .. rule .. ' was frozen (' .. reason .. '), restore not called'
  end
end
if why then
  redis.call('HSET', K.req, 'detail', detail)
  set_state('failed')
  audit('bot', 'stopped', detail)
  return reply('stopped', why)
end
-- A request executing from before holds were kept takes its target here.
if hk then redis.call('SET', hk, id) end
redis.call('PEXPIRE', K.lease, ARGV[4])
if ARGV[5] == 'restore' then
  redis.call('HSET', K.req, 'called_at_ms', now)
  audit('bot', 'calling_restore', 'checks passed; the restore call goes out now')
end
return reply('ok')
