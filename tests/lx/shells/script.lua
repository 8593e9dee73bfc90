-- Run by tests/lx/progs/lua.c (Debian's liblua5.4.a) natively and under lx: the output must be the same.
print(_VERSION, #arg, arg[1])

-- strings
local s = "The quick brown fox jumps over the lazy dog"
print(s:upper(), #s, s:find("fox"), s:sub(5, 9), s:rep(2, "|"):len())
local words = {}
for w in s:gmatch("%a+") do words[#words + 1] = w:lower() end
table.sort(words)
print(table.concat(words, ","))
print(string.format("%5.2f|%-6s|%x|%q|%g", math.pi, "ab", 255, "quote\"d", 1e20))
print(("a,b,,c"):gsub(",", ";"), ("hello"):byte(1, -1))
print(utf8.char(72, 228, 8364), utf8.len("Hä€"))

-- tables, metatables, closures
local t = setmetatable({}, {__index = function(_, k) return k * 2 end, __call = function(self, x) return x + 1 end})
print(t[21], t(41), rawget(t, 21))
local function counter()
  local n = 0
  return function() n = n + 1; return n end
end
local c1, c2 = counter(), counter()
c1(); c1()
print(c1(), c2())
local Vec = {}
Vec.__index = Vec
Vec.__add = function(a, b) return setmetatable({x = a.x + b.x, y = a.y + b.y}, Vec) end
Vec.__tostring = function(v) return "(" .. v.x .. "," .. v.y .. ")" end
print(tostring(setmetatable({x = 1, y = 2}, Vec) + setmetatable({x = 10, y = 20}, Vec)))
local big = {}
for i = 1, 100000 do big[i] = i * i end
local sum = 0
for _, v in ipairs(big) do sum = sum + v end
print(#big, sum, math.maxinteger, 7 // 2, 7 % -3, 2^10, 10 / 4)

-- coroutines
local gen = coroutine.wrap(function() for i = 1, 5 do coroutine.yield(i * i) end return "done" end)
local got = {}
for _ = 1, 6 do got[#got + 1] = tostring(gen()) end
print(table.concat(got, " "))
local co = coroutine.create(function(a, b)
  local c = coroutine.yield(a + b)
  local d, e = coroutine.yield(c * 2)
  return d + e
end)
print(coroutine.resume(co, 1, 2))
print(coroutine.resume(co, 10))
print(coroutine.resume(co, 3, 4))
print(coroutine.status(co), coroutine.resume(co))

-- errors
local ok, e = pcall(function() error({code = 42}) end)
print(ok, type(e), e.code)
print(select(2, pcall(function() error("boom", 0) end)))
print(pcall(function() local x = nil; return x.y end))

-- io on files
local path = os.tmpname()
local f = assert(io.open(path, "w"))
for i = 1, 1000 do f:write(string.format("line %04d %s\n", i, string.rep("x", i % 17))) end
f:close()
local lines, bytes = 0, 0
for line in io.lines(path) do lines = lines + 1; bytes = bytes + #line + 1 end
f = assert(io.open(path, "r"))
f:seek("set", 10)
local chunk = f:read(9)
local size = f:seek("end")
f:close()
f = assert(io.open(path, "a")); f:write("appended\n"); f:close()
f = assert(io.open(path, "r")); local all = f:read("a"); f:close()
print(lines, bytes, chunk, size, #all, all:sub(-9, -2))
print(os.remove(path), io.open(path) == nil, select(2, io.open("/nonexistent/file")))

-- time: only differences and shapes, never the values
local t0 = os.time()
local clock0 = os.clock()
local x = 0
for i = 1, 200000 do x = x + i % 7 end
print(x, os.time() - t0 >= 0, os.clock() - clock0 >= 0, type(os.date("%Y")), os.date("!%Y-%m-%d", 86400 * 365))
print(os.getenv("LX_SURELY_UNSET"), os.execute() ~= nil)
os.exit(3)
