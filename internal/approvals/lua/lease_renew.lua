-- lease_renew: KEYS[1] the lease; ARGV token, ttl_ms. Extends the lease
-- only for its owner; 1 if extended.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
