/*
 * cxx.cc - precision corpus: C++ containers and new[] of objects with
 * destructors, leaked and kept (kept ones through a global pointer to a
 * heap object: a global container would be destroyed before either tool
 * looks).
 *
 * Leaked (the object dropped):
 *   new std::vector<long>(10): the vector (24 bytes) definitely lost, its
 *     80-byte array indirectly lost;
 *   new std::map<int, long> with 3 entries: the map (48 bytes) definitely
 *     lost, its 3 nodes of 48 bytes indirectly lost;
 *   new std::string of 40 characters: the string (32 bytes) definitely
 *     lost, its 41-byte buffer indirectly lost;
 *   new Obj[4], Obj with a destructor: one block of 8 (the count) +
 *     4 x 16 = 72 bytes, definitely lost.
 * Kept (reachable):
 *   new std::vector<long>(5): 24 + 40 bytes;
 *   new std::map<int, long> with 2 entries: 48 + 2 x 48 bytes;
 *   new std::string of 30 characters: 32 + 31 bytes;
 *   new Obj[3]: 8 + 3 x 16 = 56 bytes, the global points 8 bytes in, past
 *     the count: memcheck's "newarray" heuristic makes it reachable.
 * Expected verdicts (memcheck and tether alike):
 *   definitely lost 176 bytes in 4 blocks; indirectly lost 265 bytes in 5
 *   blocks; possibly 0; still reachable 327 bytes in 8 blocks (64 + 144 +
 *   63 + 56), of which 56 through the newarray heuristic.
 * An exception thrown and caught leaves nothing, and libstdc++'s emergency
 * exception pool is freed at exit (__gnu_cxx::__freeres) by both tools.
 */
/* Built without optimisation whatever CFLAGS say: an optimiser may drop
 * unused allocations, and the tests count every block. */
#pragma GCC optimize("O0")
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

struct Obj {
	long a = 1, b = 2;
	~Obj() { a = b = 0; }
};

std::vector<long> *kept_vector;
std::map<int, long> *kept_map;
std::string *kept_string;
Obj *kept_objs;

__attribute__((noinline)) static void
scrub_stack()
{
	volatile char pad[16384];

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = 0;
}

__attribute__((noinline)) static long
lose()
{
	auto *v = new std::vector<long>(10, 7);
	auto *m = new std::map<int, long>;
	auto *s = new std::string(40, 'x');
	Obj *o = new Obj[4];
	long sum;

	for (int i = 0; i < 3; i++)
		(*m)[i] = i;
	sum = (long)v->size() + (long)m->size() + (long)s->size() + o[3].b;
	v = nullptr;
	m = nullptr;
	s = nullptr;
	o = nullptr;
	return sum;
}

__attribute__((noinline)) static void
keep()
{
	kept_vector = new std::vector<long>(5, 3);
	kept_map = new std::map<int, long>;
	for (int i = 0; i < 2; i++)
		(*kept_map)[i] = i;
	kept_string = new std::string(30, 'y');
	kept_objs = new Obj[3];
}

__attribute__((noinline)) static long
thrown()
{
	try {
		throw std::runtime_error(std::string(50, 'e'));
	} catch (const std::exception &e) {
		return (long)std::string(e.what()).size();
	}
}

int
main()
{
	long sum = lose() + thrown();

	keep();
	scrub_stack();
	std::printf("cxx: %ld, kept %zu %zu %zu %ld\n", sum, kept_vector->size(),
		    kept_map->size(), kept_string->size(), kept_objs[2].a);
	return 0;
}
