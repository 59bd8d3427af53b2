/*
 * hostile_cxx.cc - C++ exceptions thrown through C: a qsort comparator
 * throws through glibc's qsort (and a bsearch one through bsearch), and
 * main catches; repeated, with the comparator allocating on the way.
 */
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

static int calls;

extern "C" int
cmp_throw(const void *a, const void *b)
{
	int x = *static_cast<const int *>(a), y = *static_cast<const int *>(b);
	std::string s(64, 'c');	// allocates; freed by the unwinding

	if (++calls % 97 == 0)
		throw std::runtime_error("comparator gave up at " + std::to_string(calls));
	return (x > y) - (x < y) + static_cast<int>(s.size()) * 0;
}

int
main()
{
	int caught = 0, sorted = 0;

	for (int round = 0; round < 300; round++) {
		std::vector<int> v(200 + round % 50);

		for (size_t i = 0; i < v.size(); i++)
			v[i] = static_cast<int>((i * 7919 + round) % 1000);
		calls = round % 97 == 0 ? 1 : 0;
		try {
			qsort(v.data(), v.size(), sizeof(int), cmp_throw);
			sorted++;
		} catch (const std::runtime_error &e) {
			caught++;
		}
		try {
			int key = 500;

			calls = 96;
			bsearch(&key, v.data(), v.size(), sizeof(int), cmp_throw);
		} catch (const std::exception &e) {
			caught++;
		}
	}
	std::printf("cxx: %d caught, %d sorted\n", caught, sorted);
	return 0;
}
