#include "backup/verify.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <numeric>
#include <system_error>
#include <unordered_map>
#include <unordered_set>

#include "backup/set_files.h"
#include "common/fd.h"

namespace usdcop {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxDetailChars = 400;
// What a verifier keeps between runs: the last sets' manifests and cache rows, up to this many
// sets and this many entries and rows in all (~200 bytes each).
constexpr std::size_t kMaxMemoSets = 16;
constexpr std::size_t kMaxMemoEntries = 50'000;

std::string Clip(std::string s) {
  if (s.size() > kMaxDetailChars) s = s.substr(0, kMaxDetailChars - 3) + "...";
  return s;
}

// Why the run must stop, naming what it was doing (`what()`, built only then), or OK.
template <typename What>
Status Stopped(const Deadline& deadline, What what) {
  if (deadline.Cancelled()) return Status(Reason::kCancelled, what() + ": cancelled at shutdown");
  if (deadline.Expired()) return Status(Reason::kTimeout, what() + ": deadline passed");
  return Status::Ok();
}

}  // namespace

// What the runs of one set leave for the next. Named, not in the anonymous namespace: State
// (declared in the header) holds it, which GCC refuses in a unity build (-Wsubobject-linkage).
namespace verify_internal {
struct SetMemo {
  std::string manifest_sha256;  // of the manifest file's bytes: parsed again when they change
  std::shared_ptr<const Manifest> manifest;
  bool rows_loaded = false;
  std::unordered_map<std::string, FileDigestRow> rows;  // the cache's rows of the set, by path
  std::uint64_t last_used = 0;
};
}  // namespace verify_internal
using verify_internal::SetMemo;

struct SetVerifier::State {
  Sha256Hasher hasher;
  std::unordered_map<std::string, SetMemo> memos;  // by canonical set directory
  std::uint64_t runs = 0;

  // The memo of `set`, after forgetting the least recently used others beyond the limits.
  SetMemo& MemoFor(const std::string& set) {
    SetMemo& memo = memos[set];
    memo.last_used = ++runs;
    for (;;) {
      std::size_t entries = 0;
      auto lru = memos.end();
      for (auto it = memos.begin(); it != memos.end(); ++it) {
        entries += it->second.rows.size() +
                   (it->second.manifest ? it->second.manifest->entries.size() : 0);
        if (&it->second != &memo &&
            (lru == memos.end() || it->second.last_used < lru->second.last_used))
          lru = it;
      }
      if (lru == memos.end() || (memos.size() <= kMaxMemoSets && entries <= kMaxMemoEntries))
        return memo;
      memos.erase(lru);
    }
  }
};

namespace {

// One run of SetVerifier::Verify.
class SetRun {
 public:
  SetRun(const VerifyOptions& options, VerifyCache* cache, SysTime now, Logger* log,
         Sha256Hasher& hasher)
      : options_(options), cache_(cache), now_(now), log_(log), hasher_(hasher) {}

  // Finds the set below the root; false (the result says why) when it may not be verified.
  bool Open(const std::string& backup_root, const std::string& set_dir);
  const std::string& set_name() const { return set_name_; }
  void Verify(SetMemo& memo);
  SetVerification Take() {
    out_.complete = out_.complete && !stopped_;
    return std::move(out_);
  }

 private:
  struct Located {
    std::string path;  // absolute, symlinks resolved
    FileStat stat;
  };

  bool UseManifest(SetMemo& memo);
  bool ListSet();
  void UseRows(SetMemo& memo);
  void Check(const ManifestEntry& e);
  std::optional<Located> Locate(const ManifestEntry& e);
  std::optional<std::string> Hash(const ManifestEntry& e, const std::string& where);
  void Finish();
  std::vector<std::string> ForgetStaleRows();

  void Fail(IntegrityReason reason, const std::string& path, std::string detail);
  void Unreadable(const ManifestEntry& e, const std::string& why);
  void Stop(const Status& s);
  void Warn(std::string_view msg, const Status& s);

  const VerifyOptions& options_;
  VerifyCache* const cache_;
  const SysTime now_;
  Logger* const log_;
  Sha256Hasher& hasher_;

  SetVerification out_;
  bool stopped_ = false;
  fs::path root_;  // canonical
  fs::path set_;   // canonical
  std::string set_name_;
  std::unique_ptr<Fd> set_fd_;
  std::shared_ptr<const Manifest> manifest_;
  std::unordered_map<std::string, FileStat>
      plain_files_;  // found by the walk: no symlink on the way
  std::unordered_map<std::string, FileDigestRow>* rows_ =
      nullptr;                   // the memo's; null without a cache
  std::size_t listed_rows_ = 0;  // rows of listed files
  std::vector<FileDigestRow> changed_;
};

bool SetRun::Open(const std::string& backup_root, const std::string& set_dir) {
  set_name_ = set_dir;
  std::error_code ec;
  root_ = fs::canonical(backup_root, ec);
  if (!ec) set_ = fs::canonical(set_dir, ec);
  if (ec) {
    Stop(Status(Reason::kIo, (root_.empty() ? backup_root : set_dir) + ": " + ec.message()));
    return false;
  }
  if (!IsWithin(root_, set_) || set_ == root_) {
    Fail(IntegrityReason::kBadManifest, set_dir,
         "the set directory resolves to " + set_.string() + ", not below the backup root " +
             root_.string());
    return false;
  }
  set_name_ = set_.string();
  set_fd_ = std::make_unique<Fd>(::open(set_name_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (set_fd_->get() < 0) {
    Stop(Status(Reason::kIo, set_name_ + ": " + ErrnoText(errno)));
    return false;
  }
  return true;
}

void SetRun::Verify(SetMemo& memo) {
  if (!UseManifest(memo) || !ListSet()) return;
  UseRows(memo);
  for (const ManifestEntry& e : manifest_->entries) {
    if (Status s = Stopped(options_.deadline, [&] { return "verifying " + set_name_; }); !s.ok())
      Stop(s);
    if (stopped_) break;
    Check(e);
  }
  Finish();
}

bool SetRun::UseManifest(SetMemo& memo) {
  auto file = ReadManifestFile(set_name_);
  std::string sha256 = file.ok() ? Sha256Hex(file->text) : "";
  if (!memo.manifest || sha256.empty() || sha256 != memo.manifest_sha256) {
    memo.manifest.reset();
    auto manifest = file.ok() ? ParseManifest(*file) : Result<Manifest>(file.status());
    if (manifest.ok() && manifest->entries.empty())
      manifest = Status(Reason::kParse, set_name_ + ": the manifest lists no files");
    if (!manifest.ok()) {
      if (manifest.status().reason() == Reason::kIo) MergeInto(out_.status, manifest.status());
      Fail(IntegrityReason::kBadManifest, set_name_, manifest.status().message());
      return false;
    }
    memo.manifest = std::make_shared<const Manifest>(std::move(manifest).value());
    memo.manifest_sha256 = std::move(sha256);
  }
  manifest_ = memo.manifest;
  out_.format = manifest_->format;
  out_.created_at = manifest_->created_at;
  out_.files_listed = manifest_->entries.size();
  return true;
}

bool SetRun::ListSet() {
  plain_files_.reserve(manifest_->entries.size() + 16);
  int dir_fd = ::openat(set_fd_->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  Status listed = dir_fd < 0 ? Status(Reason::kIo, set_name_ + ": " + ErrnoText(errno))
                             : ListSetFiles(dir_fd, options_.deadline, plain_files_);
  if (!listed.ok() &&
      (listed.reason() == Reason::kTimeout || listed.reason() == Reason::kCancelled)) {
    Stop(listed);
    return false;
  }
  if (!listed.ok())
    Warn("cannot list all of a backup set",
         Status(listed.reason(), set_name_ + "/" + listed.message()));
  return true;
}

void SetRun::UseRows(SetMemo& memo) {
  if (cache_ == nullptr) return;
  rows_ = &memo.rows;
  if (memo.rows_loaded) return;
  auto rows = cache_->Load(set_name_);
  if (!rows.ok()) return Warn("cannot load the backup verification cache", rows.status());
  memo.rows.clear();
  memo.rows.reserve(rows->size());
  for (FileDigestRow& r : std::move(rows).value()) {
    std::string path = r.path;
    memo.rows.emplace(std::move(path), std::move(r));
  }
  memo.rows_loaded = true;
}

void SetRun::Check(const ManifestEntry& e) {
  FileStat st;
  std::optional<Located> located;
  if (auto plain = plain_files_.find(e.path); plain != plain_files_.end()) {
    st = plain->second;
    plain_files_.erase(plain);  // what is left at the end is unlisted
  } else if ((located = Locate(e))) {
    st = located->stat;
  } else {
    return;
  }
  out_.total_bytes += st.size;
  if (e.size && *e.size != st.size)
    return Fail(IntegrityReason::kSizeMismatch, e.path,
                "size " + std::to_string(*e.size) + " in the manifest, " + std::to_string(st.size) +
                    " on disk");
  const FileDigestRow* row = nullptr;
  if (rows_ != nullptr) {
    auto it = rows_->find(e.path);
    if (it != rows_->end()) {
      row = &it->second;
      ++listed_rows_;
    }
  }
  std::optional<std::string> hashed;
  const std::string* digest = nullptr;
  if (row != nullptr && row->size == st.size && row->mtime_ns == st.mtime_ns &&
      row->inode == st.inode && row->ctime_ns == st.ctime_ns &&
      row->verified_at > now_ - options_.full_reverify_period) {
    digest = &row->sha256;
    ++out_.cache_hits;
  } else if ((hashed = Hash(e, located ? located->path : e.path))) {
    digest = &*hashed;
    if (rows_ != nullptr && row == nullptr) ++listed_rows_;
  }
  if (digest != nullptr && *digest != e.sha256)
    Fail(IntegrityReason::kDigestMismatch, e.path,
         "sha256 " + e.sha256 + " in the manifest, " + *digest + " on disk");
}

// Where a listed file that the walk did not find as a plain file of the set leads, and its stat;
// nullopt (a failure recorded) when it may not be read or is not there.
std::optional<SetRun::Located> SetRun::Locate(const ManifestEntry& e) {
  auto resolved = ResolveBelowRoot(root_, set_, e.path);
  if (!resolved.ok()) {
    if (resolved.status().reason() == Reason::kParse)
      Fail(IntegrityReason::kBadManifest, e.path, resolved.status().message());
    else
      Unreadable(e, resolved.status().message());
    return std::nullopt;
  }
  std::string path = resolved->string();
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      Fail(IntegrityReason::kMissing, e.path, "not found");
    else
      Unreadable(e, ErrnoText(errno));
    return std::nullopt;
  }
  if (S_ISLNK(st.st_mode)) {  // a symlink that leads nowhere: is its target outside the root?
    std::error_code ec;
    fs::path target = fs::read_symlink(path, ec);
    fs::path dest = (resolved->parent_path() / target).lexically_normal();
    if (!ec && !IsWithin(root_, dest))
      Fail(IntegrityReason::kBadManifest, e.path,
           e.path + " is a symlink to " + dest.string() + ", outside the backup root");
    else
      Fail(IntegrityReason::kMissing, e.path, "a symlink to a file that does not exist");
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    Fail(IntegrityReason::kMissing, e.path, "not a regular file");
    return std::nullopt;
  }
  return Located{std::move(path), StatOf(st)};
}

// The digest of a listed file, hashed now (`where` is relative to the set or absolute), or
// nullopt (a failure recorded, or the run stopped).
std::optional<std::string> SetRun::Hash(const ManifestEntry& e, const std::string& where) {
  // O_NONBLOCK: a FIFO swapped in after the stat must not block the open.
  Fd fd(::openat(set_fd_->get(), where.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  struct stat st {};
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0) {
    if (errno == ENOENT)
      Fail(IntegrityReason::kMissing, e.path, "not found");
    else
      Unreadable(e, ErrnoText(errno));
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    Fail(IntegrityReason::kMissing, e.path, "not a regular file");
    return std::nullopt;
  }
  auto d = hasher_.HashFd(fd.get(), set_name_ + "/" + e.path, options_.deadline, options_.limiter);
  if (!d.ok()) {
    if (d.status().reason() == Reason::kIo)
      Unreadable(e, d.status().message());
    else
      Stop(d.status());
    return std::nullopt;
  }
  out_.bytes_hashed += d->bytes;
  ++out_.files_hashed;
  const FileStat now = StatOf(st);
  if (d->bytes != now.size) {
    Fail(IntegrityReason::kSizeMismatch, e.path,
         "changed size while being read: " + std::to_string(d->bytes) + " of " +
             std::to_string(now.size) + " bytes");
    return std::nullopt;
  }
  if (rows_ != nullptr) {
    FileDigestRow row{e.path, now.size, now.mtime_ns, now.inode, now.ctime_ns, d->sha256, now_};
    (*rows_)[e.path] = row;
    changed_.push_back(std::move(row));
  }
  return d->sha256;
}

void SetRun::Finish() {
  if (!stopped_) {
    std::vector<std::string> unlisted;
    for (const auto& [path, stat] : plain_files_)
      if (path != kJsonManifestName && path != kSha256SumsName) unlisted.push_back(path);
    std::sort(unlisted.begin(), unlisted.end());
    for (const std::string& path : unlisted)
      Fail(IntegrityReason::kUnlisted, path, "not in the manifest");
  }
  if (rows_ != nullptr) {
    std::vector<std::string> removed = stopped_ ? std::vector<std::string>() : ForgetStaleRows();
    if (Status s = cache_->Save(set_name_, changed_, removed); !s.ok())
      Warn("cannot save the backup verification cache", s);
  }
  if (log_ != nullptr && out_.total_failures() > out_.details.size())
    log_->Warn("more backup verification failures, not logged",
               {{"set", set_name_},
                {"count", std::to_string(out_.total_failures() - out_.details.size())}});
}

// Drops the rows of files the manifest no longer lists, and returns their paths.
std::vector<std::string> SetRun::ForgetStaleRows() {
  std::vector<std::string> removed;
  if (rows_->size() <= listed_rows_) return removed;  // every row is a listed file's
  std::unordered_set<std::string_view> listed;
  listed.reserve(manifest_->entries.size());
  for (const ManifestEntry& e : manifest_->entries) listed.insert(e.path);
  for (auto it = rows_->begin(); it != rows_->end();) {
    if (listed.contains(it->first)) {
      ++it;
      continue;
    }
    removed.push_back(it->first);
    it = rows_->erase(it);
  }
  return removed;
}

void SetRun::Fail(IntegrityReason reason, const std::string& path, std::string detail) {
  ++out_.failures[static_cast<std::size_t>(reason)];
  if (out_.details.size() >= options_.max_details) return;
  detail = Clip(std::move(detail));
  if (log_ != nullptr)
    log_->Warn("backup file failed verification",
               {{"set", set_name_},
                {"file", path},
                {"reason", std::string(IntegrityReasonName(reason))},
                {"detail", detail}});
  out_.details.push_back(IntegrityFailure{reason, path, std::move(detail)});
}

void SetRun::Unreadable(const ManifestEntry& e, const std::string& why) {
  MergeInto(out_.status, Status(Reason::kIo, set_name_ + "/" + e.path + ": " + why));
  Fail(IntegrityReason::kMissing, e.path, "cannot be read: " + why);
}

void SetRun::Stop(const Status& s) {
  stopped_ = true;
  Warn("backup set verification stopped", s);
}

void SetRun::Warn(std::string_view msg, const Status& s) {
  MergeInto(out_.status, s);
  if (log_ != nullptr)
    log_->Warn(msg, {{"set", set_name_},
                     {"reason", std::string(ReasonName(s.reason()))},
                     {"err", s.message()}});
}

}  // namespace

std::string_view IntegrityReasonName(IntegrityReason reason) {
  switch (reason) {
    case IntegrityReason::kMissing:
      return "missing";
    case IntegrityReason::kSizeMismatch:
      return "size_mismatch";
    case IntegrityReason::kDigestMismatch:
      return "digest_mismatch";
    case IntegrityReason::kUnlisted:
      return "unlisted";
    case IntegrityReason::kBadManifest:
      return "bad_manifest";
  }
  return "bad_manifest";
}

std::uint64_t SetVerification::total_failures() const {
  return std::accumulate(failures.begin(), failures.end(), std::uint64_t{0});
}

SetVerifier::SetVerifier(VerifyCache* cache, const Clock& clock, Logger* log)
    : cache_(cache), clock_(clock), log_(log), state_(std::make_unique<State>()) {}

SetVerifier::~SetVerifier() = default;

SetVerification SetVerifier::Verify(const std::string& backup_root, const std::string& set_dir,
                                    const VerifyOptions& options) {
  SetRun run(options, cache_, clock_.Now(), log_, state_->hasher);
  if (run.Open(backup_root, set_dir)) run.Verify(state_->MemoFor(run.set_name()));
  return run.Take();
}

}  // namespace usdcop
