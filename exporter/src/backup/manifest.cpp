#include "backup/manifest.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "common/small_file.h"

namespace usdcop {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

Status Bad(const std::string& name, const std::string& what) {
  return Status(Reason::kParse, name + ": " + what);
}

// No empty, "." or ".." component: the common case, kept as it is.
bool IsNormal(std::string_view path) {
  if (path.empty() || path.back() == '/') return false;
  for (std::size_t start = 0; start < path.size();) {
    std::size_t end = std::min(path.find('/', start), path.size());
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

// A manifest path made relative and normal ("./a//b" -> "a/b"), or why it is unsafe.
Result<std::string> NormalisePath(std::string_view path) {
  if (path.empty()) return Status(Reason::kParse, "empty path");
  if (path.find('\0') != std::string_view::npos)
    return Status(Reason::kParse, "path holds a NUL byte");
  if (path.front() == '/') return Status(Reason::kParse, "absolute path");
  if (IsNormal(path)) return std::string(path);
  std::string out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = std::min(path.find('/', start), path.size());
    std::string_view part = path.substr(start, end - start);
    if (part == "..") return Status(Reason::kParse, "path has a '..' component");
    if (!part.empty() && part != ".") {
      if (!out.empty()) out += '/';
      out += part;
    }
    start = end + 1;
  }
  if (out.empty()) return Status(Reason::kParse, "path names the set directory itself");
  return out;
}

// 64 hex digits, lowercased; nullopt for anything else.
std::optional<std::string> Digest(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  std::string out(hex);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F')
      c = static_cast<char>(c - 'A' + 'a');
    else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return std::nullopt;
  }
  return out;
}

// Adds entries unless their path repeats. `where(i)` names the i-th added entry in errors (built
// only for an error: a manifest may list 100,000 files).
class EntryList {
 public:
  using Where = std::string (*)(std::size_t);
  EntryList(const std::string& name, Manifest& m, Where where)
      : name_(name), m_(m), where_(where) {}
  Status Add(ManifestEntry entry, std::size_t index) {
    auto [it, fresh] = seen_.emplace(entry.path, index);
    if (!fresh)
      return Bad(name_, where_(index) + ": \"" + entry.path + "\" is listed twice (also " +
                            where_(it->second) + ")");
    m_.entries.push_back(std::move(entry));
    return Status::Ok();
  }

 private:
  const std::string& name_;
  Manifest& m_;
  const Where where_;
  std::unordered_map<std::string, std::size_t> seen_;  // path -> where it was listed
};

std::string JsonWhere(std::size_t i) { return "files[" + std::to_string(i) + "]"; }
std::string LineWhere(std::size_t line) { return "line " + std::to_string(line); }

Result<ManifestEntry> JsonEntry(const json& f, const std::string& name, std::size_t i) {
  if (!f.is_object()) return Bad(name, JsonWhere(i) + " is not an object");
  auto path = f.find("path");
  if (path == f.end() || !path->is_string())
    return Bad(name, JsonWhere(i) + ": no string \"path\"");
  const std::string& raw = path->get_ref<const std::string&>();
  auto here = [&] { return JsonWhere(i) + " (\"" + raw + "\")"; };
  auto normal = NormalisePath(raw);
  if (!normal.ok()) return Bad(name, here() + ": " + normal.status().message());
  ManifestEntry e{std::move(normal).value(), std::nullopt, ""};
  auto sha = f.find("sha256");
  std::optional<std::string> digest;
  if (sha != f.end() && sha->is_string()) digest = Digest(sha->get_ref<const std::string&>());
  if (!digest) return Bad(name, here() + ": \"sha256\" is not 64 hex digits");
  e.sha256 = std::move(*digest);
  if (auto size = f.find("size"); size != f.end()) {
    if (!size->is_number_unsigned())
      return Bad(name, here() + ": \"size\" is not a whole number of bytes");
    e.size = size->get<std::uint64_t>();
  }
  return e;
}

// GNU sha256sum's escaped names: "\\" is a backslash, "\n" a newline.
std::optional<std::string> Unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (++i == s.size()) return std::nullopt;
    if (s[i] == '\\')
      out += '\\';
    else if (s[i] == 'n')
      out += '\n';
    else
      return std::nullopt;
  }
  return out;
}

Result<ManifestEntry> SumsLine(std::string_view line) {
  const bool escaped = !line.empty() && line.front() == '\\';
  if (escaped) line.remove_prefix(1);
  std::optional<std::string> digest = Digest(line.substr(0, 64));
  if (!digest || line.size() < 67 || line[64] != ' ' || (line[65] != ' ' && line[65] != '*'))
    return Status(
        Reason::kParse,
        "expected \"<64 hex digits>  <path>\" as sha256sum writes it (--tag is not supported)");
  std::optional<std::string> raw = std::string(line.substr(66));
  if (escaped) raw = Unescape(*raw);
  if (!raw) return Status(Reason::kParse, "bad escape in an escaped file name");
  auto normal = NormalisePath(*raw);
  if (!normal.ok()) return Status(Reason::kParse, "\"" + *raw + "\": " + normal.status().message());
  return ManifestEntry{*normal, std::nullopt, std::move(*digest)};
}

}  // namespace

Result<Manifest> ParseJsonManifest(std::string_view text, const std::string& name) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    // A parse error, or a number beyond a double (out_of_range.406: "1e400").
    std::string what = e.what();  // "[json.exception.parse_error.101] parse error at line 3, ..."
    if (auto p = what.find("] "); p != std::string::npos) what.erase(0, p + 2);
    return Bad(name, "not JSON: " + what);
  }
  if (!j.is_object()) return Bad(name, "not a JSON object");
  Manifest m;
  m.format = ManifestFormat::kJson;
  if (auto c = j.find("created_at"); c != j.end()) {
    std::optional<SysTime> t;
    if (c->is_string()) t = ParseTimestamp(c->get_ref<const std::string&>());
    if (!t) return Bad(name, "\"created_at\" is not an RFC 3339 time");
    m.created_at = t;
  }
  if (auto l = j.find("layer"); l != j.end()) {
    if (!l->is_string()) return Bad(name, "\"layer\" is not a string");
    m.layer = l->get<std::string>();
  }
  auto files = j.find("files");
  if (files == j.end() || !files->is_array()) return Bad(name, "no \"files\" array");
  m.entries.reserve(files->size());
  EntryList list(name, m, JsonWhere);
  for (std::size_t i = 0; i < files->size(); ++i) {
    auto e = JsonEntry((*files)[i], name, i);
    if (!e.ok()) return e.status();
    if (Status s = list.Add(std::move(e).value(), i); !s.ok()) return s;
  }
  return m;
}

Result<Manifest> ParseSha256Sums(std::string_view text, const std::string& name) {
  Manifest m;
  m.format = ManifestFormat::kSha256Sums;
  EntryList list(name, m, LineWhere);
  std::size_t line_no = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    auto e = SumsLine(line);
    if (!e.ok()) return Bad(name, LineWhere(line_no) + ": " + e.status().message());
    if (Status s = list.Add(std::move(e).value(), line_no); !s.ok()) return s;
  }
  return m;
}

Result<ManifestFile> ReadManifestFile(const std::string& set_dir, std::uint64_t max_bytes) {
  for (std::string_view name : {kJsonManifestName, kSha256SumsName}) {
    ManifestFile file;
    file.path = set_dir + "/" + std::string(name);
    file.format = name == kJsonManifestName ? ManifestFormat::kJson : ManifestFormat::kSha256Sums;
    struct stat st {};
    if (::lstat(file.path.c_str(), &st) != 0 && errno == ENOENT) continue;
    auto text =
        ReadSmallFile(file.path, static_cast<std::size_t>(max_bytes), FinalSymlink::kRefuse);
    if (!text.ok()) return text.status();
    file.text = std::move(text).value();
    return file;
  }
  return Status(Reason::kParse, set_dir + ": no " + std::string(kJsonManifestName) + " or " +
                                    std::string(kSha256SumsName) + " (an empty or unfinished set)");
}

Result<Manifest> ParseManifest(const ManifestFile& file) {
  return file.format == ManifestFormat::kJson ? ParseJsonManifest(file.text, file.path)
                                              : ParseSha256Sums(file.text, file.path);
}

Result<Manifest> ReadManifest(const std::string& set_dir, std::uint64_t max_bytes) {
  auto file = ReadManifestFile(set_dir, max_bytes);
  if (!file.ok()) return file.status();
  return ParseManifest(*file);
}

bool IsWithin(const fs::path& root, const fs::path& path) {
  const fs::path rel = path.lexically_relative(root);  // "root/" too; empty when one is relative
  return !rel.empty() && *rel.begin() != "..";
}

Result<fs::path> ResolveBelowRoot(const fs::path& canonical_root, const fs::path& set_dir,
                                  std::string_view relative) {
  const fs::path joined = set_dir / fs::path(relative);
  std::error_code ec;
  fs::path resolved = fs::weakly_canonical(joined, ec);
  if (ec) return Status(Reason::kIo, joined.string() + ": cannot resolve: " + ec.message());
  if (!IsWithin(canonical_root, resolved))
    return Status(Reason::kParse, std::string(relative) + " resolves to " + resolved.string() +
                                      ", outside the backup root " + canonical_root.string());
  return resolved;
}

bool HasManifest(const std::filesystem::path& set_dir) {
  std::error_code ec;
  for (std::string_view name : {kJsonManifestName, kSha256SumsName})
    if (std::filesystem::is_regular_file(std::filesystem::symlink_status(set_dir / name, ec)))
      return true;
  return false;
}

}  // namespace usdcop
