#!/bin/sh
# scripts/quickstart.sh - the README's first command: install what tether
# needs, build it, and run it on the bundled leaky example.
set -eu
cd "$(dirname "$0")/.."
. scripts/deps.sh
apt_install $BUILD_DEPS
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure --quiet
make -j"$(nproc)"
rm -rf example-out
echo '$ ./tether run -o example-out -- ./examples/leaky'
./tether run -o example-out -- ./examples/leaky
echo '$ ./tether report example-out'
./tether report example-out
