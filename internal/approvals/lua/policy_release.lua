-- policy_release: KEYS[1] policy, KEYS[2] policy_holders; ARGV owner, hash.
-- The replica leaves the holders; the last holder to leave removes the
-- record, so that replicas started later with another file can take over.
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('ZCARD', KEYS[2]) == 0 and redis.call('HGET', KEYS[1], 'hash') == ARGV[2] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
