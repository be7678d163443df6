"""The Lua scripts of [`RedisStore`][graphlink.ratelimit.RedisStore], and their arguments.

Each operation is one script, so it is atomic and costs one round trip. The scripts use
the Redis server's ``TIME``, so the hosts' clocks never need to agree; they mirror
``_maths.gcra`` and ``MemoryStore.acquire`` line by line.
"""

from __future__ import annotations

from collections.abc import Sequence

from graphlink.ratelimit._rules import CooldownRule, RateRule, Rule

__all__ = ["ACQUIRE", "COOLDOWN", "FORGET", "RELEASE", "RENEW", "encode"]

# Numbers go through string.format('%.17g'): Redis would otherwise print Lua numbers with
# 14 significant digits, a tenth of a millisecond at Unix-time magnitudes.
_PRELUDE = """
local function num(x) return string.format('%.17g', x) end
-- Only ever lengthen a key's TTL: processes with a longer lease (or wait) share the key.
local function extend(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end
local function clock(arg)
  if arg ~= '' then return tonumber(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
"""

# KEYS: per rule, cooldown: 1 key; rate: tat key, waiters key; slot: running key, waiters key.
# ARGV: now ('' = server TIME), eps, token, then per rule its kind and parameters.
# Reply: {1, '0'} admitted; {-1, wait} refused; {0, wait, placed} wait, where placed = 1 when
# the wait is timed and the token holds places in waiters keys (FORGET takes them out).
ACQUIRE = (
    _PRELUDE
    + """
local now = clock(ARGV[1])
local eps = tonumber(ARGV[2])
local token = ARGV[3]
local wait, refused, timed = 0, false, false
local blocked, tats, slots = {}, {}, {}
local a, k = 4, 1
while a <= #ARGV do
  local kind = ARGV[a]
  if kind == 'c' then
    local left = tonumber(redis.call('GET', KEYS[k]) or '0') - now
    if left > eps then timed = true end
    if left > eps and left > wait then wait = left end
    a, k = a + 1, k + 1
  elseif kind == 'r' then
    local interval, burst = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
    local cost, max_wait = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
    -- gcra()
    local tat = tonumber(redis.call('GET', KEYS[k]) or '-1')
    local base = now
    if tat > now then base = tat end
    local new_tat = base + cost * interval
    local capacity = burst
    if cost > capacity then capacity = cost end
    local rate_wait = new_tat - capacity * interval - now
    if rate_wait > eps then
      timed = true
      redis.call('ZREMRANGEBYSCORE', KEYS[k + 1], '-inf', num(now + eps))
      local est = rate_wait + redis.call('ZCARD', KEYS[k + 1]) * cost * interval  -- queued_wait()
      if max_wait >= 0 and est > max_wait then refused = true end
      if est > wait then wait = est end
      blocked[#blocked + 1] = KEYS[k + 1]
    end
    tats[#tats + 1] = {KEYS[k], new_tat}
    a, k = a + 5, k + 2
  else
    local limit, count = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
    local lease, poll = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
    local max_poll = tonumber(ARGV[a + 5])
    redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', num(now))  -- leases of dead processes
    local running = redis.call('ZCARD', KEYS[k])
    if running + count > limit and running > 0 then
      redis.call('ZREMRANGEBYSCORE', KEYS[k + 1], '-inf', num(now + eps))
      local w = poll * (1 + redis.call('ZCARD', KEYS[k + 1]) / limit)  -- slot_wait()
      if w > max_poll then w = max_poll end
      if w > wait then wait = w end
      blocked[#blocked + 1] = KEYS[k + 1]
    end
    slots[#slots + 1] = {KEYS[k], count, lease}
    a, k = a + 6, k + 2
  end
end
if refused then return {-1, num(wait)} end
if wait > 0 then
  for _, key in ipairs(blocked) do
    redis.call('ZADD', key, num(now + wait), token)
    extend(key, math.ceil(wait * 1000) + 1000)
  end
  local placed = 0
  if timed and #blocked > 0 then placed = 1 end
  return {0, num(wait), placed}
end
for _, t in ipairs(tats) do
  redis.call('SET', t[1], num(t[2]), 'PX', math.ceil((t[2] - now) * 1000) + 1000)
end
for _, s in ipairs(slots) do
  for i = 1, s[2] do redis.call('ZADD', s[1], num(now + s[3]), token .. ':' .. i) end
  extend(s[1], math.ceil(s[3] * 1000) + 1000)
end
return {1, '0'}
"""
)

# KEYS: slot keys, then rate keys. ARGV: token, then per slot key its count, then (when
# rolling back) per rate key the seconds to give back.
RELEASE = """
local token = ARGV[1]
local nslots = tonumber(ARGV[2])
for i = 1, nslots do
  for j = 1, tonumber(ARGV[2 + i]) do redis.call('ZREM', KEYS[i], token .. ':' .. j) end
end
for i = nslots + 1, #KEYS do
  local tat = redis.call('GET', KEYS[i])
  if tat then
    local back = tonumber(ARGV[2 + i])
    redis.call('SET', KEYS[i], string.format('%.17g', tonumber(tat) - back), 'KEEPTTL')
  end
end
return 1
"""

# KEYS: slot keys. ARGV: now ('' = server TIME), then per key: lease, token, count. Pushes
# back the end of each lease the token still holds (XX: a slot given back stays given back).
RENEW = (
    _PRELUDE
    + """
local now = clock(ARGV[1])
local a = 2
for k = 1, #KEYS do
  local lease, token, count = tonumber(ARGV[a]), ARGV[a + 1], tonumber(ARGV[a + 2])
  for j = 1, count do
    redis.call('ZADD', KEYS[k], 'XX', num(now + lease), token .. ':' .. j)
  end
  extend(KEYS[k], math.ceil(lease * 1000) + 1000)
  a = a + 3
end
return 1
"""
)

# KEYS: waiters keys. ARGV[1]: the token of a caller that stopped waiting: its places go.
FORGET = """
for _, key in ipairs(KEYS) do redis.call('ZREM', key, ARGV[1]) end
return 1
"""

# KEYS[1]: the cooldown key. ARGV: seconds, now ('' = server TIME).
COOLDOWN = (
    _PRELUDE
    + """
local now = clock(ARGV[2])
local seconds = tonumber(ARGV[1])
if seconds <= 0 then return 0 end
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + seconds > current then
  redis.call('SET', KEYS[1], num(now + seconds), 'PX', math.ceil(seconds * 1000))
end
return 1
"""
)


def encode(rules: Sequence[Rule], prefix: str) -> tuple[list[str], list[str]]:
    """The KEYS and the per-rule ARGV of ``ACQUIRE`` for ``rules``, keys under ``prefix``."""
    keys: list[str] = []
    args: list[str] = []
    for rule in rules:
        if isinstance(rule, CooldownRule):
            keys.append(prefix + "cooldown:" + rule.key)
            args.append("c")
        elif isinstance(rule, RateRule):
            keys += [prefix + rule.key, prefix + rule.key + ":wait"]
            max_wait = -1.0 if rule.max_wait is None else rule.max_wait
            args += ["r", *map(repr, (rule.interval, rule.burst, rule.cost, max_wait))]
        else:
            keys += [prefix + rule.key, prefix + rule.key + ":swait"]
            args += ["s", *map(repr, (rule.limit, rule.count, rule.lease))]
            args += [repr(rule.poll), repr(rule.max_poll)]
    return keys, args
