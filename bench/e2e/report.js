#!/usr/bin/env node
// Turns the end-to-end benchmark's run folders into one Markdown table (both systems side by side, ratio Node-RED / ours)
// and OUT/results.json.   node report.js OUT RUN_DIR...
const fs = require("fs");
const os = require("os");
const path = require("path");
const [outDir, ...runs] = process.argv.slice(2);

function ticks(file) {
    if (!fs.existsSync(file)) return [];
    return fs.readFileSync(file, "utf8").split("\n").filter((l) => l).map((l) => { const [t, ts, n] = l.split(" ").map(Number); return { t, ts, n }; });
}
function analyse(dir) {
    const run = JSON.parse(fs.readFileSync(path.join(dir, "run.json"), "utf8"));
    const r = { system: run.system, load: `${run.tags} tags @ ${run.periodMs} ms`, tags: run.tags, periodMs: run.periodMs, servers: run.servers,
                offered: run.tags * 1000 / run.periodMs, ok: !!run.ok };
    if (!run.ok || !fs.existsSync(path.join(dir, "subscriber.json"))) return r;
    const sub = JSON.parse(fs.readFileSync(path.join(dir, "subscriber.json"), "utf8"));
    if (!sub.first) { r.ok = false; return r; }
    const e = sub.edges;
    const window = (from, to) => {
        let produced = 0, delivered = 0;
        for (let s = 0; s < run.servers; s++) {
            const got = new Map((sub.servers[s] || []).map(([ts, n]) => [ts, n]));
            for (const k of ticks(path.join(dir, `ticks-${s}.log`))) {
                if (k.ts < from || k.ts >= to) continue;
                produced += k.n;
                delivered += Math.min(k.n, got.get(k.ts) || 0);
            }
        }
        return { produced, delivered, lost: produced - delivered };
    };
    const m = window(e.measure, e.outage);
    const secs = run.measure;
    const c0 = sub.cpuMarks.measure, c1 = sub.cpuMarks.outage || sub.cpuMarks.end;
    const cpuWall = (c1.at - c0.at) / 1000;
    const cpu = c1.sut - c0.sut;
    r.produced = m.produced / secs;
    r.delivered = m.delivered / secs;
    r.lost = m.lost;
    r.lostPct = m.produced ? 100 * m.lost / m.produced : 0;
    r.p50 = sub.latency.measure.p50; r.p99 = sub.latency.measure.p99;
    r.cpuPerMillion = m.delivered ? cpu / m.delivered * 1e6 : null;
    r.cores = cpu / cpuWall;
    r.sourceCores = (c1.sources - c0.sources) / cpuWall;
    r.subscriberCores = (c1.subscriber - c0.subscriber) / cpuWall;
    r.rssMb = run.hwmSteadyKb / 1024;
    r.rssPeakMb = run.hwmKb / 1024;
    r.startup = (sub.first - run.t0) / 1000;
    r.startupAll = sub.tagsSeen === run.tags ? (sub.allTags - run.t0) / 1000 : null;
    r.duplicates = sub.stats.duplicates;
    if (run.outage > 0) {
        const o = window(e.outage, e.after);
        r.outageProduced = o.produced; r.outageDelivered = o.delivered; r.outageLost = o.lost;
        r.outageLostPct = o.produced ? 100 * o.lost / o.produced : 0;
        r.outageP99 = sub.latency.outage.p99; r.outageMax = sub.latency.outage.max;
        r.outageSeconds = run.outage;
        r.brokerDown = run.restartAt && run.killAt ? (run.restartAt - run.killAt) / 1000 : null;
    }
    return r;
}

const results = runs.map(analyse);
fs.writeFileSync(path.join(outDir, "results.json"), JSON.stringify(results, null, 1));
const fmt = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x)) ? "-" : Number(x).toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
const ratio = (a, b) => (a === null || b === null || a === undefined || b === undefined || !b || Number.isNaN(a) || Number.isNaN(b)) ? "-" : (a / b).toFixed(2);
const rows = [
    ["source produced (values/s)", (r) => fmt(r.produced)],
    ["values/s delivered", (r) => fmt(r.delivered), "delivered"],
    ["values lost (measure window)", (r) => r.lost === undefined ? "-" : `${fmt(r.lost)} (${fmt(r.lostPct, 2)} %)`, "lost"],
    ["latency p50 (ms)", (r) => fmt(r.p50), "p50"],
    ["latency p99 (ms)", (r) => fmt(r.p99), "p99"],
    ["CPU s per million values", (r) => fmt(r.cpuPerMillion, 1), "cpuPerMillion"],
    ["CPU (cores)", (r) => fmt(r.cores, 2), "cores"],
    ["resident memory, peak before outage (MiB)", (r) => fmt(r.rssMb), "rssMb"],
    ["resident memory, peak incl. outage (MiB)", (r) => fmt(r.rssPeakMb), "rssPeakMb"],
    ["start-up to first value (s)", (r) => fmt(r.startup, 1), "startup"],
    ["start-up to a value from every tag (s)", (r) => r.startupAll === null ? "never" : fmt(r.startupAll, 1), "startupAll"],
    ["outage: values produced around it", (r) => fmt(r.outageProduced)],
    ["outage: values lost", (r) => r.outageLost === undefined ? "-" : `${fmt(r.outageLost)} (${fmt(r.outageLostPct, 2)} %)`, "outageLost"],
    ["outage: p99 / max latency (s)", (r) => r.outageP99 === undefined || r.outageP99 === null ? "-" : `${fmt(r.outageP99 / 1000, 1)} / ${fmt(r.outageMax / 1000, 1)}`, "outageP99"],
    ["source CPU (cores, all servers)", (r) => fmt(r.sourceCores, 2)],
];
const loads = [...new Set(results.map((r) => r.load))];
const name = { sfe: "SmartFactoryEdge", nodered: "Node-RED" };
let out = `| load | metric | ${name.sfe} | ${name.nodered} | ratio Node-RED / ours |\n|---|---|---:|---:|---:|\n`;
for (const load of loads) {
    const a = results.find((r) => r.load === load && r.system === "sfe") || {};
    const b = results.find((r) => r.load === load && r.system === "nodered") || {};
    for (const [label, f, key] of rows) {
        const va = a.system ? (a.ok ? f(a) : "no value delivered") : "not run";
        const vb = b.system ? (b.ok ? f(b) : "no value delivered") : "not run";
        out += `| ${load} | ${label} | ${va} | ${vb} | ${key && a.ok && b.ok ? ratio(b[key], a[key]) : ""} |\n`;
    }
}
const cpu = (os.cpus()[0] || {}).model || "?";
out += `\nMachine: ${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GB, ${os.type()} ${os.release()}, load average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}; `;
out += `source, broker, subscriber and the system under test share these cores.\n`;
const big = results.find((r) => r.system === "sfe" && r.offered >= 100000 && r.ok);
if (big) {
    const t = (ok) => ok ? "met" : "MISSED";
    out += `\nTargets for our gateway at ${fmt(big.offered)} values/s offered (source produced ${fmt(big.produced)}/s): `;
    out += `every value delivered: ${t(big.lost === 0)} (${fmt(big.lost)} lost); p99 < 100 ms: ${t(big.p99 < 100)} (${fmt(big.p99)} ms); `;
    out += `< 1 core: ${t(big.cores < 1)} (${fmt(big.cores, 2)}); RSS < 100 MiB: ${t(big.rssPeakMb < 100)} (${fmt(big.rssPeakMb, 1)} MiB = ${fmt(big.rssPeakMb * 1.048576, 1)} million bytes); `;
    out += `zero lost through the outage: ${big.outageLost === undefined ? "not run" : t(big.outageLost === 0) + ` (${fmt(big.outageLost)} lost)`}.\n`;
}
process.stdout.write(out);
