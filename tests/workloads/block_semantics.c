/* block_semantics.c - placeholder. */
int main(void) { return 0; }
