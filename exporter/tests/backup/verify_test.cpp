#include "backup/verify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "support/fake_clock.h"
#include "support/sha256_reference.h"
#include "support/temp_dir.h"

namespace usdcop {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Counts = std::map<std::string, std::uint64_t>;

// The failure counts that are not zero, by reason name: a fault must move exactly its own.
Counts Failures(const SetVerification& r) {
  Counts out;
  for (IntegrityReason reason : kAllIntegrityReasons)
    if (r.failed(reason) > 0) out[std::string(IntegrityReasonName(reason))] = r.failed(reason);
  return out;
}

std::string RandomBytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

void WriteBytes(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

class BackupVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = StateStore::Open(dir_.File("state.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    cache_ = std::make_unique<StateStoreVerifyCache>(*store_);
    // The usual set: some data, a file in a subdirectory, an empty file.
    Put("market_data.csv.gz", RandomBytes(3000, 1));
    Put("sub/trades.csv", "time,price\n2026-11-24T06:00:00Z,4012.5\n");
    Put("empty.csv", "");
  }
  void TearDown() override { std::fclose(log_file_); }

  // Writes a file of the set and lists it in the manifest to come.
  void Put(const std::string& rel, const std::string& bytes) {
    WriteBytes(set_ / rel, bytes);
    listed_[rel] = bytes;
  }
  void WriteJson(const std::map<std::string, std::string>& extra = {}) {
    std::string files;
    auto add = [&](const std::string& path, const std::string& bytes) {
      files += std::string(files.empty() ? "" : ", ") + R"({"path": ")" + path + R"(", "size": )" +
               std::to_string(bytes.size()) + R"(, "sha256": ")" + ReferenceSha256(bytes) + R"("})";
    };
    for (const auto& [path, bytes] : listed_) add(path, bytes);
    for (const auto& [path, bytes] : extra) add(path, bytes);
    WriteBytes(
        set_ / "manifest.json",
        R"({"created_at": "2026-11-24T06:00:00Z", "layer": "L0", "files": [)" + files + "]}");
  }
  void WriteSums() {
    std::string text;
    for (const auto& [path, bytes] : listed_) text += ReferenceSha256(bytes) + "  " + path + "\n";
    WriteBytes(set_ / "SHA256SUMS", text);
  }
  SetVerification Verify(VerifyOptions o = Options()) {
    SetVerifier verifier(cache_.get(), clock_, &log_);  // a fresh one: the cache lives in the store
    return verifier.Verify(root_.string(), set_.string(), o);
  }
  static VerifyOptions Options() {
    VerifyOptions o;
    o.deadline = Deadline::After(10s);
    return o;
  }
  // The listed bytes of `rel` with the byte at `at` flipped.
  std::string Flipped(const std::string& rel, std::size_t at) {
    std::string bytes = listed_.at(rel);
    bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
    return bytes;
  }
  // Replaces `rel` by a rename (a new inode) with `bytes`, keeping its mtime.
  void ReplaceKeepingMtime(const std::string& rel, const std::string& bytes) {
    const auto mtime = fs::last_write_time(set_ / rel);
    WriteBytes(set_ / "replacement", bytes);
    fs::last_write_time(set_ / "replacement", mtime);
    fs::rename(set_ / "replacement", set_ / rel);
  }
  std::uint64_t ListedBytes() const {
    std::uint64_t n = 0;
    for (const auto& [path, bytes] : listed_) n += bytes.size();
    return n;
  }
  std::string LogText() {
    std::fflush(log_file_);
    std::rewind(log_file_);
    std::string text;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, log_file_)) text.append(buf, n);
    return text;
  }

  TempDir dir_;
  const fs::path root_ = dir_.File("root");
  const fs::path set_ = root_ / "20261124_060000";
  std::map<std::string, std::string> listed_;
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<StateStoreVerifyCache> cache_;
  FakeClock clock_{*ParseTimestamp("2026-11-24T12:00:00Z")};
  std::FILE* log_file_ = std::tmpfile();
  Logger log_{LogLevel::kInfo, LogFormat::kLogfmt, log_file_};
};

TEST_F(BackupVerifyTest, IntactJsonSetVerifiesEveryFileZeroBytesIncluded) {
  WriteJson();
  SetVerification r = Verify();
  EXPECT_TRUE(r.intact()) << r.status.ToString();
  EXPECT_EQ(Failures(r), Counts{});
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(r.format, ManifestFormat::kJson);
  EXPECT_EQ(r.created_at, ParseTimestamp("2026-11-24T06:00:00Z"));
  EXPECT_EQ(r.files_listed, 3u);
  EXPECT_EQ(r.total_bytes, ListedBytes());
  EXPECT_EQ(r.bytes_hashed, ListedBytes());
  EXPECT_EQ(r.files_hashed, 3u);
  EXPECT_EQ(r.cache_hits, 0u);
  EXPECT_EQ(LogText(), "");
}

TEST_F(BackupVerifyTest, IntactSha256SumsSetVerifies) {
  WriteSums();
  SetVerification r = Verify();
  EXPECT_TRUE(r.intact()) << r.status.ToString();
  EXPECT_EQ(r.format, ManifestFormat::kSha256Sums);
  EXPECT_FALSE(r.created_at);
  EXPECT_EQ(r.files_listed, 3u);
  EXPECT_EQ(r.bytes_hashed, ListedBytes());
}

TEST_F(BackupVerifyTest, FlippedByteIsADigestMismatch) {
  WriteJson();
  const std::string bytes = Flipped("market_data.csv.gz", 1234);
  WriteBytes(set_ / "market_data.csv.gz", bytes);
  SetVerification r = Verify();
  EXPECT_EQ(Failures(r), (Counts{{"digest_mismatch", 1}}));
  EXPECT_FALSE(r.intact());
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.status.ok()) << "a mismatch is a finding, not an error of the run";
  ASSERT_EQ(r.details.size(), 1u);
  EXPECT_EQ(r.details[0].path, "market_data.csv.gz");
  EXPECT_EQ(r.details[0].detail, "sha256 " + ReferenceSha256(listed_["market_data.csv.gz"]) +
                                     " in the manifest, " + ReferenceSha256(bytes) + " on disk");
  EXPECT_THAT(LogText(), HasSubstr("file=market_data.csv.gz reason=digest_mismatch"));
}

TEST_F(BackupVerifyTest, TruncatedFileIsASizeMismatchOrWithoutSizesADigestMismatch) {
  WriteJson();
  WriteBytes(set_ / "market_data.csv.gz", listed_["market_data.csv.gz"].substr(0, 1000));
  SetVerification r = Verify();
  EXPECT_EQ(Failures(r), (Counts{{"size_mismatch", 1}}));
  ASSERT_EQ(r.details.size(), 1u);
  EXPECT_EQ(r.details[0].detail, "size 3000 in the manifest, 1000 on disk");
  EXPECT_EQ(r.bytes_hashed, ListedBytes() - 3000) << "a file of the wrong size is not hashed";

  fs::remove(set_ / "manifest.json");
  WriteSums();  // no sizes: the digest tells
  EXPECT_EQ(Failures(Verify()), (Counts{{"digest_mismatch", 1}}));
}

TEST_F(BackupVerifyTest, DeletedFileIsMissing) {
  WriteJson();
  fs::remove(set_ / "sub/trades.csv");
  SetVerification r = Verify();
  EXPECT_EQ(Failures(r), (Counts{{"missing", 1}}));
  EXPECT_EQ(r.details[0].path, "sub/trades.csv");
  EXPECT_EQ(r.details[0].detail, "not found");
  EXPECT_EQ(r.total_bytes, 3000u);
}

TEST_F(BackupVerifyTest, ExtraFilesAreUnlistedButTheManifestsAreNot) {
  WriteJson();
  WriteSums();  // a second manifest is not an unlisted file either
  WriteBytes(set_ / "extra.tmp", "x");
  WriteBytes(set_ / "sub/deeper/extra.csv", "y");
  fs::create_directories(set_ / "empty_dir");
  SetVerification r = Verify();
  EXPECT_EQ(Failures(r), (Counts{{"unlisted", 2}}));
  ASSERT_EQ(r.details.size(), 2u);
  EXPECT_EQ(r.details[0].path, "extra.tmp");
  EXPECT_EQ(r.details[1].path, "sub/deeper/extra.csv");
  EXPECT_EQ(r.bytes_hashed, ListedBytes()) << "unlisted files are not hashed";
}

TEST_F(BackupVerifyTest, BrokenManifestIsBadManifestAndNothingElseIsChecked) {
  WriteBytes(set_ / "manifest.json", "{\"files\": [");
  WriteBytes(set_ / "extra.tmp", "x");
  SetVerification r = Verify();
  EXPECT_EQ(Failures(r), (Counts{{"bad_manifest", 1}}));
  EXPECT_EQ(r.bytes_hashed, 0u);
  EXPECT_EQ(r.files_listed, 0u);
  ASSERT_EQ(r.details.size(), 1u);
  EXPECT_THAT(r.details[0].detail,
              HasSubstr(fs::canonical(set_).string() + "/manifest.json: not JSON"));
  EXPECT_THAT(LogText(), HasSubstr("reason=bad_manifest"));
  EXPECT_THAT(LogText(), HasSubstr("manifest.json: not JSON"));
}

TEST_F(BackupVerifyTest, EmptySetOrEmptyManifestIsBadManifest) {
  fs::remove_all(set_);
  fs::create_directories(set_);
  SetVerification none = Verify();
  EXPECT_EQ(Failures(none), (Counts{{"bad_manifest", 1}}));
  EXPECT_THAT(none.details[0].detail, HasSubstr("no manifest.json or SHA256SUMS"));

  WriteBytes(set_ / "SHA256SUMS", "");
  SetVerification empty = Verify();
  EXPECT_EQ(Failures(empty), (Counts{{"bad_manifest", 1}}));
  EXPECT_THAT(empty.details[0].detail, HasSubstr("lists no files"));
}

TEST_F(BackupVerifyTest, DotDotAndAbsolutePathsAreBadManifestAndNothingIsRead) {
  WriteBytes(root_ / "x", "inside the root, but not in the set");
  WriteJson({{"../x", "inside the root, but not in the set"}});
  SetVerification dotdot = Verify();
  EXPECT_EQ(Failures(dotdot), (Counts{{"bad_manifest", 1}}));
  EXPECT_EQ(dotdot.bytes_hashed, 0u);
  EXPECT_THAT(dotdot.details[0].detail, HasSubstr("(\"../x\"): path has a '..' component"));

  WriteJson({{dir_.File("root/x"), "inside the root, but not in the set"}});
  SetVerification absolute = Verify();
  EXPECT_EQ(Failures(absolute), (Counts{{"bad_manifest", 1}}));
  EXPECT_EQ(absolute.bytes_hashed, 0u);
  EXPECT_THAT(absolute.details[0].detail, HasSubstr("absolute path"));
}

TEST_F(BackupVerifyTest, SymlinksOutOfTheRootAreBadManifestAndNeverRead) {
  const std::string secret = RandomBytes(2 << 20, 7);
  WriteBytes(dir_.File("outside/secret"), secret);
  fs::create_symlink(dir_.File("outside/secret"), set_ / "link");
  fs::create_symlink(dir_.File("outside"), set_ / "linkdir");
  fs::create_symlink(dir_.File("outside/gone"), set_ / "dangling");
  WriteJson({{"link", secret}, {"linkdir/secret", secret}, {"dangling", secret}});
  SetVerification r = Verify();
  EXPECT_EQ(Failures(r), (Counts{{"bad_manifest", 3}}));
  EXPECT_EQ(r.bytes_hashed, ListedBytes()) << "only the set's own files were read";
  EXPECT_EQ(r.files_hashed, 3u);
  for (const IntegrityFailure& f : r.details)
    EXPECT_THAT(f.detail, HasSubstr("outside the backup root")) << f.path;
  EXPECT_THAT(LogText(), HasSubstr("file=linkdir/secret reason=bad_manifest"));
}

TEST_F(BackupVerifyTest, SymlinksWithinTheRootAreFollowed) {
  const std::string shared = "the same file in two sets";
  WriteBytes(root_ / "20261124_000000/shared.csv", shared);
  fs::create_symlink("../20261124_000000/shared.csv", set_ / "shared.csv");
  fs::create_symlink("nowhere.csv", set_ / "dangling.csv");
  WriteJson({{"shared.csv", shared}, {"dangling.csv", "x"}});
  SetVerification r = Verify();
  EXPECT_EQ(Failures(r), (Counts{{"missing", 1}}));
  EXPECT_EQ(r.details[0].path, "dangling.csv");
  EXPECT_EQ(r.bytes_hashed, ListedBytes() + shared.size());
}

TEST_F(BackupVerifyTest, SetDirectoryOutsideTheRootIsBadManifest) {
  WriteJson();
  fs::rename(set_, dir_.File("elsewhere"));
  fs::create_directory_symlink(dir_.File("elsewhere"), set_);
  SetVerification r = Verify();
  EXPECT_EQ(Failures(r), (Counts{{"bad_manifest", 1}}));
  EXPECT_EQ(r.bytes_hashed, 0u);
  EXPECT_THAT(r.details[0].detail, HasSubstr("not below the backup root"));
}

TEST_F(BackupVerifyTest, ListedDirectoryOrFifoIsMissingAndDoesNotBlock) {
  WriteJson({{"sub", "x"}, {"pipe", "x"}});
  ASSERT_EQ(::mkfifo((set_ / "pipe").c_str(), 0600), 0);
  SetVerification r = Verify();
  EXPECT_EQ(Failures(r), (Counts{{"missing", 2}}));
  for (const IntegrityFailure& f : r.details) EXPECT_EQ(f.detail, "not a regular file") << f.path;
}

TEST_F(BackupVerifyTest, UnreadableFileIsMissingWithAnIoStatusAndALogLine) {
  if (::geteuid() == 0)
    GTEST_SKIP() << "running as root: chmod 000 does not stop root from reading";
  WriteJson();
  fs::permissions(set_ / "sub/trades.csv", fs::perms::none);
  SetVerification r = Verify();
  fs::permissions(set_ / "sub/trades.csv", fs::perms::owner_all);
  EXPECT_EQ(Failures(r), (Counts{{"missing", 1}}));
  EXPECT_EQ(r.status.reason(), Reason::kIo);
  EXPECT_THAT(r.status.message(), HasSubstr("/20261124_060000/sub/trades.csv: Permission denied"));
  EXPECT_THAT(r.details[0].detail, HasSubstr("Permission denied"));
  EXPECT_THAT(LogText(), HasSubstr("file=sub/trades.csv reason=missing"));
}

TEST_F(BackupVerifyTest, SecondRunUsesTheCacheAndHashesNothing) {
  WriteJson();
  SetVerification first = Verify();
  ASSERT_TRUE(first.intact());
  EXPECT_EQ(first.bytes_hashed, ListedBytes());
  SetVerification second = Verify();
  EXPECT_TRUE(second.intact());
  EXPECT_EQ(second.bytes_hashed, 0u);
  EXPECT_EQ(second.files_hashed, 0u);
  EXPECT_EQ(second.cache_hits, 3u);
  EXPECT_EQ(second.total_bytes, ListedBytes());

  // The cache outlives the process: a reopened store still knows the digests.
  cache_.reset();
  store_.reset();
  store_ = std::move(StateStore::Open(dir_.File("state.db"))).value();
  cache_ = std::make_unique<StateStoreVerifyCache>(*store_);
  EXPECT_EQ(Verify().bytes_hashed, 0u);

  // A cached digest still fails a manifest that disagrees with it.
  listed_["sub/trades.csv"][0] = 'T';  // the manifest now lists other bytes of the same size
  WriteJson();
  SetVerification changed = Verify();
  EXPECT_EQ(Failures(changed), (Counts{{"digest_mismatch", 1}}));
  EXPECT_EQ(changed.bytes_hashed, 0u);
}

TEST_F(BackupVerifyTest, SameSizeChangeIsHashedAgainWhenItsMtimeOrInodeChanged) {
  WriteJson();
  ASSERT_TRUE(Verify().intact());
  const fs::path file = set_ / "market_data.csv.gz";
  const auto mtime = fs::last_write_time(file);

  WriteBytes(file, Flipped("market_data.csv.gz", 0));  // in place: same inode, new mtime
  fs::last_write_time(file, mtime + 1s);
  SetVerification in_place = Verify();
  EXPECT_EQ(Failures(in_place), (Counts{{"digest_mismatch", 1}}));
  EXPECT_EQ(in_place.bytes_hashed, 3000u);

  WriteBytes(file, listed_["market_data.csv.gz"]);  // back to the listed bytes, cached as such
  fs::last_write_time(file, mtime);
  ASSERT_TRUE(Verify().intact());
  ReplaceKeepingMtime("market_data.csv.gz", Flipped("market_data.csv.gz", 0));  // a new inode
  SetVerification renamed = Verify();
  EXPECT_EQ(Failures(renamed), (Counts{{"digest_mismatch", 1}}));
  EXPECT_EQ(renamed.bytes_hashed, 3000u);
}

// The file system's ctime of `path`, in nanoseconds.
std::int64_t CtimeNs(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
}

TEST_F(BackupVerifyTest, ARewriteInPlaceWithItsMtimePutBackIsCaughtByItsCtime) {
  WriteJson();
  ASSERT_TRUE(Verify().intact());
  const fs::path file = set_ / "market_data.csv.gz";
  const auto mtime = fs::last_write_time(file);
  const std::int64_t ctime_before = CtimeNs(file);
  // The kernel's file times tick coarsely (jiffies): wait, bounded, until a new change would get a
  // later ctime, so that the rewrite below cannot share the first write's.
  const fs::path tick = dir_.File("tick");
  for (int i = 0; i < 1000; ++i) {
    WriteBytes(tick, "x");
    if (CtimeNs(tick) > ctime_before) break;
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_GT(CtimeNs(tick), ctime_before);

  WriteBytes(file, Flipped("market_data.csv.gz", 0));  // same size, same inode
  fs::last_write_time(file, mtime);                    // and the mtime it had: only ctime moved
  SetVerification rewritten = Verify();
  EXPECT_EQ(Failures(rewritten), (Counts{{"digest_mismatch", 1}}));
  EXPECT_EQ(rewritten.bytes_hashed, 3000u) << "hashed again, not taken from the cache";
}

TEST_F(BackupVerifyTest, CachedDigestsExpireAfterTheFullReverificationPeriod) {
  WriteJson();
  ASSERT_TRUE(Verify().intact());
  // Silent corruption (bit rot): the bytes change and no file time shows it. Modelled by
  // flipping a byte, putting the mtime back, and giving the cache row the file's new ctime (which
  // no user can put back). Only a full re-hash finds it.
  const fs::path file = set_ / "market_data.csv.gz";
  const auto mtime = fs::last_write_time(file);
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(2999);
    f.put(Flipped("market_data.csv.gz", 2999)[2999]);
  }
  fs::last_write_time(file, mtime);
  auto loaded = store_->LoadFileDigests(set_.string());
  ASSERT_TRUE(loaded.ok());
  std::vector<FileDigestRow> rows = *loaded;
  auto row = std::find_if(rows.begin(), rows.end(),
                          [](const FileDigestRow& r) { return r.path == "market_data.csv.gz"; });
  ASSERT_NE(row, rows.end());
  row->ctime_ns = CtimeNs(file);
  ASSERT_TRUE(store_->SaveFileDigests(set_.string(), {*row}, {}).ok());

  VerifyOptions o = Options();
  o.full_reverify_period = std::chrono::hours(24);
  clock_.Set(clock_.Now() + std::chrono::hours(23));
  SetVerification cached = Verify(o);
  EXPECT_TRUE(cached.intact()) << "within the period the cached digest is trusted";
  EXPECT_EQ(cached.bytes_hashed, 0u);

  clock_.Set(clock_.Now() + std::chrono::hours(2));
  SetVerification full = Verify(o);
  EXPECT_EQ(Failures(full), (Counts{{"digest_mismatch", 1}}));
  EXPECT_EQ(full.bytes_hashed, ListedBytes());

  o.full_reverify_period = Duration(0);  // never trust the cache
  EXPECT_EQ(Verify(o).bytes_hashed, ListedBytes());
}

TEST_F(BackupVerifyTest, CacheForgetsFilesTheManifestNoLongerLists) {
  WriteJson();
  ASSERT_TRUE(Verify().intact());
  EXPECT_EQ(store_->LoadFileDigests(fs::canonical(set_).string())->size(), 3u);
  fs::remove(set_ / "sub/trades.csv");
  listed_.erase("sub/trades.csv");
  WriteJson();
  ASSERT_TRUE(Verify().intact());
  auto rows = store_->LoadFileDigests(fs::canonical(set_).string());
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  for (const FileDigestRow& row : *rows) EXPECT_NE(row.path, "sub/trades.csv");
}

TEST_F(BackupVerifyTest, DeadlineOrBudgetStopsTheRunWhichKeepsItsProgress) {
  WriteJson();
  VerifyOptions late = Options();
  late.deadline = Deadline::After(-1s);
  SetVerification expired = Verify(late);
  EXPECT_FALSE(expired.complete);
  EXPECT_FALSE(expired.intact());
  EXPECT_EQ(expired.status.reason(), Reason::kTimeout);
  EXPECT_EQ(Failures(expired), Counts{});

  // A budget of 1 byte/s: empty.csv costs nothing, market_data.csv.gz's 3000 bytes are paid
  // after reading them, and sub/trades.csv would have to wait 3000 s.
  ByteRateLimiter budget(1);
  VerifyOptions slow = Options();
  slow.limiter = &budget;
  SetVerification cut = Verify(slow);
  EXPECT_FALSE(cut.complete);
  EXPECT_EQ(cut.status.reason(), Reason::kTimeout);
  EXPECT_THAT(cut.status.message(), HasSubstr("byte budget"));
  EXPECT_EQ(cut.files_hashed, 2u);
  EXPECT_EQ(Failures(cut), Counts{}) << "files not reached are not failures";

  SetVerification rest = Verify();
  EXPECT_TRUE(rest.intact());
  EXPECT_EQ(rest.cache_hits, 2u);
  EXPECT_EQ(rest.files_hashed, 1u);
}

TEST_F(BackupVerifyTest, FailuresBeyondMaxDetailsAreCountedNotListed) {
  WriteJson();
  for (int i = 0; i < 30; ++i) WriteBytes(set_ / ("junk" + std::to_string(i)), "j");
  VerifyOptions o = Options();
  o.max_details = 5;
  SetVerification r = Verify(o);
  EXPECT_EQ(Failures(r), (Counts{{"unlisted", 30}}));
  EXPECT_EQ(r.details.size(), 5u);
  EXPECT_THAT(LogText(), HasSubstr("msg=\"more backup verification failures, not logged\""));
  EXPECT_THAT(LogText(), HasSubstr("count=25"));
}

TEST_F(BackupVerifyTest, OneVerifierAcrossRunsSeesEveryChange) {
  WriteJson();
  SetVerifier verifier(cache_.get(), clock_, &log_);  // keeps the manifest and the rows in memory
  auto verify = [&] { return verifier.Verify(root_.string(), set_.string(), Options()); };
  ASSERT_TRUE(verify().intact());
  SetVerification again = verify();
  EXPECT_TRUE(again.intact());
  EXPECT_EQ(again.bytes_hashed, 0u);
  EXPECT_EQ(again.cache_hits, 3u);

  // The manifest rewritten at once, same size, other digest: parsed again.
  listed_["sub/trades.csv"][0] = 'T';
  WriteJson();
  EXPECT_EQ(Failures(verify()), (Counts{{"digest_mismatch", 1}}));
  listed_["sub/trades.csv"][0] = 't';
  WriteJson();
  ASSERT_TRUE(verify().intact());

  // A file replaced (same size and mtime, new inode), an extra file, a deleted file.
  ReplaceKeepingMtime("market_data.csv.gz", RandomBytes(3000, 2));
  WriteBytes(set_ / "extra", "x");
  fs::remove(set_ / "empty.csv");
  SetVerification changed = verify();
  EXPECT_EQ(Failures(changed), (Counts{{"digest_mismatch", 1}, {"missing", 1}, {"unlisted", 1}}));
  EXPECT_EQ(changed.bytes_hashed, 3000u);
}

TEST_F(BackupVerifyTest, OneVerifierOverManySetsStaysCorrect) {
  SetVerifier verifier(cache_.get(), clock_, nullptr);
  std::vector<fs::path> sets;
  for (int i = 0; i < 20; ++i) {  // more sets than a verifier keeps in memory
    sets.push_back(root_ / ("20261123_" + std::to_string(100000 + i)));
    WriteBytes(sets.back() / "data.csv", "set " + std::to_string(i));
    WriteBytes(sets.back() / "SHA256SUMS",
               ReferenceSha256("set " + std::to_string(i)) + "  data.csv\n");
    SetVerification r = verifier.Verify(root_.string(), sets.back().string(), Options());
    ASSERT_TRUE(r.intact()) << i;
    EXPECT_EQ(r.files_hashed, 1u);
  }
  for (const fs::path& set : sets) {
    SetVerification r = verifier.Verify(root_.string(), set.string(), Options());
    EXPECT_TRUE(r.intact()) << set;
    EXPECT_EQ(r.cache_hits, 1u) << set;
  }
  WriteBytes(sets[0] / "data.csv", "set X");  // same size
  EXPECT_EQ(Failures(verifier.Verify(root_.string(), sets[0].string(), Options())),
            (Counts{{"digest_mismatch", 1}}));
}

// A cache whose every call fails.
class BrokenCache final : public VerifyCache {
 public:
  Result<std::vector<FileDigestRow>> Load(std::string_view) override {
    return Status(Reason::kIo, "disk full");
  }
  Status Save(std::string_view, const std::vector<FileDigestRow>&,
              const std::vector<std::string>&) override {
    return Status(Reason::kIo, "disk full");
  }
  Status Retain(std::string_view, const std::vector<std::string>&) override { return Status::Ok(); }
};

TEST_F(BackupVerifyTest, CacheErrorsDoNotChangeTheVerdict) {
  WriteJson();
  BrokenCache broken;
  SetVerifier verifier(&broken, clock_, &log_);
  SetVerification r = verifier.Verify(root_.string(), set_.string(), Options());
  EXPECT_EQ(Failures(r), Counts{});
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.bytes_hashed, ListedBytes());
  EXPECT_EQ(r.status.reason(), Reason::kIo);
  EXPECT_THAT(LogText(), HasSubstr("cannot save the backup verification cache"));

  SetVerifier uncached(nullptr, clock_, nullptr);
  EXPECT_TRUE(uncached.Verify(root_.string(), set_.string(), Options()).intact());
}

}  // namespace
}  // namespace usdcop
