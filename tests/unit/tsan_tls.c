/*
 * tsan_tls.c - the one definition the tables need from the rest of the
 * library, for the TSan build of test_tables (which links only the table
 * sources, so that TSan sees nothing but the lock-free code).
 */
#include "lib/tls.h"

TT_TLS struct tt_tls tt_tls;

/* The spinlock's bookkeeping (internal.h); nothing stops threads here. */
TT_TLS int tt_lock_depth;
TT_TLS int tt_stop_pending;
void tt_stop_park_pending(void) { tt_stop_pending = 0; }
