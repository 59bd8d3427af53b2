/*
 * tiny.h - the library of the recipe projects (tests/recipes/): one
 * function that returns memory its caller must free.
 */
#ifndef TINY_H
#define TINY_H

/* A new string "hello, NAME"; the caller frees it.  Return: NULL when out of memory. */
char *tiny_greet(const char *name);

#endif
