// Verification of one backup set directory against its manifest (manifest.json, else
// SHA256SUMS). Each listed file is looked up without leaving the backup root, its size compared
// with the manifest's, and its SHA-256 compared with the listed digest; regular files of the set
// (recursively) that the manifest does not list are counted as unlisted (the manifest files
// themselves excepted). Failures are counted by IntegrityReason:
//   missing          a listed file is absent, not a regular file, or cannot be read (the
//                    latter also makes `status` Reason::kIo, naming the file);
//   size_mismatch    its size differs from the manifest's, or it changed size while being read;
//   digest_mismatch  its SHA-256 differs from the manifest's;
//   unlisted         a regular file of the set that the manifest does not list;
//   bad_manifest     no manifest, a manifest that does not parse or lists no file (counts 1, and
//                    nothing else is checked), or a listed path that resolves outside the backup
//                    root through a symlink (counts 1 per path; that file is never opened).
// A file is hashed only when the cache has no digest for its (size, mtime, inode, ctime), or the
// one it has is older than the full re-verification period. Between runs a verifier keeps, for the
// sets it verified last, the parsed manifest (parsed again when the manifest file's inode, size,
// mtime or ctime change) and the set's cache rows (read from the cache once, then written through),
// so that re-checking an unchanged set costs a walk of its directory and no parse, query or hash.
// The deadline and the byte budget bound the run: a run they cut short is incomplete, keeps what it
// found, and saves the digests it made, so that the next run carries on where it stopped.
//
// Symlinks inside the set are followed as long as they resolve below the backup root. The checks
// are not race-free against someone rewriting the backup root while a run reads it: they keep a
// manifest or a symlink from leading the exporter outside it.
//
// Thread-safety: a SetVerifier is not thread-safe (one run at a time); results are values.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backup/manifest.h"
#include "backup/verify_cache.h"
#include "common/clock.h"
#include "common/deadline.h"
#include "common/log.h"
#include "common/sha256.h"
#include "common/status.h"

namespace usdcop {

enum class IntegrityReason { kMissing, kSizeMismatch, kDigestMismatch, kUnlisted, kBadManifest };

inline constexpr std::array kAllIntegrityReasons = {
    IntegrityReason::kMissing, IntegrityReason::kSizeMismatch, IntegrityReason::kDigestMismatch,
    IntegrityReason::kUnlisted, IntegrityReason::kBadManifest};

// The metric label value: "missing", "size_mismatch", "digest_mismatch", "unlisted",
// "bad_manifest".
std::string_view IntegrityReasonName(IntegrityReason reason);

struct IntegrityFailure {
  IntegrityReason reason;
  std::string path;    // relative to the set; the set directory for a manifest it could not use
  std::string detail;  // what was expected and found, at most a few hundred characters
};

struct SetVerification {
  std::optional<ManifestFormat> format;  // of the manifest used, when one was read
  std::optional<SysTime> created_at;     // the manifest's
  std::uint64_t files_listed = 0;
  std::uint64_t total_bytes = 0;   // on-disk size of the listed files found
  std::uint64_t bytes_hashed = 0;  // read and hashed by this run
  std::uint64_t files_hashed = 0;
  std::uint64_t cache_hits = 0;  // files whose cached digest was used
  std::array<std::uint64_t, kAllIntegrityReasons.size()> failures{};  // by IntegrityReason
  std::vector<IntegrityFailure> details;  // the first VerifyOptions::max_details failures
  bool complete = true;  // false: the deadline, the budget or an I/O error cut the run short
  Status status;  // why it was cut short, and I/O errors on the way (unreadable files, cache)

  std::uint64_t failed(IntegrityReason r) const { return failures[static_cast<std::size_t>(r)]; }
  std::uint64_t total_failures() const;
  // Every listed file checked and matching, nothing unlisted.
  bool intact() const { return complete && total_failures() == 0; }
};

struct VerifyOptions {
  Deadline deadline;
  // A cached digest older than this is not trusted: the file is hashed again. 0: always hash.
  Duration full_reverify_period = std::chrono::hours(24 * 7);
  ByteRateLimiter* limiter = nullptr;  // null: no byte budget
  std::size_t max_details = 20;        // failures kept in `details` and logged
};

class SetVerifier {
 public:
  // `cache` (null: no cache, every file hashed every run) and `log` (null: silent) must outlive
  // the verifier. The clock dates cache rows and decides when they expire.
  SetVerifier(VerifyCache* cache, const Clock& clock, Logger* log);
  ~SetVerifier();
  SetVerifier(const SetVerifier&) = delete;
  SetVerifier& operator=(const SetVerifier&) = delete;

  // Verifies the set directory `set_dir`, which must lie below the directory `backup_root`.
  SetVerification Verify(const std::string& backup_root, const std::string& set_dir,
                         const VerifyOptions& options);

 private:
  struct State;  // the hasher and what runs leave for the next ones

  VerifyCache* const cache_;
  const Clock& clock_;
  Logger* const log_;
  std::unique_ptr<State> state_;
};

}  // namespace usdcop
