-- freeze: KEYS[1] freeze, KEYS[2] audit (global); ARGV now, actor, 'set' or
-- 'clear', reason. Returns 1 when something changed.
local function audit(action, detail)
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', '10000', '*', 'at_ms', ARGV[1],
    'actor', ARGV[2], 'action', action, 'state', '', 'param_hash', '',
    'detail', detail)
end
if ARGV[3] == 'set' then
  redis.call('HSET', KEYS[1], 'reason', ARGV[4], 'by', ARGV[2], 'at_ms', ARGV[1])
  audit('freeze', ARGV[4])
  return 1
end
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
audit('unfreeze', '')
return 1
