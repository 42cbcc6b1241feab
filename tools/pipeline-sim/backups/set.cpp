#include "backups/set.h"

#include <date/date.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "backups/sha256.h"
#include "shared/splitmix.h"

namespace usdcop::sim {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTempPrefix = ".tmp-";
constexpr size_t kChunkBytes = 1 << 20;  // a multiple of 8: one word per 8 bytes
constexpr std::array<std::string_view, 3> kNamedFiles = {"market_data.csv.gz", "features.parquet",
                                                         "model_state.bin"};

struct Entry {
  std::string path;
  uint64_t size = 0;
  std::string sha256;
};

uint64_t Fnv1a(std::string_view text) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : text) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

uint64_t ContentSeed(const SetSpec& spec, std::string_view file) {
  auto seconds = std::chrono::floor<std::chrono::seconds>(spec.time).time_since_epoch().count();
  return SplitMix64(Fnv1a(spec.layer + "/" + std::string(file)) ^ static_cast<uint64_t>(seconds));
}

Error WriteError(std::string message) { return IoError("filesystem", std::move(message)); }

// Writes `size` pseudo-random bytes of `seed`; their digest.
Result<std::string> WriteDataFile(const fs::path& path, uint64_t seed, uint64_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  Sha256 sha;
  std::string chunk;
  uint64_t word_index = 0;
  for (uint64_t written = 0; written < size && out;) {
    chunk.resize(static_cast<size_t>(std::min<uint64_t>(kChunkBytes, size - written)));
    for (size_t i = 0; i < chunk.size(); i += 8, ++word_index) {
      uint64_t word = SplitMix64(seed + word_index);
      for (size_t b = 0; b < 8 && i + b < chunk.size(); ++b) {
        chunk[i + b] = static_cast<char>(word >> (8 * b));
      }
    }
    out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    sha.Update(chunk);
    written += chunk.size();
  }
  out.close();
  std::string digest = sha.HexDigest();
  if (!out || digest.empty()) return WriteError("cannot write " + path.string());
  return digest;
}

Status WriteTextFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (out) return Status::Ok();
  return WriteError("cannot write " + path.string());
}

std::string RenderManifest(const SetSpec& spec, const std::vector<Entry>& entries) {
  std::string out;
  if (spec.format == ManifestFormat::kSha256Sums) {
    for (const Entry& e : entries) out += e.sha256 + "  " + e.path + "\n";
    return out;
  }
  nlohmann::json files = nlohmann::json::array();
  for (const Entry& e : entries) {
    files.push_back({{"path", e.path}, {"size", e.size}, {"sha256", e.sha256}});
  }
  nlohmann::json manifest = {
      {"created_at", FormatIsoZ(spec.created_at)}, {"layer", spec.layer}, {"files", files}};
  return manifest.dump(2) + "\n";
}

// Gives the directory and everything in it `t` as mtime (errors ignored: cosmetic).
void Backdate(const fs::path& dir, Time t) {
  auto file_time = std::chrono::time_point_cast<fs::file_time_type::duration>(
      fs::file_time_type::clock::from_sys(t));
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    fs::last_write_time(entry.path(), file_time, ec);
  }
  fs::last_write_time(dir, file_time, ec);
}

// A temporary directory removed when it goes out of scope, unless released.
class TempDir {
 public:
  explicit TempDir(fs::path path) : path_(std::move(path)) {}
  ~TempDir() {
    std::error_code ec;
    if (!released_) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  void Release() { released_ = true; }

 private:
  const fs::path path_;
  bool released_ = false;
};

// Fills the temporary set directory: data files, then the manifest (written last).
Status FillSet(const fs::path& dir, const SetSpec& spec, const std::atomic<bool>& cancel) {
  std::vector<Entry> entries;
  for (const std::string& file : spec.files) {
    if (cancel) return WriteError("stopped before the set was complete");
    auto digest = WriteDataFile(dir / file, ContentSeed(spec, file), spec.file_size);
    if (!digest.ok()) return digest.status();
    entries.push_back({file, spec.file_size, *digest});
  }
  return WriteTextFile(dir / ManifestFileName(spec.format), RenderManifest(spec, entries));
}

}  // namespace

std::string_view ManifestFileName(ManifestFormat format) {
  return format == ManifestFormat::kJson ? "manifest.json" : "SHA256SUMS";
}

std::string_view ManifestFormatName(ManifestFormat format) {
  return format == ManifestFormat::kJson ? "json" : "sha256sums";
}

bool IsManifestFileName(std::string_view name) {
  return name == ManifestFileName(ManifestFormat::kJson) ||
         name == ManifestFileName(ManifestFormat::kSha256Sums);
}

std::string SetName(Time t) {
  return date::format("%Y%m%d_%H%M%S", std::chrono::floor<std::chrono::seconds>(t));
}

std::optional<Time> ParseSetName(std::string_view name) {
  if (name.size() != 15 || name[8] != '_') return std::nullopt;
  for (size_t i = 0; i < name.size(); ++i) {
    if (i != 8 && (name[i] < '0' || name[i] > '9')) return std::nullopt;
  }
  std::string iso = std::string(name.substr(0, 4)) + "-" + std::string(name.substr(4, 2)) + "-" +
                    std::string(name.substr(6, 2)) + "T" + std::string(name.substr(9, 2)) + ":" +
                    std::string(name.substr(11, 2)) + ":" + std::string(name.substr(13, 2)) + "Z";
  return ParseIsoTime(iso);
}

std::vector<std::string> ListSets(const fs::path& layer_dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(layer_dir, ec)) {
    std::string name = entry.path().filename().string();
    std::error_code type_ec;
    if (entry.is_directory(type_ec) && ParseSetName(name)) names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> DataFileNames(int count) {
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) {
    if (static_cast<size_t>(i) < kNamedFiles.size()) {
      names.emplace_back(kNamedFiles[static_cast<size_t>(i)]);
    } else {
      std::string number = std::to_string(i + 1);
      names.push_back("extra_" + std::string(number.size() < 2 ? 1 : 0, '0') + number + ".bin");
    }
  }
  return names;
}

Status WriteSet(const fs::path& layer_dir, const SetSpec& spec, const std::atomic<bool>& cancel) {
  const std::string name = SetName(spec.time);
  const fs::path target = layer_dir / name;
  const fs::path temp = layer_dir / (std::string(kTempPrefix) + name);
  std::error_code ec;
  fs::create_directories(layer_dir, ec);
  if (ec) return WriteError("cannot create " + layer_dir.string() + ": " + ec.message());
  if (fs::exists(target, ec)) {
    return WriteError("set " + name + " exists already in " + layer_dir.string());
  }
  fs::remove_all(temp, ec);  // an interrupted write's
  if (!fs::create_directory(temp, ec)) {
    return WriteError("cannot create " + temp.string() + (ec ? ": " + ec.message() : ""));
  }
  TempDir guard(temp);
  if (Status filled = FillSet(temp, spec, cancel); !filled.ok()) return filled;
  if (spec.backdate) Backdate(temp, spec.created_at);
  fs::rename(temp, target, ec);
  if (ec) return WriteError("cannot rename " + temp.string() + " to " + name + ": " + ec.message());
  guard.Release();
  return Status::Ok();
}

int RemoveLeftovers(const fs::path& layer_dir) {
  std::vector<fs::path> leftovers;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(layer_dir, ec)) {
    if (entry.path().filename().string().starts_with(kTempPrefix)) {
      leftovers.push_back(entry.path());
    }
  }
  int removed = 0;
  for (const fs::path& path : leftovers) {
    if (fs::remove_all(path, ec) > 0 && !ec) ++removed;
  }
  return removed;
}

}  // namespace usdcop::sim
