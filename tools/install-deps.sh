#!/usr/bin/env bash
# Installs the system libraries GANKit links: libpng, libjpeg-turbo, OpenBLAS (Debian/Ubuntu); and Open MPI, which
# GANKit loads at run time only for `train ... --distributed` (and its tests): it builds and runs without it.
set -euo pipefail
packages="libpng-dev libjpeg-dev libopenblas-dev openmpi-bin libopenmpi-dev"
if dpkg -s $packages >/dev/null 2>&1; then exit 0; fi
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $packages
