// One backup set on disk, as the pipeline's backup job leaves it: a directory named by its UTC
// time, YYYYMMDD_HHMMSS, in its layer's directory, holding data files and a manifest:
//   manifest.json  {"created_at": "<RFC 3339 UTC>", "layer": "L0",
//                   "files": [{"path", "size", "sha256"}]}
//   SHA256SUMS     "<64 lowercase hex>  <path>" per line, as sha256sum prints it
// Paths are relative to the set directory. File contents are pseudo-random but deterministic:
// the same layer, set time and file name always give the same bytes.
// Stateless functions; callers serialise changes to one layer directory.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/sim_time.h"
#include "shared/status.h"

namespace usdcop::sim {

enum class ManifestFormat { kJson, kSha256Sums };

// "manifest.json" or "SHA256SUMS".
std::string_view ManifestFileName(ManifestFormat format);
// "json" or "sha256sums", as --backups.format spells them.
std::string_view ManifestFormatName(ManifestFormat format);
bool IsManifestFileName(std::string_view name);

// "20261124_130500" for 2026-11-24T13:05:00Z (the fraction dropped), and back.
std::string SetName(Time t);
std::optional<Time> ParseSetName(std::string_view name);

// The names of the sets in `layer_dir`, oldest first: directories named YYYYMMDD_HHMMSS only
// (no hidden temporary directories). Empty when the directory cannot be read.
std::vector<std::string> ListSets(const std::filesystem::path& layer_dir);

// The data files of a set of `count` files: market_data.csv.gz, features.parquet,
// model_state.bin, then extra_04.bin, extra_05.bin, ...
std::vector<std::string> DataFileNames(int count);

struct SetSpec {
  std::string layer;      // "L0": in the manifest, and seeds the content
  Time time;              // names the set (whole seconds) and seeds the content
  Time created_at;        // the manifest's created_at
  bool backdate = false;  // files and directory get created_at as their mtime (backfill)
  ManifestFormat format = ManifestFormat::kJson;
  std::vector<std::string> files;
  uint64_t file_size = 0;  // bytes, each file
};

// Writes the set into layer_dir/.tmp-<name>, then renames that to layer_dir/<name>, so that a
// reader never sees half a set. Creates layer_dir when missing. A kIo error (field "filesystem")
// when a write fails, the set exists already or `cancel` turns true between two files; the
// temporary directory is removed then.
Status WriteSet(const std::filesystem::path& layer_dir, const SetSpec& spec,
                const std::atomic<bool>& cancel);

// Removes the hidden .tmp-* directories of writes a crash interrupted; answers how many.
int RemoveLeftovers(const std::filesystem::path& layer_dir);

}  // namespace usdcop::sim
