-- confirm: ARGV id, offset, lease_token, lease_ms. Renews the restore lease
-- of an executing request this store holds ('ok'), so that the caller can
-- confirm with the replicas, on the same connection, that the move to
-- executing survived (the renewal is a write later in the replication
-- stream than it). Not executing, or under another lease: 'not_pending'.
if not exists() then return missing() end
if get('state') ~= 'executing' or redis.call('GET', K.lease) ~= ARGV[3] then
  return reply('not_pending')
end
redis.call('PEXPIRE', K.lease, ARGV[4])
return reply('ok')
