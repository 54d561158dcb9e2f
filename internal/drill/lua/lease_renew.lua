-- lease_renew: KEYS[1] a lease; ARGV owner, ttl_ms. Extends it only for its
-- owner; 1 if extended.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
