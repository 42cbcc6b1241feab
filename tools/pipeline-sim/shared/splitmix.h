// SplitMix64 (Steele, Lea and Flood, 2014): a 64-bit mixer whose outputs look random. The
// simulator's deterministic "random" values (prices, backup file contents) are pure functions
// of it. Pure; thread-safe.
#pragma once

#include <cstdint>

namespace usdcop::sim {

inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace usdcop::sim
