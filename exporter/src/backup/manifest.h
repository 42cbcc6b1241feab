// The manifest of a backup set, in either of its two formats, as one struct:
//  - manifest.json: {"created_at": RFC 3339, "layer": "L0",
//                    "files": [{"path": "a.csv.gz", "size": 123, "sha256": "<64 hex>"}, ...]}
//    (created_at, layer and each size optional; other keys ignored);
//  - SHA256SUMS, as `sha256sum` writes it: "<64 hex>  <path>" or "<64 hex> *<path>" (binary
//    mode), one file per line, with GNU's escaped form ("\<hex>  a\\b") for names holding a
//    backslash or a newline; no sizes.
// A manifest is rejected whole (Reason::kParse, naming the manifest and the line or entry) when
// it is malformed, a digest is not 64 hex digits, a path repeats, or a path is unsafe: empty,
// absolute, or with a ".." component. Paths are normalised ("./a//b" -> "a/b").
//
// Whether a path that passes these checks leads outside the backup root through a symlink is
// decided on disk by ResolveBelowRoot. Pure functions apart from the reads; thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/units.h"

namespace usdcop {

inline constexpr std::string_view kJsonManifestName = "manifest.json";
inline constexpr std::string_view kSha256SumsName = "SHA256SUMS";

enum class ManifestFormat { kJson, kSha256Sums };

struct ManifestEntry {
  std::string path;                   // normalised, relative to the set directory
  std::optional<std::uint64_t> size;  // manifest.json only
  std::string sha256;                 // 64 lowercase hex digits
};

struct Manifest {
  ManifestFormat format = ManifestFormat::kJson;
  std::optional<SysTime> created_at;  // manifest.json only
  std::optional<std::string> layer;   // manifest.json only
  std::vector<ManifestEntry> entries;
};

// `name` (the manifest's path) prefixes every error message.
Result<Manifest> ParseJsonManifest(std::string_view text, const std::string& name);
Result<Manifest> ParseSha256Sums(std::string_view text, const std::string& name);

// A manifest file as read, before parsing.
struct ManifestFile {
  std::string path;
  ManifestFormat format = ManifestFormat::kJson;
  std::string text;
};

// Reads the manifest of the set directory `set_dir`: manifest.json when present, else SHA256SUMS,
// by ReadSmallFile. Neither present, a manifest that is a symlink, not a regular file or larger
// than `max_bytes`: Reason::kParse; one that cannot be read: Reason::kIo ("PATH: <strerror>").
Result<ManifestFile> ReadManifestFile(const std::string& set_dir,
                                      std::uint64_t max_bytes = 64 << 20);
// True when the set directory holds a manifest as ReadManifestFile takes it: manifest.json or
// SHA256SUMS, a regular file and not a symlink.
bool HasManifest(const std::filesystem::path& set_dir);
// Parses a manifest file by its format.
Result<Manifest> ParseManifest(const ManifestFile& file);
// ReadManifestFile, then ParseManifest.
Result<Manifest> ReadManifest(const std::string& set_dir, std::uint64_t max_bytes = 64 << 20);

// Where the manifest path `relative` (already normalised) below `set_dir` leads, symlinks
// followed: a lexically normal absolute path that may not exist. Reason::kParse when it
// resolves outside `canonical_root` (which must be canonical: no symlinks, "." or ".."), so
// that it is never read; Reason::kIo when the resolution itself fails (a loop, no permission).
Result<std::filesystem::path> ResolveBelowRoot(const std::filesystem::path& canonical_root,
                                               const std::filesystem::path& set_dir,
                                               std::string_view relative);

// True when `path` is `root` or lies below it (both lexically normal and absolute), by
// lexically_relative: no ".." out of `root`.
bool IsWithin(const std::filesystem::path& root, const std::filesystem::path& path);

}  // namespace usdcop
