-- policy_claim: KEYS[1] policy (hash), KEYS[2] policy_holders (zset: store
-- owner token -> heartbeat deadline ms), KEYS[3] audit (global).
-- ARGV offset, owner, hash, source, ttl_ms, then rule, reason pairs of the
-- frozen rules. The time is Redis's (TIME) plus the offset in ms, as in
-- lib.lua, so heartbeats of replicas with different clocks compare.
-- The policy record says which rules are in force for every replica:
-- hash, source, since_ms, by, and frozen:<rule> = reason per frozen rule.
-- A replica whose hash equals the record's joins its holders (heartbeat);
-- one whose hash differs is refused with {'mismatch', hash, source, since}
-- while any holder lives. With no live holder, the caller's rules replace
-- the record. Replies {'ok', hash, source, since}.
local t = redis.call('TIME')
local now = string.format('%.0f', tonumber(t[1]) * 1000 + math.ceil(tonumber(t[2]) / 1000) + tonumber(ARGV[1]))
local owner, mine = ARGV[2], ARGV[3]
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. now)
redis.call('ZREM', KEYS[2], owner)
local rec = redis.call('HGET', KEYS[1], 'hash')
if rec and rec ~= mine and redis.call('ZCARD', KEYS[2]) > 0 then
  return {'mismatch', rec, redis.call('HGET', KEYS[1], 'source') or '',
    redis.call('HGET', KEYS[1], 'since_ms') or ''}
end
if rec ~= mine then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'hash', mine, 'source', ARGV[4], 'since_ms', now, 'by', owner)
  for i = 6, #ARGV - 1, 2 do
    redis.call('HSET', KEYS[1], 'frozen:' .. ARGV[i], ARGV[i + 1])
  end
  local detail = 'policy ' .. mine .. ' (' .. ARGV[4] .. ') in force'
  if rec then detail = detail .. ', replacing ' .. rec end
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', '10000', '*', 'at_ms', now,
    'actor', 'bot', 'action', 'policy', 'state', '', 'param_hash', '',
    'detail', detail)
end
redis.call('ZADD', KEYS[2], tonumber(now) + tonumber(ARGV[5]), owner)
return {'ok', mine, redis.call('HGET', KEYS[1], 'source') or '',
  redis.call('HGET', KEYS[1], 'since_ms') or ''}
