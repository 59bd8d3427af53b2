/* interpose_block.c - placeholder until the blocking wrappers land. */
