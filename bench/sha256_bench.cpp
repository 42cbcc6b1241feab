// The driver of bench/sha256_throughput.sh: the exporter's own code paths, timed.
//
//   usdcop_sha256_bench hash FILE
//       hashes FILE with Sha256Hasher (64 KiB reads, no budget) and prints
//       "sha256=<hex> bytes=<n> seconds=<s> bytes_per_second=<b>"
//   usdcop_sha256_bench recheck DIR [FILES] [json|sums] [ROUNDS]
//       writes a backup set of FILES small files (default 10000) in 100 subdirectories of
//       DIR/root/20261124_060000 with its manifest (default json), verifies it with a cache in
//       DIR/state.db, then re-checks it unchanged ROUNDS times (default 5) with the same
//       verifier and store, and ROUNDS times as after a restart (store reopened, new verifier).
//       Prints "files=<n> first_ms=<t> first_bytes_hashed=<n> recheck_ms=<median>
//       recheck_min_ms=<t> restart_recheck_ms=<median> recheck_bytes_hashed=<n>"
//
// Exit status 0 on success, 1 when a verification did not come out intact, 2 on bad usage.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "backup/verify.h"
#include "common/clock.h"
#include "common/sha256.h"

namespace usdcop {
namespace {

namespace fs = std::filesystem;
using Seconds = std::chrono::duration<double>;

int Usage() {
  std::fprintf(stderr,
               "usage: usdcop_sha256_bench hash FILE\n"
               "       usdcop_sha256_bench recheck DIR [FILES] [json|sums] [ROUNDS]\n");
  return 2;
}

int Hash(const std::string& path) {
  Sha256Hasher hasher;
  const auto start = std::chrono::steady_clock::now();
  auto d = hasher.HashFile(path, Deadline::After(std::chrono::hours(1)));
  const double s = Seconds(std::chrono::steady_clock::now() - start).count();
  if (!d.ok()) {
    std::fprintf(stderr, "usdcop_sha256_bench: %s\n", d.status().ToString().c_str());
    return 1;
  }
  std::printf("sha256=%s bytes=%llu seconds=%.6f bytes_per_second=%.0f\n", d->sha256.c_str(),
              static_cast<unsigned long long>(d->bytes), s, static_cast<double>(d->bytes) / s);
  return 0;
}

// A set of `files` files of 512 B to 4 KiB, and its manifest.
void WriteSet(const fs::path& set, int files, bool json) {
  std::mt19937 rng(7);
  std::string manifest =
      json ? R"({"created_at": "2026-11-24T06:00:00Z", "layer": "L0", "files": [)" : "";
  Sha256Hasher hasher;
  for (int i = 0; i < files; ++i) {
    const std::string rel =
        "part_" + std::to_string(i % 100) + "/file_" + std::to_string(i) + ".csv";
    std::string bytes(512 + rng() % 3584, '\0');
    for (char& c : bytes) c = static_cast<char>('a' + rng() % 26);
    fs::create_directories((set / rel).parent_path());
    std::ofstream(set / rel, std::ios::binary) << bytes;
    const std::string sha =
        hasher.HashFile((set / rel).string(), Deadline::After(std::chrono::hours(1)))->sha256;
    if (json)
      manifest += std::string(i ? ", " : "") + R"({"path": ")" + rel + R"(", "size": )" +
                  std::to_string(bytes.size()) + R"(, "sha256": ")" + sha + R"("})";
    else
      manifest += sha + "  " + rel + "\n";
  }
  if (json) manifest += "]}";
  std::ofstream(set / (json ? "manifest.json" : "SHA256SUMS")) << manifest;
}

// One timed verification; false (with a message) unless it came out intact.
bool TimedVerify(SetVerifier& verifier, const fs::path& root, const fs::path& set, double& ms,
                 SetVerification& out) {
  VerifyOptions options;
  options.deadline = Deadline::After(std::chrono::minutes(10));
  const auto start = std::chrono::steady_clock::now();
  out = verifier.Verify(root.string(), set.string(), options);
  ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (out.intact() && out.status.ok()) return true;
  std::fprintf(stderr, "usdcop_sha256_bench: the set did not verify: %s, %llu failures\n",
               out.status.ToString().c_str(),
               static_cast<unsigned long long>(out.total_failures()));
  return false;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Recheck(const fs::path& dir, int files, bool json, int rounds) {
  const fs::path root = dir / "root";
  const fs::path set = root / "20261124_060000";
  fs::remove_all(root);
  fs::remove(dir / "state.db");
  WriteSet(set, files, json);
  SystemClock clock;
  double first_ms = 0;
  SetVerification first, r;
  std::vector<double> recheck_ms(rounds), restart_ms(rounds);
  std::uint64_t rehashed = 0;
  auto store = StateStore::Open((dir / "state.db").string());
  if (!store.ok()) {
    std::fprintf(stderr, "usdcop_sha256_bench: %s\n", store.status().ToString().c_str());
    return 1;
  }
  {
    StateStoreVerifyCache cache(**store);
    SetVerifier verifier(&cache, clock, nullptr);
    if (!TimedVerify(verifier, root, set, first_ms, first)) return 1;
    for (double& ms : recheck_ms) {
      if (!TimedVerify(verifier, root, set, ms, r)) return 1;
      rehashed += r.bytes_hashed;
    }
  }
  for (double& ms : restart_ms) {
    store.value().reset();
    store = StateStore::Open((dir / "state.db").string());
    StateStoreVerifyCache cache(**store);
    SetVerifier verifier(&cache, clock, nullptr);
    if (!TimedVerify(verifier, root, set, ms, r)) return 1;
    rehashed += r.bytes_hashed;
  }
  std::printf(
      "files=%llu first_ms=%.2f first_bytes_hashed=%llu recheck_ms=%.2f recheck_min_ms=%.2f "
      "restart_recheck_ms=%.2f recheck_bytes_hashed=%llu\n",
      static_cast<unsigned long long>(first.files_listed), first_ms,
      static_cast<unsigned long long>(first.bytes_hashed), Median(recheck_ms),
      *std::min_element(recheck_ms.begin(), recheck_ms.end()), Median(restart_ms),
      static_cast<unsigned long long>(rehashed));
  return 0;
}

}  // namespace
}  // namespace usdcop

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "hash" && argc == 3) return usdcop::Hash(argv[2]);
  if (mode == "recheck" && argc >= 3 && argc <= 6) {
    const int files = argc > 3 ? std::atoi(argv[3]) : 10000;
    const std::string format = argc > 4 ? argv[4] : "json";
    const int rounds = argc > 5 ? std::atoi(argv[5]) : 5;
    if (files <= 0 || rounds <= 0 || (format != "json" && format != "sums")) return usdcop::Usage();
    return usdcop::Recheck(argv[2], files, format == "json", rounds);
  }
  return usdcop::Usage();
}
