// usage: node mqttjs-throughput.js PORT COUNT QOS INFLIGHT PAYLOAD_BYTES [VERSION=5]
// Same work as MqttThroughput: COUNT publishes with at most INFLIGHT outstanding (callback not yet called), then a
// QoS 1 barrier. Prints "mqttjs qos=Q msgs=N seconds=S rate=R".
const mqtt = require('mqtt');
const [port, count, qos, inflight, size] = process.argv.slice(2, 7).map(Number);
const version = process.argv[7] === '311' ? 4 : 5;
const client = mqtt.connect({ host: '127.0.0.1', port, protocolVersion: version, clientId: 'bench-mqttjs-' + process.pid, reconnectPeriod: 0, clean: true });
const payload = Buffer.alloc(size);
for (let i = 0; i < size; i++) payload[i] = Math.floor(Math.random() * 256);

function run(n) {
  return new Promise((resolve, reject) => {
    let sent = 0, done = 0, outstanding = 0;
    const pump = () => {
      while (outstanding < inflight && sent < n) {
        sent++; outstanding++;
        client.publish('bench/mqttjs', payload, { qos }, (err) => {
          if (err) return reject(err);
          outstanding--; done++;
          if (done === n) {
            client.publish('bench/mqttjs', payload, { qos: 1 }, (e) => e ? reject(e) : resolve());
          } else {
            pump();
          }
        });
      }
    };
    pump();
  });
}

client.on('error', (e) => { console.error(e.message); process.exit(1); });
client.on('connect', async () => {
  await run(Math.min(20000, count));
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await run(count);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  console.log(`mqttjs qos=${qos} msgs=${count} seconds=${s.toFixed(3)} cpu_us_per_msg=${((c.user + c.system) / count).toFixed(2)} rate=${Math.round(count / s)}`);
  client.end(false, () => process.exit(0));
});
