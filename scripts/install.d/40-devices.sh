#!/usr/bin/env bash
# Devices area: the kernel uAPI headers (gpio.h, i2c-dev.h, spidev.h) and a C compiler, used by
# LinuxAbiTests to check our ioctl struct layouts and request numbers against the real headers.
set -euo pipefail
apt_install linux-libc-dev gcc
