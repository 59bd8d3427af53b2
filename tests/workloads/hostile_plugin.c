/*
 * hostile_plugin.c - a library that allocates in its constructor and frees
 * in its destructor; hostile_dl loads and unloads it thousands of times.
 */
#include <stdlib.h>
#include <string.h>

static char *state;

__attribute__((constructor)) static void
plugin_init(void)
{
	state = malloc(4096);
	memset(state, 'x', 4095);
	state[4095] = '\0';
}

__attribute__((destructor)) static void
plugin_fini(void)
{
	free(state);
	state = NULL;
}

int hostile_plugin_work(int n);

int
hostile_plugin_work(int n)
{
	char *p = strdup(state + 4096 - 1 - (n % 100));
	int len = (int)strlen(p);

	free(p);
	return len;
}
