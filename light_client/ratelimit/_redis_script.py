"""``_schedule``'s functions as one Redis script: a change costs one round trip, on Redis's clock.

``RedisRateLimitStore`` runs each of the five changes (``_changes``) here, atomically on the
server: no ``WATCH`` retries, no lock between a process's tasks, and one clock for the whole fleet
(``TIME``), so a host whose clock is off or steps back neither stalls nor outruns the others.

The Lua below is a line-by-line translation of ``_schedule``; ``tests/ratelimit`` runs both on
the same random buckets against a real redis-server and requires the same answers, so there is
one algorithm in two languages, not two algorithms. Change one, change the other.

Numbers cross as text with 17 significant digits (a double, exactly): Redis would truncate a Lua
number it returns to an integer.
"""

from __future__ import annotations

import json

from ._schedule import Booking

__all__ = ["SCRIPT", "decode_answer"]

SCRIPT = r"""
local EPSILON = 1e-6
local name, ttl, given_now = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local pace = {interval = tonumber(ARGV[4]), burst = tonumber(ARGV[5])}

local now
if given_now ~= '' then
  now = tonumber(given_now)
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1e6
end

local function num(x) return string.format('%.17g', x) end

local function decode(text)
  local fresh = {tat = 0, hold = 0, epoch = 0, holes = {}, si = 0}
  if not text then return fresh end
  local ok, v = pcall(cjson.decode, text)
  if not ok or type(v) ~= 'table' or #v ~= 5 or type(v[4]) ~= 'table' then return fresh end
  for _, i in ipairs({1, 2, 3, 5}) do
    if type(v[i]) ~= 'number' then return fresh end
  end
  local holes = {}
  for _, h in ipairs(v[4]) do
    if type(h) ~= 'number' then return fresh end
    holes[#holes + 1] = h
  end
  return {tat = v[1], hold = v[2], epoch = math.floor(v[3]), holes = holes, si = v[5]}
end

local function encode(b)
  local holes = {}
  for i, h in ipairs(b.holes) do holes[i] = num(h) end
  return '[' .. num(b.tat) .. ',' .. num(b.hold) .. ',' .. string.format('%d', b.epoch) ..
    ',[' .. table.concat(holes, ',') .. '],' .. num(b.si) .. ']'
end

local function booking(start, wait, epoch, held)
  return '[' .. num(start) .. ',' .. num(wait) .. ',' .. string.format('%d', epoch) .. ',' ..
    num(held) .. ']'
end

local function interval(b) return math.max(pace.interval, b.si) end

local function tolerance(b)
  if b.si > pace.interval then return 0 end
  return (pace.burst - 1) * pace.interval
end

local function reserve(b)
  local holes = {}
  for _, h in ipairs(b.holes) do
    if h >= now then holes[#holes + 1] = h end
  end
  if #holes > 0 then
    local first = table.remove(holes, 1)
    b.holes = holes
    return booking(first, first - now, b.epoch, b.hold)
  end
  local start = math.max(now, b.tat - tolerance(b), b.hold)
  b.tat = math.max(b.tat, start) + interval(b)
  b.holes = {}
  return booking(start, start - now, b.epoch, b.hold)
end

local function rebase(b, start)
  b.epoch = b.epoch + 1
  b.holes = {}
  b.tat = math.max(start, b.hold) + tolerance(b)
end

local b = decode(redis.call('GET', KEYS[1]))
local answer = ''
if name == 'reserve' then
  answer = reserve(b)
elseif name == 'confirm' then
  local start, epoch, held = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
  if epoch == b.epoch then
    answer = booking(start, start - now, epoch, held)
  else
    answer = reserve(b)
  end
elseif name == 'release' then
  local start, epoch = tonumber(ARGV[6]), tonumber(ARGV[7])
  local step = interval(b)
  if epoch == b.epoch and start >= now and step ~= 0 then
    local holes = {}
    for _, h in ipairs(b.holes) do
      if h >= now then holes[#holes + 1] = h end
    end
    if start >= now then holes[#holes + 1] = start end
    table.sort(holes)
    local tat = b.tat
    while #holes > 0 and holes[#holes] + step + tolerance(b) >= tat - EPSILON do
      table.remove(holes)
      tat = tat - step
    end
    b.tat = tat
    b.holes = holes
  end
elseif name == 'hold' then
  local ending = now + tonumber(ARGV[6])
  if ending <= math.max(b.hold, now) + EPSILON then
    answer = '0'
  else
    b.hold = ending
    rebase(b, ending)
    answer = '1'
  end
elseif name == 'tune' then
  local si = tonumber(ARGV[6])
  if math.abs(si - b.si) <= EPSILON then
    answer = '0'
  elseif math.max(pace.interval, si) > interval(b) + EPSILON then
    b.si = si
    rebase(b, now)
    answer = '1'
  else
    b.si = si
    answer = '0'
  end
else
  return redis.error_reply('light-client: unknown change ' .. tostring(name))
end
redis.call('SET', KEYS[1], encode(b), 'EX', ttl)
return answer
"""


def decode_answer(name: str, text: bytes | str) -> Booking | bool | None:
    """The script's answer as ``_schedule``'s functions give it."""
    if name in ("reserve", "confirm"):
        start, wait, epoch, held = json.loads(text)
        return Booking(float(start), float(wait), int(epoch), float(held))
    if name == "release":
        return None
    return text in (b"1", "1")
