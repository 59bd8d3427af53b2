/*
 * leaky.c - the bundled example: a word list whose nodes are never freed,
 * next to a buffer that is.  `tether run -- ./examples/leaky` then
 * `tether report` points at the leak.
 */
/* Built without optimisation whatever CFLAGS say: the tests check exact
 * lines, and an optimiser may drop unused mallocs or turn calls into jumps. */
#pragma GCC optimize("O0")
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct word {
	char *text;
	struct word *next;
};

__attribute__((noinline)) static struct word *
add_word(struct word *list, const char *text)
{
	struct word *w = malloc(sizeof(*w));

	w->text = strdup(text);
	w->next = list;
	return w;
}

int
main(void)
{
	static const char *const words[] = { "tether", "finds", "what", "leaks" };
	struct word *list = NULL;
	char *buf = malloc(4096);
	int n = 0;

	for (int round = 0; round < 25; round++)
		for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++, n++)
			list = add_word(list, words[i]);
	snprintf(buf, 4096, "%d words\n", n);
	fputs(buf, stdout);
	free(buf);
	list = NULL;	/* the list is lost here: 100 nodes and their strings */
	return 0;
}
