#!/usr/bin/env node
// node-opcua's own client doing what bench/opcua/Program.cs does: N items at an interval, values/s, CPU per value, RSS.
// NODE_PATH=$SFE_TOOLS/opcua/node_modules node node_client.js URL [items] [intervalMs] [seconds] [warmup] [samplingMs]
const { OPCUAClient, AttributeIds, TimestampsToReturn, MessageSecurityMode, SecurityPolicy, ClientMonitoredItemGroup, StatusCodes } = require("node-opcua");
const url = process.argv[2] || "opc.tcp://127.0.0.1:48400/UA/Sim";
const items = parseInt(process.argv[3] || "10000", 10);
const intervalMs = parseInt(process.argv[4] || "100", 10);
const seconds = parseInt(process.argv[5] || "20", 10);
const warmup = parseInt(process.argv[6] || "5", 10);
const sampling = parseInt(process.argv[7] || String(intervalMs), 10);
(async () => {
    const client = OPCUAClient.create({ endpointMustExist: false, securityMode: MessageSecurityMode.None, securityPolicy: SecurityPolicy.None, keepSessionAlive: true });
    await client.connect(url);
    const session = await client.createSession();
    const subscription = await session.createSubscription2({ requestedPublishingInterval: intervalMs, requestedMaxKeepAliveCount: 10, requestedLifetimeCount: 60, maxNotificationsPerPublish: 0, publishingEnabled: true });
    let values = 0, bad = 0;
    const nodes = [];
    for (let i = 0; i < items; i++) nodes.push({ nodeId: `ns=1;s=Load.Var${String(i).padStart(4, "0")}`, attributeId: AttributeIds.Value });
    const group = ClientMonitoredItemGroup.create(subscription, nodes, { samplingInterval: sampling, queueSize: 1, discardOldest: true }, TimestampsToReturn.Both);
    group.on("changed", (item, dataValue) => { if (dataValue.statusCode === StatusCodes.Good) values++; else bad++; });
    await new Promise((r) => group.on("initialized", r));
    await new Promise((r) => setTimeout(r, warmup * 1000));
    const cpu0 = process.cpuUsage(); const v0 = values; const t0 = process.hrtime.bigint(); let peak = 0;
    const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 500);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    clearInterval(timer);
    const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(cpu0); const cpu = (c.user + c.system) / 1e6; const got = values - v0;
    console.log(`RESULT client=node-opcua items=${items} values_per_s=${(got / elapsed).toFixed(0)} cpu_core=${(cpu / elapsed).toFixed(3)} cpu_us_per_value=${(cpu * 1e6 / Math.max(1, got)).toFixed(2)} rss_mb=${(peak / 1048576).toFixed(1)} bad=${bad}`);
    await subscription.terminate(); await session.close(); await client.disconnect();
    process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
