#!/usr/bin/env bash
# Real protocol peers for tests and the demo: Mosquitto (MQTT), pymodbus + socat (Modbus TCP/RTU),
# node-opcua (OPC UA), numpy (benchmark comparisons), the npm clients used side by side in benchmarks.
set -euo pipefail
apt_install mosquitto mosquitto-clients openssl socat python3-pymodbus python3-serial-asyncio python3-numpy
npm_install opcua node-opcua@2.182.2
npm_install node-clients mqtt@5.16.0 modbus-serial@8.0.25
