-- set: KEYS rec, live, audit; ARGV id, now_ms, from_states (comma list), to_state, audit_text, field, value, ...
-- Moves a record between states when it is in one of from_states, setting
-- the given fields; a record that leaves the live states leaves the cap.
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing', ''} end
local st = redis.call('HGET', KEYS[1], 'state')
local ok = false
for s in string.gmatch(ARGV[3], '[^,]+') do if s == st then ok = true end end
if not ok then return {'state', st} end
redis.call('HSET', KEYS[1], 'state', ARGV[4], 'updated_ms', ARGV[2])
for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
if ARGV[4] == 'deleted' or ARGV[4] == 'released' or ARGV[4] == 'refused' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('PEXPIRE', KEYS[1], 2592000000)
  redis.call('PEXPIRE', KEYS[3], 2592000000)
end
redis.call('RPUSH', KEYS[3], ARGV[2] .. ' ' .. ARGV[5])
return {'ok', st}
