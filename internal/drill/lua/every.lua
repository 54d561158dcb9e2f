-- every: KEYS[1] when a periodic job last ran (ms on the runner's clock);
-- ARGV now_ms, period_ms. 1 (and now recorded) when it last ran a period
-- or more ago, or never; 0 otherwise. One replica wins each period.
local last = redis.call('GET', KEYS[1])
if last and tonumber(ARGV[1]) - tonumber(last) < tonumber(ARGV[2]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
