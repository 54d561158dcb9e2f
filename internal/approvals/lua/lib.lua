-- lib.lua is prepended to every per-request script. Every such script gets
-- the same KEYS, so that all keys it may touch are declared (Redis Cluster;
-- they share one hash slot through the prefix's {hash tag}):
--   KEYS[1] req:<id>    hash: control fields + doc (the creation-time JSON)
--   KEYS[2] audit:<id>  stream: the request's audit trail
--   KEYS[3] active      zset: pending, executing and submitted ids by created ms
--   KEYS[4] expiry      zset: pending ids by expires_at ms
--   KEYS[5] remind      zset: pending, not yet reminded ids by created ms
--   KEYS[6] executing   zset: executing ids by ms of entering executing
--   KEYS[7] submitted   zset: submitted ids by ms of submission
--   KEYS[8] exec:<id>   string: the restore lease, value = owner token
--   KEYS[9] freeze      hash: reason, by, at_ms while restores are frozen
--   KEYS[10] breakglass zset: break-glass request ids not yet reviewed
--   KEYS[11] policy     hash: the rules in force for every replica (see
--                       policy_claim.lua): hash, source, since_ms, by, and
--                       frozen:<rule name> = reason for each frozen rule
--   KEYS[12] ended      zset: ended (terminal) ids by ms of ending, for "recent"
--   KEYS[13] reconcile  zset: outcome_unknown ids still to be matched against
--                       GaussDB's job list, by ms of entering the state
--   KEYS[14] user:<requester> zset: the requester's ids by created ms; only
--            create is given it (the requester is known there)
-- ARGV[1] is the id and ARGV[2] a clock offset in ms (0 in production; tests
-- move time with it), optionally followed by ':' and an operation token.
-- The time is Redis's own (TIME) plus that offset, so
-- every replica judges expiry by one clock; it is formatted as an integer
-- string once and then only compared through tonumber, so no precision is
-- lost. Every reply is {status, extra, HGETALL of the request}.
--
-- The operation token makes a script idempotent for its caller: a run that
-- changed the request ('ok' or 'stopped') records op:<token> = its status
-- and extra in the request's hash, and a second run with the same token
-- (the caller's retry after a lost reply) changes nothing and answers what
-- the first run answered, with the request as it now stands.
local K = {
  req = KEYS[1], audit = KEYS[2], active = KEYS[3], expiry = KEYS[4],
  remind = KEYS[5], executing = KEYS[6], submitted = KEYS[7],
  lease = KEYS[8], freeze = KEYS[9], breakglass = KEYS[10],
  policy = KEYS[11], ended = KEYS[12], reconcile = KEYS[13], user = KEYS[14],
}
local function clock(offset)
  local t = redis.call('TIME')
  local ms = tonumber(t[1]) * 1000 + math.ceil(tonumber(t[2]) / 1000) + tonumber(offset)
  return string.format('%.0f', ms)
end
local offset, op = string.match(ARGV[2], '^([^:]*):?(.*)$')
local id, now = ARGV[1], clock(offset)

local function reply(status, extra)
  if op ~= '' and (status == 'ok' or status == 'stopped') and redis.call('EXISTS', K.req) == 1 then
    redis.call('HSET', K.req, 'op:' .. op, status .. ':' .. (extra or ''))
  end
  return {status, extra or '', redis.call('HGETALL', K.req)}
end

if op ~= '' then
  local done = redis.call('HGET', K.req, 'op:' .. op)
  if done then
    -- Written again so that a WAIT after this reply covers the first
    -- run's writes (WAIT waits for the connection's last write).
    redis.call('HSET', K.req, 'op:' .. op, done)
    local status, extra = string.match(done, '^([^:]*):(.*)$')
    return {status, extra, redis.call('HGETALL', K.req)}
  end
end

local function missing()
  return {'not_found', '', {}}
end

local function skip()
  return {'skip', '', {}}
end

local function get(field)
  local v = redis.call('HGET', K.req, field)
  if not v then return '' end
  return v
end

local function exists()
  return redis.call('EXISTS', K.req) == 1
end

local function terminal(state)
  return state ~= 'pending' and state ~= 'queued' and state ~= 'executing' and state ~= 'submitted'
end

-- The keys below are not in KEYS: they are named after the request's
-- target, known only here. They share the prefix's {hash tag}, so one
-- Cluster slot, as create.lua's reads of other requests do.
--   hold:<instance>      string: the id of the request restoring onto it
--   queued               zset: queued ids in the order they queued
--   queued_seq           string: the counter that orders them
--   name:<instance>/<db.table> string: the id that reserved a new table name
local prefix = string.sub(K.req, 1, #K.req - #id - 4)
local K_queued = prefix .. 'queued'

-- target is the instance the request restores onto, which its restore
-- holds (a table restore's is its source): the 'target' field written at
-- creation, or for a request made before it, its params.
local function target()
  -- written at creation, empty for a restore to a new instance
  if redis.call('HEXISTS', K.req, 'target') == 1 then return get('target') end
  local t
  local ok, doc = pcall(cjson.decode, get('doc'))
  if not ok or type(doc) ~= 'table' or type(doc.params) ~= 'table' then return '' end
  t = doc.params.target_id
  if type(t) ~= 'string' or t == '' then t = doc.params.source_id end
  if type(t) ~= 'string' then return '' end
  return t
end

local function hold_key()
  local t = target()
  if t == '' then return nil end
  return prefix .. 'hold:' .. t
end

-- holds reports whether request other (by id) holds its target now: from
-- the threshold until its job ends; an outcome still unknown holds it
-- until reconciliation settles it (it is in the reconcile index).
local function holds(other)
  local st = redis.call('HGET', prefix .. 'req:' .. other, 'state')
  return st == 'executing' or st == 'submitted' or
    (st == 'outcome_unknown' and redis.call('ZSCORE', K.reconcile, other) ~= false)
end

-- holder is the id of another request holding hk, or nil. A hold whose
-- holder no longer holds (a defect; terminal states release it) is dropped.
local function holder(hk)
  local h = redis.call('GET', hk)
  if not h or h == id then return nil end
  if holds(h) then return h end
  redis.call('DEL', hk)
  return nil
end

-- first_queued is the earliest queued request onto target t, or nil.
local function first_queued(t)
  for _, other in ipairs(redis.call('ZRANGE', K_queued, 0, -1)) do
    if redis.call('HGET', prefix .. 'req:' .. other, 'target') == t then return other end
  end
  return nil
end

-- release frees what the request holds: its target and its new table
-- names (see create.lua), where it still holds them.
local function release()
  local hk = hold_key()
  if hk and redis.call('GET', hk) == id then redis.call('DEL', hk) end
  for name in string.gmatch(get('names'), '[^\n]+') do
    local nk = prefix .. 'name:' .. name
    if redis.call('GET', nk) == id then redis.call('DEL', nk) end
  end
end

local function audit(actor, action, detail)
  redis.call('XADD', K.audit, '*', 'at_ms', now, 'actor', actor,
    'action', action, 'state', get('state'), 'param_hash', get('param_hash'),
    'detail', detail or '')
end

-- set_state writes the new state and keeps every index in step with it.
-- The lease only means something while executing, so leaving executing
-- deletes it. Ending releases the target and the table names.
local function set_state(state)
  redis.call('HSET', K.req, 'state', state, 'updated_at_ms', now)
  if state ~= 'pending' then
    -- a queued request keeps its expiry: it is not called after it
    if state ~= 'queued' then redis.call('ZREM', K.expiry, id) end
    redis.call('ZREM', K.remind, id)
  end
  if state == 'queued' then
    -- scored by a sequence, not the ms: first come, first served
    redis.call('ZADD', K_queued, redis.call('INCR', prefix .. 'queued_seq'), id)
  else
    redis.call('ZREM', K_queued, id)
  end
  if state == 'executing' then
    redis.call('ZADD', K.executing, now, id)
  else
    redis.call('ZREM', K.executing, id)
    redis.call('DEL', K.lease)
  end
  if state == 'submitted' then
    redis.call('ZADD', K.submitted, now, id)
  else
    redis.call('ZREM', K.submitted, id)
  end
  if state == 'outcome_unknown' then
    redis.call('ZADD', K.reconcile, now, id)
  else
    redis.call('ZREM', K.reconcile, id)
  end
  if terminal(state) then
    redis.call('ZREM', K.active, id)
    redis.call('ZADD', K.ended, now, id)
    -- An unknown outcome may be a restore running: it keeps its target
    -- until reconciliation settles it (reconcile.lua).
    if state ~= 'outcome_unknown' then release() end
  end
end

local function past_expiry()
  return tonumber(now) >= tonumber(get('expires_at_ms'))
end

local function expire()
  if get('state') == 'queued' then
    redis.call('HSET', K.req, 'detail', 'expired while waiting for ' .. get('waiting_for') ..
      ' to finish restoring the same instance; nothing was restored')
  end
  set_state('expired')
  audit('bot', 'expired', '')
end

-- check_pending returns the refusal for a request that cannot be decided
-- now, or nil when it is pending and within its time. A pending request
-- past its expiry is expired on the spot, whoever finds it.
local function check_pending()
  if not exists() then return missing() end
  if get('state') ~= 'pending' then return reply('not_pending') end
  if past_expiry() then
    expire()
    return reply('expired')
  end
  return nil
end


-- rule_freeze returns the freeze reason of the rule that governs the
-- request, read from the policy record that every replica shares, or nil.
-- The rule is the request's 'rule' field: the rule in force for its target
-- when its approvals were counted (written by approve.lua).
local function rule_freeze()
  local rule = get('rule')
  if rule == '' then return nil end
  local reason = redis.call('HGET', K.policy, 'frozen:' .. rule)
  if reason then return reason end
  return nil
end
