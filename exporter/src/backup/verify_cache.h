// The verification cache of backup files: per set directory, the digest each file had when it
// was last hashed and the (size, mtime, inode, ctime) it had then, so that an unchanged file is not
// hashed again until the full re-verification period has passed. A set's rows are loaded in one
// call and the changed ones written back in one call (one SQLite transaction), so that
// re-checking an unchanged set of 10,000 files costs one query.
// Thread-safety: as the implementation; StateStoreVerifyCache is thread-safe (StateStore is).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/state_store.h"

namespace usdcop {

class VerifyCache {
 public:
  virtual ~VerifyCache() = default;
  // The rows kept for the set directory `set_dir`.
  virtual Result<std::vector<FileDigestRow>> Load(std::string_view set_dir) = 0;
  // Upserts `changed` and forgets the `removed` paths of `set_dir`.
  virtual Status Save(std::string_view set_dir, const std::vector<FileDigestRow>& changed,
                      const std::vector<std::string>& removed) = 0;
  // Forgets every set below the backup root `root` that is not in `set_dirs` (sets gone by
  // retention, or no longer verified).
  virtual Status Retain(std::string_view root, const std::vector<std::string>& set_dirs) = 0;
};

// The cache in the exporter's state store (its file_digests table).
class StateStoreVerifyCache final : public VerifyCache {
 public:
  explicit StateStoreVerifyCache(StateStore& store) : store_(store) {}
  Result<std::vector<FileDigestRow>> Load(std::string_view set_dir) override {
    return store_.LoadFileDigests(set_dir);
  }
  Status Save(std::string_view set_dir, const std::vector<FileDigestRow>& changed,
              const std::vector<std::string>& removed) override {
    return store_.SaveFileDigests(set_dir, changed, removed);
  }
  Status Retain(std::string_view root, const std::vector<std::string>& set_dirs) override {
    return store_.RetainFileDigestScopes(root, set_dirs);
  }

 private:
  StateStore& store_;
};

}  // namespace usdcop
