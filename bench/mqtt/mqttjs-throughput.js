// usage: node mqttjs-throughput.js PORT COUNT QOS INFLIGHT PAYLOAD_BYTES [VERSION=5]
// Same work as MqttThroughput: COUNT publishes with at most INFLIGHT outstanding (callback not yet called), then a
// QoS 1 barrier. Prints "mqttjs qos=Q msgs=N seconds=S cpu_us_per_msg=C [broker_us_per_msg=B broker_busy=P%] rate=R"
// (broker figures over the timed window, from /proc, when BENCH_BROKER_PID is set).
const fs = require('fs');
const mqtt = require('mqtt');
const brokerPid = process.env.BENCH_BROKER_PID;
// utime + stime of the broker (fields 14 and 15 of /proc/PID/stat), in seconds (USER_HZ = 100)
function brokerCpuSeconds() {
  if (!brokerPid) return 0;
  const stat = fs.readFileSync(`/proc/${brokerPid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
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
  const b0 = brokerCpuSeconds();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await run(count);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  const b = brokerCpuSeconds() - b0;
  const brokerText = brokerPid ? ` broker_us_per_msg=${(b * 1e6 / count).toFixed(2)} broker_busy=${Math.round(100 * b / s)}%` : '';
  console.log(`mqttjs qos=${qos} msgs=${count} seconds=${s.toFixed(3)} cpu_us_per_msg=${((c.user + c.system) / count).toFixed(2)}${brokerText} rate=${Math.round(count / s)}`);
  client.end(false, () => process.exit(0));
});
