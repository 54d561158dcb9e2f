-- finish: KEYS[1] the run lease, KEYS[2] the run in progress, KEYS[3] the
-- drill's ended runs (newest first), KEYS[4..] per-instance recovery times;
-- ARGV owner, run JSON, runs kept, durations kept, then one recovery time
-- (ms) per KEYS[4..] key. Only the lease's owner ends a run: the run moves
-- to the ended list and the lease is freed in one step. 1 if ended.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('LPUSH', KEYS[3], ARGV[2])
redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[3]) - 1)
for i = 4, #KEYS do
  redis.call('LPUSH', KEYS[i], ARGV[i + 1])
  redis.call('LTRIM', KEYS[i], 0, tonumber(ARGV[4]) - 1)
end
redis.call('DEL', KEYS[2], KEYS[1])
return 1
