-- wrk script for scripts/bench-serve.sh: each request is one sentence of the file in
-- SENTENCES (one per line), taken in turn, as POST /translate English → Chinese with beam 5
-- (source SOURCE: en, or auto).
-- At the end: requests, sentences/s, p50/p99 latency and every kind of error wrk counts.
local sentences = {}
for line in io.lines(os.getenv("SENTENCES")) do
    if line:match("%S") then table.insert(sentences, line) end
end

local function json_string(s)
    s = s:gsub('[%c"\\]', function(c)
        if c == '"' then return '\\"' elseif c == "\\" then return "\\\\" end
        return string.format("\\u%04x", c:byte())
    end)
    return '"' .. s .. '"'
end

-- "en", or "auto" to have every request's language identified first (CLD2).
local source = os.getenv("SOURCE") or "en"
local counter = 0
local thread_offset = 0

function setup(thread)
    thread:set("thread_offset", thread_offset)
    thread_offset = thread_offset + 7919
end

function request()
    counter = counter + 1
    local sentence = sentences[(thread_offset + counter) % #sentences + 1]
    local body = '{"q": ' .. json_string(sentence) .. ', "source": "' .. source .. '", "target": "zh", "beam_size": 5}'
    return wrk.format("POST", "/translate", { ["Content-Type"] = "application/json" }, body)
end

function done(summary, latency, requests)
    local e = summary.errors
    local errors = e.connect + e.read + e.write + e.status + e.timeout
    io.write(string.format("RESULT requests=%d seconds=%.2f per_second=%.1f p50_ms=%.1f p99_ms=%.1f errors=%d (connect %d, read %d, write %d, status %d, timeout %d)\n",
        summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors,
        e.connect, e.read, e.write, e.status, e.timeout))
end
