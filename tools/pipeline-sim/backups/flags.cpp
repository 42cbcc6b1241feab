#include "backups/flags.h"

#include <set>
#include <sstream>

#include "common/units.h"

namespace usdcop::sim {
namespace {

constexpr int kMaxFiles = 64;
constexpr int kMaxBackfill = 1000;
constexpr uint64_t kMaxFileSize = 256ULL << 20;
constexpr const char* kLayerNames[] = {"L0", "L1", "L2", "L3", "L4", "L5"};

bool IsLayerName(const std::string& name) {
  for (const char* layer : kLayerNames) {
    if (name == layer) return true;
  }
  return false;
}

// "L0,L3" as {"L0", "L3"}; an error on an unknown or repeated layer.
Result<std::vector<std::string>> ParseLayers(const std::string& text) {
  std::vector<std::string> layers;
  std::set<std::string> seen;
  std::istringstream in(text);
  for (std::string name; std::getline(in, name, ',');) {
    if (!IsLayerName(name) || !seen.insert(name).second) {
      return BadInput("--backups.layers",
                      "--backups.layers: expected distinct layers L0..L5 separated by commas, "
                      "got \"" +
                          text + "\"");
    }
    layers.push_back(name);
  }
  if (layers.empty()) return BadInput("--backups.layers", "--backups.layers: at least one layer");
  return layers;
}

// A duration in whole seconds, at least 1s; an error naming `flag` otherwise.
Result<std::chrono::seconds> ParseSeconds(const char* flag, const std::string& text) {
  auto d = ParseDuration(text);
  if (!d || *d < std::chrono::seconds(1) || d->count() % 1000 != 0) {
    return BadInput(flag, std::string(flag) +
                              ": expected whole seconds, at least 1s (like 3s, 6h, 30d), got \"" +
                              text + "\"");
  }
  return std::chrono::duration_cast<std::chrono::seconds>(*d);
}

Result<uint64_t> ParseFileSize(const std::string& text) {
  auto size = ParseSize(text);
  if (!size || *size == 0 || *size > kMaxFileSize) {
    return BadInput(
        "--backups.file-size",
        "--backups.file-size: expected 1 byte to 256MiB (like 64KiB, 1MiB), got \"" + text + "\"");
  }
  return *size;
}

Result<BackupSettings> ParseSettings(const BackupOptions& o) {
  BackupSettings s;
  s.root = std::filesystem::absolute(o.dir);
  auto layers = ParseLayers(o.layers);
  auto cadence = ParseSeconds("--backups.cadence", o.cadence);
  auto retention = ParseSeconds("--backups.retention", o.retention);
  auto size = ParseFileSize(o.file_size);
  // When several are wrong, the last of them is the one reported (as it always was).
  for (const Status& parsed :
       {size.status(), retention.status(), cadence.status(), layers.status()}) {
    if (!parsed.ok()) return parsed;
  }
  s.layers = *layers;
  s.cadence = *cadence;
  s.retention = *retention;
  s.file_size = *size;
  s.format = o.format == "sha256sums" ? ManifestFormat::kSha256Sums : ManifestFormat::kJson;
  s.files = o.files;
  s.backfill = o.backfill;
  return s;
}

}  // namespace

void AddBackupFlags(CLI::App& app, BackupOptions& o) {
  CLI::Option* dir =
      app.add_option("--backups.dir", o.dir, "write backup sets under DIR (DIR/l0 for L0, ...)");
  app.add_option("--backups.layers", o.layers, "layers to back up, L0[,L1,...]")
      ->capture_default_str()
      ->needs(dir);
  app.add_option("--backups.cadence", o.cadence, "one set per layer at each multiple of this")
      ->capture_default_str()
      ->needs(dir);
  app.add_option("--backups.format", o.format, "manifest: json (manifest.json) or sha256sums")
      ->capture_default_str()
      ->check(CLI::IsMember({"json", "sha256sums"}))
      ->needs(dir);
  app.add_option("--backups.files", o.files, "data files in each set")
      ->capture_default_str()
      ->check(CLI::Range(1, kMaxFiles))
      ->needs(dir);
  app.add_option("--backups.file-size", o.file_size, "size of each data file (KiB, MiB)")
      ->capture_default_str()
      ->needs(dir);
  app.add_option("--backups.backfill", o.backfill,
                 "at start, write the missing sets of the N most recent periods")
      ->capture_default_str()
      ->check(CLI::Range(0, kMaxBackfill))
      ->needs(dir);
  app.add_option("--backups.retention", o.retention, "delete sets older than this on each write")
      ->capture_default_str()
      ->needs(dir);
}

Result<std::unique_ptr<BackupWriter>> BuildBackupWriter(const BackupOptions& o) {
  if (o.dir.empty()) return std::unique_ptr<BackupWriter>();
  auto settings = ParseSettings(o);
  if (!settings.ok()) return settings.error();
  return std::make_unique<BackupWriter>(std::move(settings).value());
}

}  // namespace usdcop::sim
