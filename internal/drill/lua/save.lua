-- save: KEYS[1] the run lease, KEYS[2] the run in progress; ARGV owner,
-- ttl_ms, run JSON. Writes the run's progress and renews the lease, only
-- for the lease's owner; 1 if written.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3])
return 1
