// A copy of one backup set directory into a new directory, as test-recovery makes it: what a
// restore of the set by itself would get back.
//
// The copy never follows a symlink, on either side. The set is walked by WalkSet (directory
// descriptors opened O_NOFOLLOW, entries by lstat); its regular files are copied, its directories
// made; a symlink is not copied and is a bad_manifest finding ("a symlink to /x: not copied"), as
// its target is not part of the set; FIFOs, devices and sockets are left out unread, as the
// verification leaves them. The destination is made below a directory descriptor, each entry
// created O_CREAT | O_EXCL | O_NOFOLLOW, and each destination path checked with lexically_relative
// to lie inside the destination, so nothing is ever written outside it. Files are copied 0600,
// directories 0700. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "backup/verify.h"
#include "common/deadline.h"
#include "common/status.h"

namespace usdcop {

struct SetCopy {
  std::uint64_t files_copied = 0;
  std::uint64_t bytes_copied = 0;
  std::uint64_t symlinks = 0;              // not copied; each a bad_manifest finding
  std::vector<IntegrityFailure> findings;  // the first kMaxCopyFindings of them, by path in the set
  Status status;                           // why the copy stopped short: kIo, kTimeout, kCancelled
};

inline constexpr std::size_t kMaxCopyFindings = 20;

// Copies the set directory `set_dir` (itself no symlink) into `dest`, which must not exist (its
// parent must). What could be copied before an error or the deadline stays in `dest`.
SetCopy CopySet(const std::filesystem::path& set_dir, const std::filesystem::path& dest,
                const Deadline& deadline);

// True when `path` lies strictly below `dir`, both made lexically normal: IsWithin (by
// lexically_relative), and not `dir` itself.
bool LexicallyInside(const std::filesystem::path& dir, const std::filesystem::path& path);

}  // namespace usdcop
