#!/usr/bin/env node
// The end-to-end benchmark's subscriber: counts every value once and times it from its source timestamp.
//   NODE_PATH=<tools>/node-clients/node_modules node subscriber.js --port P --tags N --per-server K --out result.json
//       --warmup S --measure S --lead S --outage S --tail S [--pid SUT_PID | --pid-file F] [--source-pids a,b,c] [--status F]
// Subscribes (QoS 1, persistent session) to our gateway's telemetry batches (docs/wire-contract.md) and to Node-RED's
// one-message-per-value payloads {"tag": "...B.<i>", "ts": ISO, "value": x}. A value is (tag, source timestamp); the
// source ticks all its tags with one timestamp, so each server's timestamps map to slots and each tag keeps a bit per
// slot: duplicates are counted, not double-counted. Phases are fixed by the time A every tag has delivered a value:
//   measure = [A+warmup, A+warmup+measure), outage phase = [measure end, + lead + outage + tail) by source timestamp;
// the latency of every first delivery is put in a 1 ms histogram of its phase. CPU (utime+stime from /proc) of the
// system under test and the sources is sampled at the phase edges. Prints FIRST <ms> and PHASE lines; on SIGTERM
// writes --out and exits.
const fs = require("fs");
const mqtt = require("mqtt");

function arg(name, def) { const i = process.argv.indexOf(name); return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def; }
const PORT = parseInt(arg("--port", "1883"), 10);
const TAGS = parseInt(arg("--tags", "1000"), 10);
const PER_SERVER = parseInt(arg("--per-server", String(TAGS)), 10);
const OUT = arg("--out", "subscriber.json");
const WARMUP = parseFloat(arg("--warmup", "10")) * 1000;
const MEASURE = parseFloat(arg("--measure", "30")) * 1000;
const LEAD = parseFloat(arg("--lead", "0")) * 1000;
const OUTAGE = parseFloat(arg("--outage", "0")) * 1000;
const TAIL = parseFloat(arg("--tail", "0")) * 1000;
let SUT_PID = arg("--pid", "");
const PID_FILE = arg("--pid-file", "");
const SOURCE_PIDS = arg("--source-pids", "").split(",").filter((x) => x);
const SERVERS = Math.ceil(TAGS / PER_SERVER);
const SLOTS = 16384;                       // distinct source timestamps per server we can tell apart
const HIST = 400000;                       // latency histogram: 1 ms buckets up to 400 s

const CLK_TCK = 100;
function cpuSeconds(pid) {
    try {
        const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
        return (parseInt(f[11], 10) + parseInt(f[12], 10)) / CLK_TCK;   // utime, stime (fields 14, 15)
    } catch { return NaN; }
}
const selfCpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

const slotMaps = Array.from({ length: SERVERS }, () => new Map());          // ts ms -> slot
const slotTs = Array.from({ length: SERVERS }, () => []);                   // slot -> ts ms
const slotCount = Array.from({ length: SERVERS }, () => new Uint32Array(SLOTS));
const seen = Array.from({ length: TAGS }, () => new Uint8Array(SLOTS / 8));
const phases = ["warmup", "measure", "outage", "after"];
const hist = phases.map(() => new Uint32Array(HIST));
// where the latency of the measure phase goes, for batches that say when they were made ("created"):
// source timestamp -> batch created at the gateway, and batch created -> arrival here
const toBatch = new Uint32Array(HIST), batchToHere = new Uint32Array(HIST);
const stats = { messages: 0, values: 0, unique: 0, duplicates: 0, unknownTags: 0, slotOverflow: 0, duplicateBatches: 0, missingBatches: 0, notGood: 0, overflowBit: 0, batches: 0, replayedBatches: 0, maxLatencyMs: [0, 0, 0, 0] };
const seqs = new Set();
let first = 0, edges = null, lastBacklogArrival = 0, allTags = 0, tagsSeen = 0;
const tagSeen = new Uint8Array(TAGS);
const ALL_TIMEOUT = parseFloat(arg("--all-timeout", "60")) * 1000;
// the phases start once every tag has delivered a value (or ALL_TIMEOUT after the first value, for a system that never
// gets there): start-up is not measured as loss
function setEdges(now, why) {
    if (edges) return;
    allTags = now;
    edges = { first, all: now, measure: now + WARMUP, outage: now + WARMUP + MEASURE, after: now + WARMUP + MEASURE + LEAD + OUTAGE + TAIL };
    console.log(`EDGES ${why} ${edges.measure} ${edges.outage} ${edges.after} tags=${tagsSeen}`);
    mark("all");
}
const STATUS = arg("--status", "");
const cpuMarks = {};

function mark(name) {
    if (!SUT_PID && PID_FILE) { try { SUT_PID = fs.readFileSync(PID_FILE, "utf8").trim(); } catch { } }
    cpuMarks[name] = { at: Date.now(), sut: SUT_PID ? cpuSeconds(SUT_PID) : NaN, sources: SOURCE_PIDS.reduce((a, p) => a + cpuSeconds(p), 0), subscriber: selfCpu() };
    console.log(`PHASE ${name} ${cpuMarks[name].at}`);
}

function tagIndex(tag) {
    let n = 0, i = tag.length - 1, mul = 1;
    if (i < 0) return -1;
    for (; i >= 0; i--) { const c = tag.charCodeAt(i); if (c < 48 || c > 57) break; n += (c - 48) * mul; mul *= 10; }
    return mul === 1 ? -1 : n;
}
let lastTsStr = "", lastTsMs = 0;
function parseTs(s) {
    if (typeof s === "number") return s;
    if (s === lastTsStr) return lastTsMs;
    lastTsStr = s; lastTsMs = Date.parse(s);
    return lastTsMs;
}
function phaseOf(ts) {
    if (!edges || ts < edges.measure) return 0;
    if (ts < edges.outage) return 1;
    if (ts < edges.after) return 2;
    return 3;
}
function value(tag, tsRaw, now, created) {
    stats.values++;
    const idx = tagIndex(tag);
    if (idx < 0 || idx >= TAGS) { stats.unknownTags++; return; }
    const ts = parseTs(tsRaw);
    const server = Math.floor(idx / PER_SERVER);
    const map = slotMaps[server];
    let slot = map.get(ts);
    if (slot === undefined) {
        slot = slotTs[server].length;
        if (slot >= SLOTS) { stats.slotOverflow++; return; }
        map.set(ts, slot); slotTs[server].push(ts);
    }
    const bits = seen[idx], byte = slot >> 3, bit = 1 << (slot & 7);
    if (bits[byte] & bit) { stats.duplicates++; return; }
    bits[byte] |= bit;
    slotCount[server][slot]++;
    stats.unique++;
    if (!first) {
        first = now;
        console.log(`FIRST ${first}`);
        mark("first");
    }
    if (!tagSeen[idx]) { tagSeen[idx] = 1; tagsSeen++; if (tagsSeen === TAGS) setEdges(now, "all"); }
    const p = phaseOf(ts);
    if (p < 3) lastBacklogArrival = now;
    const lat = Math.max(0, now - ts);
    hist[p][Math.min(HIST - 1, Math.round(lat))]++;
    if (p === 1 && created !== undefined) {
        toBatch[Math.min(HIST - 1, Math.max(0, Math.round(created - ts)))]++;
        batchToHere[Math.min(HIST - 1, Math.max(0, Math.round(now - created)))]++;
    }
    if (lat > stats.maxLatencyMs[p]) stats.maxLatencyMs[p] = lat;
}

const client = mqtt.connect(`mqtt://127.0.0.1:${PORT}`, {
    clientId: "sfe-bench-e2e-subscriber", clean: false, protocolVersion: 4, reconnectPeriod: 300, connectTimeout: 5000, keepalive: 30,
});
client.on("connect", () => {
    console.log(`CONNECTED ${Date.now()}`);
    client.subscribe({ "sfe/v1/+/+/telemetry": { qos: 1 }, "nodered/#": { qos: 1 } }, (err) => { if (err) console.error(`subscribe: ${err}`); else console.log("SUBSCRIBED"); });
});
let lastError = "";
client.on("error", (e) => { if (e.message !== lastError) console.error(`mqtt: ${e.message}`); lastError = e.message; });
client.on("message", (topic, payload) => {
    const now = Date.now();
    stats.messages++;
    let doc;
    try { doc = JSON.parse(payload); } catch { return; }
    if (Array.isArray(doc.samples)) {
        stats.batches++;
        if (typeof doc.seq === "number") { if (seqs.has(doc.seq)) stats.duplicateBatches++; else seqs.add(doc.seq); }
        if (doc.replayed) stats.replayedBatches++;
        const created = typeof doc.created === "string" ? Date.parse(doc.created) : undefined;
        for (const s of doc.samples) {
            if (s.q) { stats.notGood++; if ((s.q & 0x480) === 0x480) stats.overflowBit++; }   // DataValue info bits: Overflow
            value(s.tag, s.ts, now, created);
        }
    } else if (doc.tag !== undefined) {
        value(String(doc.tag), doc.ts, now);
    }
});

// phase edges by the clock (CPU marks), checked ten times a second
const ticker = setInterval(() => {
    const now = Date.now();
    if (first && !edges && now - first >= ALL_TIMEOUT) setEdges(now, "timeout");
    if (!edges) return;
    if (STATUS) fs.writeFileSync(STATUS, `${now} ${stats.unique} ${lastBacklogArrival}\n`);
    for (const [name, at] of [["measure", edges.measure], ["outage", edges.outage], ["after", edges.after]]) {
        if (!cpuMarks[name] && now >= at) mark(name);
    }
}, 100);

function dump() {
    clearInterval(ticker);
    mark("end");
    const pct = (h, q) => {
        let total = 0; for (let i = 0; i < h.length; i++) total += h[i];
        if (!total) return null;
        const want = Math.ceil(total * q); let acc = 0;
        for (let i = 0; i < h.length; i++) { acc += h[i]; if (acc >= want) return i; }
        return h.length - 1;
    };
    const latency = {};
    phases.forEach((p, i) => { latency[p] = { p50: pct(hist[i], 0.5), p99: pct(hist[i], 0.99), max: stats.maxLatencyMs[i], n: hist[i].reduce((a, b) => a + b, 0) }; });
    latency.measureSplit = { sourceToBatch: { p50: pct(toBatch, 0.5), p99: pct(toBatch, 0.99) }, batchToSubscriber: { p50: pct(batchToHere, 0.5), p99: pct(batchToHere, 0.99) } };
    // our gateway numbers its batches (seq): a hole between the first and the last one received is a batch the
    // outbox -> MQTT -> subscriber path lost (the gateway's telemetry and anomaly events have separate sequences)
    if (seqs.size) {
        const sorted = [...seqs].sort((a, b) => a - b);
        for (let i = 1; i < sorted.length; i++) if (sorted[i] - sorted[i - 1] > 1) stats.missingBatches += sorted[i] - sorted[i - 1] - 1;
    }
    const servers = slotTs.map((list, s) => list.map((ts, i) => [ts, slotCount[s][i]]));
    // for ticks that arrived in part (after the first complete one): which tags are missing, as index ranges, so that a
    // lost notification message (a contiguous run of one server's items) can be told from scattered losses
    const partial = [];
    for (let s = 0; s < SERVERS; s++) {
        const firstTag = s * PER_SERVER, lastTag = Math.min(TAGS, (s + 1) * PER_SERVER), n = lastTag - firstTag;
        for (let i = 0; i < slotTs[s].length && partial.length < 50; i++) {
            const c = slotCount[s][i];
            if (c === 0 || c >= n || slotTs[s][i] < (edges ? edges.all : Infinity)) continue;
            const runs = []; let start = -1;
            for (let t = firstTag; t <= lastTag; t++) {
                const missing = t < lastTag && !(seen[t][i >> 3] & (1 << (i & 7)));
                if (missing && start < 0) start = t;
                if (!missing && start >= 0) { runs.push([start, t - 1]); start = -1; }
            }
            partial.push({ server: s, ts: slotTs[s][i], received: c, missingRuns: runs.slice(0, 20), runCount: runs.length });
        }
    }
    fs.writeFileSync(OUT, JSON.stringify({ first, allTags, tagsSeen, edges, cpuMarks, stats, latency, servers, partial }));
    client.end(true, () => process.exit(0));
    setTimeout(() => process.exit(0), 2000);
}
process.on("SIGTERM", dump);
process.on("SIGINT", dump);
