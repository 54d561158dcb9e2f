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
--   KEYS[11] ended      zset: ended (terminal) ids by ms of ending, for "recent"
--   KEYS[12] user:<requester> zset: the requester's ids by created ms; only
--            create is given it (the requester is known there)
-- ARGV[1] is the id and ARGV[2] the caller's clock in UNIX ms; both are kept
-- as strings and only compared through tonumber, never formatted, so no
-- precision is lost. Every reply is {status, extra, HGETALL of the request}.
local K = {
  req = KEYS[1], audit = KEYS[2], active = KEYS[3], expiry = KEYS[4],
  remind = KEYS[5], executing = KEYS[6], submitted = KEYS[7],
  lease = KEYS[8], freeze = KEYS[9], breakglass = KEYS[10],
  ended = KEYS[11], user = KEYS[12],
}
local id, now = ARGV[1], ARGV[2]

local function reply(status, extra)
  return {status, extra or '', redis.call('HGETALL', K.req)}
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
  return state ~= 'pending' and state ~= 'executing' and state ~= 'submitted'
end

local function audit(actor, action, detail)
  redis.call('XADD', K.audit, '*', 'at_ms', now, 'actor', actor,
    'action', action, 'state', get('state'), 'param_hash', get('param_hash'),
    'detail', detail or '')
end

-- set_state writes the new state and keeps every index in step with it.
-- The lease only means something while executing, so leaving executing
-- deletes it.
local function set_state(state)
  redis.call('HSET', K.req, 'state', state, 'updated_at_ms', now)
  if state ~= 'pending' then
    redis.call('ZREM', K.expiry, id)
    redis.call('ZREM', K.remind, id)
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
  if terminal(state) then
    redis.call('ZREM', K.active, id)
    redis.call('ZADD', K.ended, now, id)
  end
end

local function past_expiry()
  return tonumber(now) >= tonumber(get('expires_at_ms'))
end

local function expire()
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

