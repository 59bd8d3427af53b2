#!/bin/bash
# block_semantics.sh - placeholder.
set -u
. "$top_srcdir/tests/lib/tap.sh"
ok "placeholder"
done_testing
