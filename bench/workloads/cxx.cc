/*
 * cxx - C++ standard containers: every allocation goes through operator new.
 *
 * Usage: cxx [N]                  (default 300000)
 *
 * 1. std::map<std::string, int>: N inserts of keys long enough to live on the
 *    heap (past the small-string buffer), N lookups, erase of every third.
 * 2. std::vector growth: vectors of ints and of strings grown one push_back
 *    at a time (so they reallocate as they double), then shrunk.
 * 3. std::unordered_map<uint64_t, std::string>: N inserts, every other key
 *    erased, N/2 more inserts (rehashing as it grows).
 * The checksum depends only on the contents, never on addresses or on the
 * iteration order of the unordered map.
 */
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

// 64-bit LCG step (Knuth's MMIX constants).
uint64_t lcg(uint64_t x)
{
	return x * 6364136223846793005ULL + 1442695040888963407ULL;
}

// A key of about 24 characters, so std::string must allocate it.
std::string make_key(uint64_t i)
{
	char buf[48];
	std::snprintf(buf, sizeof buf, "key-%08llx-%010llu",
	    (unsigned long long)(lcg(i) >> 32), (unsigned long long)i);
	return std::string(buf);
}

uint64_t ordered_map_phase(long n)
{
	std::map<std::string, int> m;
	uint64_t sum = 0;

	for (long i = 0; i < n; i++)
		m.emplace(make_key((uint64_t)i), (int)i);
	for (long i = 0; i < n; i += 2) {
		auto it = m.find(make_key((uint64_t)i));
		if (it != m.end())
			sum += (uint64_t)it->second;
	}
	for (long i = 0; i < n; i += 3)
		m.erase(make_key((uint64_t)i));
	for (const auto &kv : m)
		sum = sum * 31 + kv.first.size() + (uint64_t)kv.second;
	return sum + m.size();
}

uint64_t vector_phase(long n)
{
	uint64_t sum = 0;

	for (int round = 0; round < 4; round++) {
		std::vector<uint64_t> v;
		std::vector<std::string> s;

		for (long i = 0; i < n; i++) {
			v.push_back((uint64_t)i * (uint64_t)(round + 1));
			if (i % 4 == 0)
				s.push_back(make_key((uint64_t)(i + round)));
		}
		for (long i = 0; i < n; i += 97)
			sum += v[(size_t)i];
		v.resize(v.size() / 3);
		v.shrink_to_fit();
		s.erase(s.begin(), s.begin() + (long)(s.size() / 2));
		for (const auto &str : s)
			sum += (uint8_t)str[4];
		sum += v.size() + s.size();
	}
	return sum;
}

uint64_t unordered_phase(long n)
{
	std::unordered_map<uint64_t, std::string> h;
	uint64_t sum = 0;

	for (long i = 0; i < n; i++)
		h.emplace(lcg((uint64_t)i), make_key((uint64_t)i));
	for (long i = 0; i < n; i += 2)
		h.erase(lcg((uint64_t)i));
	for (long i = n; i < n + n / 2; i++)
		h[lcg((uint64_t)i)] = make_key((uint64_t)i * 3);
	// Order-independent: a sum of per-entry values.
	for (const auto &kv : h)
		sum += (kv.first >> 17) + kv.second.size() + (uint8_t)kv.second[5];
	return sum + h.size();
}

} // namespace

int main(int argc, char **argv)
{
	long n = argc > 1 ? std::atol(argv[1]) : 300000L;
	uint64_t a = ordered_map_phase(n);
	uint64_t b = vector_phase(n);
	uint64_t c = unordered_phase(n);

	std::printf("cxx n=%ld checksum=%016llx.%016llx.%016llx\n", n,
	    (unsigned long long)a, (unsigned long long)b,
	    (unsigned long long)c);
	return 0;
}
