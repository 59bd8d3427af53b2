/*
 * cxx_new.cc - C++ new and delete reach tether's malloc through libstdc++:
 * known leaks at known lines, and containers that free everything.
 */
/* Built without optimisation whatever CFLAGS say: the tests check exact
 * lines, and an optimiser may drop unused mallocs or turn calls into jumps. */
#pragma GCC optimize("O0")
#include <cstdio>
#include <map>
#include <string>
#include <vector>

struct Node {
	long payload[5];	// 40 bytes
	Node *next;		// 48 bytes in all
};

static Node *list;

__attribute__((noinline)) static void
leak_nodes()
{
	for (int i = 0; i < 4; i++) {
		Node *n = new Node(); // @new_node: 4 x 48 bytes, leaked
		n->next = list;
		list = n;
	}
}

__attribute__((noinline)) static void
containers()
{
	std::vector<int> v;
	std::map<std::string, int> m;

	for (int i = 0; i < 1000; i++) {
		v.push_back(i);
		m[std::to_string(i) + "-a-longer-key-than-sso"] = i;
	}
	std::printf("containers %zu %zu\n", v.size(), m.size());
}

int
main()
{
	std::setvbuf(stdout, nullptr, _IONBF, 0);	// no stdio buffer to report
	leak_nodes();
	containers();
	int *arr = new int[25]; // @new_array: 100 bytes, leaked
	arr[0] = 1;
	delete new std::string(100, 'x');
	list = nullptr;
	return 0;
}
