// The npm `modbus-serial` client doing the same poll as `sfe modbus read --duration`: one read of COUNT
// registers (FC 3) at a time for SECONDS, against a Modbus TCP server. Prints the same summary line.
// usage: NODE_PATH=$SFE_TOOLS/node-clients/node_modules node modbus_serial_poll.js HOST PORT ADDRESS COUNT SECONDS
const ModbusRTU = require("modbus-serial");

async function main() {
  const [host, port, address, count, seconds] = process.argv.slice(2);
  const client = new ModbusRTU();
  await client.connectTCP(host, { port: Number(port) });
  client.setID(1);
  client.setTimeout(2000);
  await client.readHoldingRegisters(Number(address), Number(count)); // warm up
  let reads = 0;
  const started = process.hrtime.bigint();
  const end = started + BigInt(Math.round(Number(seconds) * 1e9));
  while (process.hrtime.bigint() < end) {
    const r = await client.readHoldingRegisters(Number(address), Number(count));
    if (r.data.length !== Number(count)) throw new Error(`short read: ${r.data.length}`);
    reads++;
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const values = reads * Number(count);
  console.log(`reads ${reads} values ${values} seconds ${elapsed.toFixed(3)} reads/s ${Math.round(reads / elapsed)} values/s ${Math.round(values / elapsed)}`);
  client.close(() => {});
}

main().catch((e) => { console.error(e); process.exit(1); });
