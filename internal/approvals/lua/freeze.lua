-- freeze: KEYS[1] freeze, KEYS[2] audit (global); ARGV offset, actor, 'set'
-- or 'clear', reason. Returns 1 when something changed. The time is Redis's
-- (TIME) plus the offset in ms, as in lib.lua.
local t = redis.call('TIME')
local now = string.format('%.0f', tonumber(t[1]) * 1000 + math.ceil(tonumber(t[2]) / 1000) + tonumber(ARGV[1]))
local function audit(action, detail)
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', '10000', '*', 'at_ms', now,
    'actor', ARGV[2], 'action', action, 'state', '', 'param_hash', '',
    'detail', detail)
end
if ARGV[3] == 'set' then
  redis.call('HSET', KEYS[1], 'reason', ARGV[4], 'by', ARGV[2], 'at_ms', now)
  audit('freeze', ARGV[4])
  return 1
end
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
audit('unfreeze', '')
return 1
