#!/usr/bin/env node
// One OPC UA load source for the end-to-end benchmark (node-opcua, pure JS, 127.0.0.1 only).
//   NODE_PATH=<tools>/opcua/node_modules node load_server.js --port 0 --pki DIR --first 0 --count 2000 --period 100 --ticks FILE
// Serves Double variables ns=1;s=B.<index> for index first .. first+count-1, all changing every --period ms with one
// source timestamp per tick (exception-based monitoring: minimumSamplingInterval 0). Every tick is logged to --ticks
// as "<tick> <sourceTimestampMs> <changes>", so the benchmark knows exactly what the source produced.
// Prints "READY <url>" once listening; stops on SIGTERM.
const fs = require("fs");
const path = require("path");
const { OPCUAServer, OPCUACertificateManager, Variant, DataType, StatusCodes, RegisterServerMethod, nodesets,
        SecurityPolicy, MessageSecurityMode } = require("node-opcua");

function arg(name, def) { const i = process.argv.indexOf(name); return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def; }
const PORT = parseInt(arg("--port", "0"), 10);
const PKI = path.resolve(arg("--pki", "/tmp/sfe-bench-e2e-pki"));
const FIRST = parseInt(arg("--first", "0"), 10);
const COUNT = parseInt(arg("--count", "1000"), 10);
const PERIOD = parseInt(arg("--period", "1000"), 10);
const TICKS = arg("--ticks", "ticks.log");

async function main() {
    const serverCertificateManager = new OPCUACertificateManager({ rootFolder: path.join(PKI, "server"), automaticallyAcceptUnknownCertificate: true });
    const server = new OPCUAServer({
        host: "127.0.0.1", hostname: "127.0.0.1", alternateHostname: ["127.0.0.1"], port: PORT, resourcePath: "/UA/Load",
        nodesets: [nodesets.standard],
        securityPolicies: [SecurityPolicy.None], securityModes: [MessageSecurityMode.None], allowAnonymous: true,
        serverCertificateManager, registerServerMethod: RegisterServerMethod.HIDDEN, isAuditing: false,
        maxConnectionsPerEndpoint: 20, serverCapabilities: { maxSessions: 20, maxMonitoredItemsPerCall: 100000 },
    });
    await server.initialize();
    const ns = server.engine.addressSpace.getOwnNamespace();
    const folder = ns.addFolder(server.engine.addressSpace.rootFolder.objects, { browseName: "Bench", nodeId: "s=Bench" });
    const vars = [];
    for (let i = 0; i < COUNT; i++) {
        const id = FIRST + i;
        const v = ns.addVariable({ organizedBy: folder, browseName: `B${id}`, nodeId: `s=B.${id}`, dataType: "Double", minimumSamplingInterval: 0 });
        v.setValueFromSource(new Variant({ dataType: DataType.Double, value: 0 }), StatusCodes.Good, new Date(0));
        vars.push(v);
    }
    const out = fs.openSync(path.resolve(TICKS), "w");
    let tick = 0;
    let next = Date.now() + PERIOD;
    // a self-correcting timer: ticks stay on the period grid while the process keeps up, and slip (counted) when it does not
    function step() {
        tick++;
        const now = Date.now();
        const ts = new Date(now);
        for (let i = 0; i < vars.length; i++) {
            // a stationary signal: a level per tag plus bounded noise, so the anomaly core sees a process in control
            // (an alert storm would measure logging, not the data path)
            const value = 50 + (i % 97) / 10 + ((tick * 7919 + i * 104729) % 1000) / 1000;
            vars[i].setValueFromSource(new Variant({ dataType: DataType.Double, value }), StatusCodes.Good, ts);
        }
        fs.writeSync(out, `${tick} ${now} ${vars.length}\n`);
        next += PERIOD;
        const wait = next - Date.now();
        if (wait < 0) next = Date.now();
        timer = setTimeout(step, Math.max(0, wait));
    }
    let timer = null;
    await server.start();
    console.log(`READY ${server.getEndpointUrl()}`);
    timer = setTimeout(step, PERIOD);
    let stopping = false;
    async function stop() {
        if (stopping) return;
        stopping = true;
        clearTimeout(timer);
        fs.closeSync(out);
        await server.shutdown(0);
        process.exit(0);
    }
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
}
main().catch((e) => { console.error(e); process.exit(1); });
