#include "config/field_reader.h"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <regex>

#include "common/small_file.h"

namespace usdcop {
namespace {

std::string Quoted(const YAML::Node& node) {
  if (!node.IsScalar()) return node.IsMap() ? "a map" : node.IsSequence() ? "a list" : "null";
  return "\"" + node.Scalar() + "\"";
}

std::string Alternatives(std::span<const std::string_view> allowed) {
  std::string out;
  for (std::string_view a : allowed) out += (out.empty() ? "" : ", ") + std::string(a);
  return out;
}

}  // namespace

std::optional<std::string> ReadConfigText(const std::string& path, std::string_view what,
                                          std::string_view hint, std::vector<std::string>* errors) {
  auto text = ReadSmallFile(path, kMaxConfigFileBytes);
  if (!text.ok()) {
    errors->push_back(text.status().message() + " (" + std::string(what) + ": " +
                      std::string(hint) + ")");
    return std::nullopt;
  }
  return std::move(text).value();
}

std::optional<YAML::Node> ParseYaml(const std::string& text, const std::string& file,
                                    std::vector<std::string>* errors) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    std::string where = file;
    if (!e.mark.is_null())
      where += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    errors->push_back(where + ": not valid YAML: " + e.msg);
    return std::nullopt;
  }
}

std::string Join(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return std::string(path) + "." + std::string(key);
}

void FieldReader::Error(const YAML::Node& at, std::string_view path, std::string_view what) {
  std::string where = file_;
  YAML::Mark mark = at.IsDefined() ? at.Mark() : YAML::Mark::null_mark();
  if (!mark.is_null())
    where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  errors_->push_back(where + ": " + std::string(path) + ": " + std::string(what));
}

YAML::Node FieldReader::At(const YAML::Node& map, const char* key) {
  if (map.IsMap()) {
    YAML::Node v = map[key];
    if (v.IsDefined() && !v.Mark().is_null()) return v;
  }
  return map;
}

bool FieldReader::Map(const YAML::Node& node, std::string_view path,
                      std::initializer_list<std::string_view> allowed) {
  return Map(node, path, allowed, {});
}

bool FieldReader::Map(const YAML::Node& node, std::string_view path,
                      std::initializer_list<std::string_view> allowed,
                      std::initializer_list<RefusedKey> refused) {
  return Map(node, path, std::span<const std::string_view>(allowed.begin(), allowed.size()),
             std::span<const RefusedKey>(refused.begin(), refused.size()));
}

bool FieldReader::Map(const YAML::Node& node, std::string_view path,
                      std::span<const std::string_view> allowed,
                      std::span<const RefusedKey> refused) {
  if (node.IsNull()) return true;
  if (!node.IsMap()) {
    Error(node, path, "expected a map of " + Alternatives(allowed) + ", got " + Quoted(node));
    return false;
  }
  for (const auto& kv : node) {
    std::string key = kv.first.Scalar();
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    for (const RefusedKey& r : refused) {
      if (r.key != key) continue;
      Error(kv.first, Join(path, key), r.why);
      known = true;
    }
    if (!known)
      Error(kv.first, Join(path, key), "unknown key (allowed here: " + Alternatives(allowed) + ")");
  }
  return true;
}

bool FieldReader::List(const YAML::Node& node, std::string_view path) {
  if (node.IsSequence()) return true;
  Error(node, path, "expected a list, got " + Quoted(node));
  return false;
}

std::optional<std::vector<std::string>> FieldReader::StringList(const YAML::Node& map,
                                                                std::string_view path,
                                                                const char* key) {
  const YAML::Node list = map.IsMap() ? map[key] : YAML::Node();
  if (!list.IsDefined() || list.IsNull() || !List(list, Join(path, key))) return std::nullopt;
  std::vector<std::string> out;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string field = Join(path, key) + "[" + std::to_string(i) + "]";
    if (!list[i].IsScalar()) {
      Error(list[i], field, "expected a string, got " + Quoted(list[i]));
      return std::nullopt;
    }
    out.push_back(list[i].Scalar());
  }
  return out;
}

std::optional<std::string> FieldReader::String(const YAML::Node& map, std::string_view path,
                                               const char* key, bool required) {
  const YAML::Node v = map.IsMap() ? map[key] : YAML::Node();
  std::string field = Join(path, key);
  if (!v.IsDefined() || v.IsNull()) {
    if (required) Error(map, field, "is required");
    return std::nullopt;
  }
  if (!v.IsScalar()) {
    Error(v, field, "expected a string, got " + Quoted(v));
    return std::nullopt;
  }
  return v.Scalar();
}

std::optional<Duration> FieldReader::Dur(const YAML::Node& map, std::string_view path,
                                         const char* key, bool required, bool allow_zero) {
  auto text = String(map, path, key, required);
  if (!text) return std::nullopt;
  auto d = ParseDuration(*text);
  if (!d || (d->count() == 0 && !allow_zero)) {
    Error(map[key], Join(path, key), "\"" + *text + "\" is not a duration (use 30s, 5m)");
    return std::nullopt;
  }
  return d;
}

std::optional<int> FieldReader::Int(const YAML::Node& map, std::string_view path, const char* key,
                                    int min, int max) {
  auto text = String(map, path, key);
  if (!text) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(text->c_str(), &end, 10);
  if (errno != 0 || end == text->c_str() || *end != '\0' || v < min || v > max) {
    Error(map[key], Join(path, key),
          "\"" + *text + "\" is not a whole number from " + std::to_string(min) + " to " +
              std::to_string(max));
    return std::nullopt;
  }
  return static_cast<int>(v);
}

std::optional<bool> FieldReader::Bool(const YAML::Node& map, std::string_view path,
                                      const char* key) {
  auto text = Enum(map, path, key, {"true", "false"});
  if (!text) return std::nullopt;
  return *text == "true";
}

std::optional<std::uint64_t> FieldReader::Size(const YAML::Node& map, std::string_view path,
                                               const char* key) {
  auto text = String(map, path, key);
  if (!text) return std::nullopt;
  auto size = ParseSize(*text);
  if (!size)
    Error(map[key], Join(path, key),
          "\"" + *text + "\" is not a size (use 0, 512KiB, 200MiB, 1GiB)");
  return size;
}

std::optional<std::string> FieldReader::Enum(const YAML::Node& map, std::string_view path,
                                             const char* key,
                                             std::initializer_list<std::string_view> allowed) {
  auto text = String(map, path, key);
  if (!text) return std::nullopt;
  for (std::string_view a : allowed)
    if (a == *text) return text;
  Error(map[key], Join(path, key), "\"" + *text + "\" is not one of " + Alternatives(allowed));
  return std::nullopt;
}

std::optional<std::string> FieldReader::HttpUrl(const YAML::Node& map, std::string_view path,
                                                const char* key, bool required,
                                                std::string_view example) {
  static const std::regex kHttpUrl("^https?://[^\\s/?#@]+(/[^\\s?#]*)?$");
  return Url(map, path, key, required, kHttpUrl, "an http:// or https:// URL", example);
}

std::optional<std::string> FieldReader::WebSocketUrl(const YAML::Node& map, std::string_view path,
                                                     const char* key, bool required,
                                                     std::string_view example) {
  static const std::regex kWsUrl("^wss?://[^\\s/?#@]+(/[^\\s#]*)?$");
  return Url(map, path, key, required, kWsUrl, "a ws:// or wss:// URL", example);
}

std::optional<std::string> FieldReader::Url(const YAML::Node& map, std::string_view path,
                                            const char* key, bool required, const std::regex& shape,
                                            std::string_view kind, std::string_view example) {
  static const std::regex kUserInfo("^[a-z]+://[^/?#]*@.*$");
  auto url = String(map, path, key, required);
  if (!url) return std::nullopt;
  if (std::regex_match(*url, kUserInfo)) {
    // Not quoted back: the part before @ is a credential.
    Error(map[key], Join(path, key),
          "has credentials in it (user:password@); give them in the section's *_file or *_env "
          "fields");
    return std::nullopt;
  }
  if (!std::regex_match(*url, shape)) {
    Error(map[key], Join(path, key),
          "\"" + *url + "\" is not " + std::string(kind) + " (e.g. " + std::string(example) + ")");
    return std::nullopt;
  }
  return url;
}

std::optional<std::string> FieldReader::FilePath(const YAML::Node& map, std::string_view path,
                                                 const char* key, bool required) {
  auto text = String(map, path, key, required);
  if (!text) return std::nullopt;
  if (text->empty()) {
    Error(map[key], Join(path, key), "is empty (give a file path)");
    return std::nullopt;
  }
  std::filesystem::path p(*text);
  if (p.is_relative()) p = std::filesystem::path(base_dir_) / p;
  return p.lexically_normal().string();
}

std::optional<Secret> FieldReader::SecretField(const YAML::Node& map, std::string_view path,
                                               const std::string& name, bool required) {
  if (map.IsMap() && map[name].IsDefined()) {
    Error(map[name], Join(path, name),
          "secrets are not written in the config: use " + name + "_file or " + name + "_env");
    return std::nullopt;
  }
  std::string file_key = name + "_file", env_key = name + "_env";
  auto file = FilePath(map, path, file_key.c_str());
  auto env = String(map, path, env_key.c_str());
  if (file && env) {
    Error(map[env_key], Join(path, env_key),
          "give either " + file_key + " or " + env_key + ", not both");
    return std::nullopt;
  }
  if (env) {
    const char* value = std::getenv(env->c_str());
    if (value == nullptr || *value == '\0') {
      Error(map[env_key], Join(path, env_key),
            "environment variable " + *env + " is not set or empty");
      return std::nullopt;
    }
    return Secret(value);
  }
  if (file) {
    auto text = ReadSmallFile(*file, kMaxSecretFileBytes);
    if (!text.ok()) {
      std::string why = "cannot read " + text.status().message();
      if (text.status().reason() == Reason::kParse)
        why += "; point " + file_key + " at a regular file of at most " +
               ByteCountText(kMaxSecretFileBytes);
      Error(map[file_key], Join(path, file_key), why);
      return std::nullopt;
    }
    std::string value = std::move(text).value();
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    if (value.empty()) {
      Error(map[file_key], Join(path, file_key), "\"" + *file + "\" is empty");
      return std::nullopt;
    }
    return Secret(std::move(value));
  }
  if (required) Error(map, Join(path, file_key), "is required (or " + env_key + ")");
  return std::nullopt;
}

}  // namespace usdcop
