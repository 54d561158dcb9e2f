-- lease_release: KEYS[1] a lease; ARGV owner. Deletes it only for its
-- owner, so a holder whose lease lapsed cannot free a successor's.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
