#!/usr/bin/env node
// Test OPC UA server (node-opcua) for SmartFactoryEdge.OpcUa integration tests and the bench.
// Based on shared/peers/opcua_sim_server.js (the simulated press), plus:
//   Objects/Types/*         one variable of every value type the client must read (scalars, arrays, a matrix)
//   Objects/Types/LargeArray Double[--large N] (default 300000 = 2.4 MB: needs many chunks)
//   Objects/Line1/Press01/Temperature is an AnalogItem with EngineeringUnits degree Celsius (UNECE CEL)
//   Objects/Load/Var0000.. --load N variables, value = index + tick/1000 changing every --load-ms
//   --security all         adds Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss and the Sign mode
//   --trust-user-cert F    X.509 user logins: DER file(s) F (comma-separated) trusted as user certificates; any
//                          other user certificate is refused (BadIdentityTokenRejected). User PKI: <pki>/user-<pid>
//   --cert F --key F       the server's own certificate (PEM) and private key (PEM) instead of the generated one
//
//   NODE_PATH=$SFE_TOOLS/opcua/node_modules node opcua_test_server.js --port 0 --pki DIR
// Prints "READY opc.tcp://127.0.0.1:<port>/UA/Sim" once listening; binds 127.0.0.1 only.
const path = require("path");
const fs = require("fs");
const {
    OPCUAServer, OPCUACertificateManager, Variant, DataType, VariantArrayType, StatusCodes,
    SecurityPolicy, MessageSecurityMode, RegisterServerMethod, nodesets, standardUnits, coerceNodeId,
} = require("node-opcua");

function arg(name, def) {
    const i = process.argv.indexOf(name);
    return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}
const PORT = parseInt(arg("--port", "0"), 10);
const PKI = path.resolve(arg("--pki", "/tmp/sfe-opcua-pki"));
const LOAD_COUNT = parseInt(arg("--load", "1000"), 10);
const LOAD_MS = parseInt(arg("--load-ms", "1000"), 10);
const LARGE = parseInt(arg("--large", "300000"), 10);
const HOST = "127.0.0.1";
// --security all: also Aes128_Sha256_RsaOaep and Aes256_Sha256_RsaPss, and Sign besides SignAndEncrypt
const ALL_SECURITY = arg("--security", "default") === "all";
const TRUST_USER_CERTS = arg("--trust-user-cert", "").split(",").filter((f) => f.length > 0);
const CERT_FILE = arg("--cert", "");
const KEY_FILE = arg("--key", "");
const USERS = { operator: "operator-pw", viewer: "viewer-pw" };

async function main() {
    const serverCertificateManager = new OPCUACertificateManager({
        rootFolder: path.join(PKI, "server"), automaticallyAcceptUnknownCertificate: true,
    });
    // a user PKI per process: trust lists of servers started side by side must not mix
    const userCertificateManager = new OPCUACertificateManager({
        rootFolder: path.join(PKI, `user-${process.pid}`), automaticallyAcceptUnknownCertificate: false,
    });
    await userCertificateManager.initialize();
    for (const file of TRUST_USER_CERTS) await userCertificateManager.trustCertificate(fs.readFileSync(file));
    const ownCertificate = CERT_FILE ? { certificateFile: CERT_FILE, privateKeyFile: KEY_FILE } : {};
    const server = new OPCUAServer({
        ...ownCertificate,
        host: HOST, hostname: HOST, alternateHostname: ["localhost", "127.0.0.1"], port: PORT,
        resourcePath: "/UA/Sim", nodesets: [nodesets.standard],
        buildInfo: { productName: "SfeTestServer", manufacturerName: "SmartFactoryEdge tests", softwareVersion: "1.0.0" },
        serverInfo: { applicationUri: "urn:sfe:TestServer", productUri: "urn:sfe:TestServer" },
        securityPolicies: ALL_SECURITY
            ? [SecurityPolicy.None, SecurityPolicy.Basic256Sha256, SecurityPolicy.Aes128_Sha256_RsaOaep, SecurityPolicy.Aes256_Sha256_RsaPss]
            : [SecurityPolicy.None, SecurityPolicy.Basic256Sha256],
        securityModes: ALL_SECURITY
            ? [MessageSecurityMode.None, MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt]
            : [MessageSecurityMode.None, MessageSecurityMode.SignAndEncrypt],
        allowAnonymous: true,
        userManager: { isValidUser: (user, pw) => USERS[user] !== undefined && USERS[user] === pw },
        serverCertificateManager, userCertificateManager, registerServerMethod: RegisterServerMethod.HIDDEN, isAuditing: false,
        maxConnectionsPerEndpoint: 50,
        serverCapabilities: { maxSessions: 50, maxBrowseContinuationPoints: 10,
            operationLimits: { maxMonitoredItemsPerCall: 20000, maxNodesPerRead: 20000 } },
    });
    await server.initialize();

    const addressSpace = server.engine.addressSpace;
    const ns = addressSpace.getOwnNamespace();
    const objects = addressSpace.rootFolder.objects;
    const line1 = ns.addFolder(objects, { browseName: "Line1", nodeId: "s=Line1" });
    const press = ns.addFolder(line1, { browseName: "Press01", nodeId: "s=Line1.Press01" });

    function addVar(parent, prefix, name, dataType, value, writable = false, extra = {}) {
        const v = ns.addVariable(Object.assign({
            organizedBy: parent, browseName: name, nodeId: `s=${prefix}.${name}`, dataType,
            minimumSamplingInterval: 50,
            accessLevel: writable ? "CurrentRead | CurrentWrite" : "CurrentRead",
            userAccessLevel: writable ? "CurrentRead | CurrentWrite" : "CurrentRead",
        }, extra));
        if (value !== undefined) v.setValueFromSource(value instanceof Variant ? value : new Variant({ dataType: DataType[dataType], value }));
        return v;
    }
    const temperature = ns.addAnalogDataItem({
        organizedBy: press, browseName: "Temperature", nodeId: "s=Line1.Press01.Temperature", dataType: "Double",
        minimumSamplingInterval: 50, engineeringUnitsRange: { low: 0, high: 200 }, engineeringUnits: standardUnits.degree_celsius,
    });
    temperature.setValueFromSource(new Variant({ dataType: DataType.Double, value: 60 }));
    const pressure = addVar(press, "Line1.Press01", "Pressure", "Double", 5.0);
    addVar(press, "Line1.Press01", "SpindleSpeed", "Int32", 1200, true);
    const state = addVar(press, "Line1.Press01", "State", "String", "Idle");
    const alarm = addVar(press, "Line1.Press01", "Alarm", "Boolean", false);
    const partCount = addVar(press, "Line1.Press01", "PartCount", "UInt32", 0);

    // one variable of every value type
    const types = ns.addFolder(objects, { browseName: "Types", nodeId: "s=Types" });
    const T = (name, dataType, value, extra) => addVar(types, "Types", name, dataType, value, true, extra);
    T("Boolean", "Boolean", true);
    T("SByte", "SByte", -12);
    T("Byte", "Byte", 200);
    T("Int16", "Int16", -3000);
    T("UInt16", "UInt16", 60000);
    T("Int32", "Int32", -123456);
    T("UInt32", "UInt32", 4000000000);
    T("Int64", "Int64", new Variant({ dataType: DataType.Int64, arrayType: VariantArrayType.Scalar, value: [0xFFFFFFFF, 0xFFFFFF85] })); // -123 as [high, low]
    T("UInt64", "UInt64", new Variant({ dataType: DataType.UInt64, arrayType: VariantArrayType.Scalar, value: [1, 2] })); // 4294967298
    T("Float", "Float", 1.5);
    T("Double", "Double", 3.25);
    T("String", "String", "Grüße 水");
    T("DateTime", "DateTime", new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)));
    T("Guid", "Guid", "72962B91-FA75-4AE6-8D28-B404DC7DAF63");
    T("ByteString", "ByteString", Buffer.from([1, 2, 3, 254]));
    T("LocalizedText", "LocalizedText", { locale: "de", text: "Druck" });
    T("QualifiedName", "QualifiedName", { namespaceIndex: 1, name: "Press" });
    T("NodeId", "NodeId", coerceNodeId("ns=1;s=Line1.Press01"));
    T("StatusCode", "StatusCode", StatusCodes.BadTimeout);
    T("DoubleArray", "Double", new Variant({ dataType: DataType.Double, arrayType: VariantArrayType.Array, value: new Float64Array([1.5, 2.5, 3.5]) }), { valueRank: 1, arrayDimensions: [3] });
    T("StringArray", "String", new Variant({ dataType: DataType.String, arrayType: VariantArrayType.Array, value: ["a", "b"] }), { valueRank: 1, arrayDimensions: [2] });
    T("Int32Matrix", "Int32", new Variant({ dataType: DataType.Int32, arrayType: VariantArrayType.Matrix, dimensions: [2, 3], value: new Int32Array([1, 2, 3, 4, 5, 6]) }), { valueRank: 2, arrayDimensions: [2, 3] });
    const large = new Float64Array(LARGE);
    for (let i = 0; i < LARGE; i++) large[i] = i * 0.5;
    T("LargeArray", "Double", new Variant({ dataType: DataType.Double, arrayType: VariantArrayType.Array, value: large }), { valueRank: 1, arrayDimensions: [LARGE] });

    const load = ns.addFolder(objects, { browseName: "Load", nodeId: "s=Load" });
    const loadVars = [];
    for (let i = 0; i < LOAD_COUNT; i++) {
        const name = `Var${String(i).padStart(4, "0")}`;
        const v = ns.addVariable({ organizedBy: load, browseName: name, nodeId: `s=Load.${name}`, dataType: "Double", minimumSamplingInterval: 0 });
        v.setValueFromSource(new Variant({ dataType: DataType.Double, value: i }));
        loadVars.push(v);
    }

    const t0 = Date.now();
    const STATES = ["Idle", "Running", "Alarm"];
    let parts = 0, lastState = "";
    const fast = setInterval(() => {
        const t = (Date.now() - t0) / 1000;
        const dbl = (x) => new Variant({ dataType: DataType.Double, value: x });
        temperature.setValueFromSource(dbl(60 + 20 * Math.sin(2 * Math.PI * t / 20) + (Math.random() - 0.5)));
        pressure.setValueFromSource(dbl(5 + Math.sin(t / 3) + (Math.random() - 0.5) * 0.1));
        const s = STATES[Math.floor(t / 10) % 3];
        if (s !== lastState) {
            lastState = s;
            state.setValueFromSource(new Variant({ dataType: DataType.String, value: s }));
            alarm.setValueFromSource(new Variant({ dataType: DataType.Boolean, value: s === "Alarm" }));
        }
    }, 100);
    const slow = setInterval(() => {
        if (lastState === "Running") { parts = (parts + 1) >>> 0; partCount.setValueFromSource(new Variant({ dataType: DataType.UInt32, value: parts })); }
    }, 1000);
    let loadTick = 0;
    const REPORT = process.argv.includes("--report"); // print the changes/s the server really produced every 5 s
    let reportTicks = 0, reportT0 = Date.now();
    if (REPORT) setInterval(() => {
        const now = Date.now();
        console.log(`RATE ${Math.round(reportTicks * loadVars.length * 1000 / (now - reportT0))} changes/s`);
        reportTicks = 0; reportT0 = now;
    }, 5000);
    const loadTimer = LOAD_MS > 0 ? setInterval(() => {
        loadTick++;
        reportTicks++;
        for (let i = 0; i < loadVars.length; i++) loadVars[i].setValueFromSource(new Variant({ dataType: DataType.Double, value: i + loadTick / 1000 }));
    }, LOAD_MS) : null;

    await server.start();
    console.log(`READY ${server.getEndpointUrl()}`);
    let stopping = false;
    async function stop() {
        if (stopping) return;
        stopping = true;
        clearInterval(fast); clearInterval(slow); if (loadTimer) clearInterval(loadTimer);
        await server.shutdown(0);
        fs.rmSync(path.join(PKI, `user-${process.pid}`), { recursive: true, force: true });
        console.log("STOPPED");
        process.exit(0);
    }
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
}
main().catch((err) => { console.error(err); process.exit(1); });
