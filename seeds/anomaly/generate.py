#!/usr/bin/env python3
"""Generates the small labelled series in this folder (stdlib only, fixed seed): python3 generate.py"""
import math, random

random.seed(20261122)

def write(name, header, rows):
    with open(name, "w") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(r) + "\n")

# furnace zone temperature: slow cycle + noise, a 12-degree spike at row 700
rows = []
for i in range(1000):
    v = 850 + 5 * math.sin(2 * math.pi * i / 96) + random.gauss(0, 0.8)
    label = 0
    if i == 700:
        v += 12
        label = 1
    rows.append([str(i), f"{v:.3f}", str(label)])
write("furnace_spike.csv", ["index", "value", "label"], rows)

# fermenter pH: stable, then a level shift of -0.25 from row 600 (labelled from 600 on)
rows = []
for i in range(1000):
    v = 6.8 + random.gauss(0, 0.03) + (-0.25 if i >= 600 else 0)
    rows.append([str(i), f"{v:.4f}", "1" if i >= 600 else "0"])
write("fermenter_level_shift.csv", ["index", "value", "label"], rows)

# pump with 4 correlated channels: current, pressure, flow, vibration; rows 600..799 a partly closed valve
rows = []
for i in range(1000):
    load = random.gauss(0, 1)
    current = 2.0 + 0.05 * load + random.gauss(0, 0.01)
    pressure = 1.2 + 0.04 * load + random.gauss(0, 0.01)
    flow = 32.0 + 0.4 * load + random.gauss(0, 0.1)
    vib = 0.03 + random.gauss(0, 0.002)
    fault = 600 <= i < 800
    if fault:
        flow -= 2.0
        pressure += 0.15
    rows.append([str(i), f"{current:.4f}", f"{pressure:.4f}", f"{flow:.3f}", f"{vib:.5f}", "1" if fault else "0"])
write("pump_valve.csv", ["index", "current", "pressure", "flow", "vibration", "label"], rows)
