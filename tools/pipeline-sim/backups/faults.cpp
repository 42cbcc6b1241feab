#include "backups/faults.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <system_error>

#include "backups/set.h"

namespace usdcop::sim {
namespace {

namespace fs = std::filesystem;

constexpr const char* kStrayFile = "stray.tmp";
constexpr const char* kStrayContent = "left behind by pipeline-sim's unlisted_file fault\n";
constexpr size_t kDigestHexDigits = 64;

Error BadFile(std::string message) { return BadInput("file", std::move(message)); }
Error SetConflict(std::string message) { return Conflict("set", std::move(message)); }
Error FilesystemError(std::string message) { return IoError("filesystem", std::move(message)); }

// A name a set can hold: no directories, not "." or "..", not a manifest's.
bool IsPlainFileName(const std::string& name) {
  return !name.empty() && name.size() <= 255 && name != "." && name != ".." &&
         name.find_first_of(std::string("/\0", 2)) == std::string::npos &&
         !IsManifestFileName(name);
}

// The set's regular files other than its manifest, by name.
std::vector<std::string> DataFiles(const fs::path& set_dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(set_dir, ec)) {
    std::string name = entry.path().filename().string();
    std::error_code type_ec;
    if (entry.is_regular_file(type_ec) && !IsManifestFileName(name)) files.push_back(name);
  }
  std::sort(files.begin(), files.end());
  return files;
}

Result<std::string> PickDataFile(const fs::path& set_dir, const std::string& file,
                                 const std::vector<std::string>& preferred) {
  std::vector<std::string> files = DataFiles(set_dir);
  auto holds = [&files](const std::string& f) {
    return std::find(files.begin(), files.end(), f) != files.end();
  };
  std::string set = set_dir.filename().string();
  if (!file.empty()) {
    if (holds(file)) return file;
    return BadFile("the set " + set + " holds no data file \"" + file + "\"");
  }
  for (const std::string& f : preferred) {
    if (holds(f)) return f;
  }
  if (!files.empty()) return files.front();
  return SetConflict("the set " + set + " holds no data file any more");
}

std::optional<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return text;
}

bool OverwriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return static_cast<bool>(out);
}

Result<SetFaultDone> FlipByte(const fs::path& path) {
  std::error_code ec;
  uintmax_t size = fs::file_size(path, ec);
  std::string name = path.filename().string();
  if (ec) return FilesystemError("cannot read the size of " + path.string() + ": " + ec.message());
  if (size == 0) return SetConflict(name + " is empty: no byte to flip");
  auto offset = static_cast<std::streamoff>(size / 2);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  char byte = 0;
  f.seekg(offset);
  f.get(byte);
  f.seekp(offset);
  f.put(static_cast<char>(~byte));
  f.close();
  if (!f) return FilesystemError("cannot change a byte of " + path.string());
  return SetFaultDone{
      name, "byte " + std::to_string(offset) + " of " + std::to_string(size) + " inverted"};
}

Result<SetFaultDone> Truncate(const fs::path& path) {
  std::error_code ec;
  uintmax_t size = fs::file_size(path, ec);
  if (!ec) fs::resize_file(path, size / 2, ec);
  if (ec) return FilesystemError("cannot truncate " + path.string() + ": " + ec.message());
  return SetFaultDone{path.filename().string(), "cut from " + std::to_string(size) + " to " +
                                                    std::to_string(size / 2) + " bytes"};
}

Result<SetFaultDone> DeleteFile(const fs::path& path) {
  std::error_code ec;
  if (!fs::remove(path, ec) || ec) {
    return FilesystemError("cannot remove " + path.string() + (ec ? ": " + ec.message() : ""));
  }
  return SetFaultDone{path.filename().string(), "removed"};
}

Result<SetFaultDone> AddUnlistedFile(const fs::path& set_dir, const std::string& file) {
  std::string name = file.empty() ? kStrayFile : file;
  if (!IsPlainFileName(name)) {
    return BadFile("\"" + name + "\" is not a plain file name (or is a manifest's)");
  }
  std::error_code ec;
  if (fs::exists(set_dir / name, ec)) {
    return BadFile("the set " + set_dir.filename().string() + " holds " + name + " already");
  }
  if (!OverwriteFile(set_dir / name, kStrayContent)) {
    return FilesystemError("cannot write " + (set_dir / name).string());
  }
  return SetFaultDone{name, "added, not in the manifest"};
}

bool StartsWithDigest(const std::string& line) {
  if (line.size() < kDigestHexDigits + 2) return false;
  return std::all_of(line.begin(), line.begin() + kDigestHexDigits,
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// manifest.json: cut in half; SHA256SUMS: the first line's digest cut to half its digits.
Result<SetFaultDone> BreakManifest(const fs::path& set_dir) {
  std::error_code ec;
  bool json = fs::exists(set_dir / ManifestFileName(ManifestFormat::kJson), ec);
  std::string name(ManifestFileName(json ? ManifestFormat::kJson : ManifestFormat::kSha256Sums));
  fs::path path = set_dir / name;
  auto text = ReadFile(path);
  if (!text) return SetConflict("the set " + set_dir.filename().string() + " has no manifest");
  std::string detail;
  if (json) {
    detail = "cut from " + std::to_string(text->size()) + " to " +
             std::to_string(text->size() / 2) + " bytes";
    text->resize(text->size() / 2);
  } else {
    if (!StartsWithDigest(*text)) {
      return SetConflict(name + ": the first line is malformed already");
    }
    text->erase(kDigestHexDigits / 2, kDigestHexDigits / 2);
    detail = "the first line's digest cut to " + std::to_string(kDigestHexDigits / 2) + " digits";
  }
  if (!OverwriteFile(path, *text)) return FilesystemError("cannot write " + path.string());
  return SetFaultDone{name, detail};
}

}  // namespace

bool FaultTakesFile(BackupFault fault) {
  return fault == BackupFault::kFlipByte || fault == BackupFault::kTruncate ||
         fault == BackupFault::kDeleteFile || fault == BackupFault::kUnlistedFile;
}

bool FaultChangesSet(BackupFault fault) {
  return fault != BackupFault::kNone && fault != BackupFault::kSkipPeriod;
}

Result<SetFaultDone> ApplySetFault(const fs::path& set_dir, BackupFault fault,
                                   const std::string& file,
                                   const std::vector<std::string>& preferred) {
  if (fault == BackupFault::kUnlistedFile) return AddUnlistedFile(set_dir, file);
  if (fault == BackupFault::kBreakManifest) return BreakManifest(set_dir);
  auto picked = PickDataFile(set_dir, file, preferred);
  if (!picked.ok()) return picked.error();
  fs::path path = set_dir / picked.value();
  switch (fault) {
    case BackupFault::kFlipByte:
      return FlipByte(path);
    case BackupFault::kTruncate:
      return Truncate(path);
    case BackupFault::kDeleteFile:
      return DeleteFile(path);
    default:
      return BadInput("fault", std::string(kBackupFaultNames[fault]) + " does not change a set");
  }
}

}  // namespace usdcop::sim
