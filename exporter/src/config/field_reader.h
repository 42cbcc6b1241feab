// Reads typed fields out of a YAML tree and reports every problem with its place:
// `config.yml:14:5: probes.pipeline.interval: "5x" is not a duration (use 30s, 5m)`.
// It collects errors rather than stopping at the first, so that --config.check lists them all.
// Not thread-safe; one reader per load.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <regex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/secret.h"
#include "common/units.h"

namespace usdcop {

// A key of a format that this program recognises but does not honour: reported with `why`
// (what is not supported and what to do) rather than as an unknown key.
struct RefusedKey {
  std::string_view key;
  std::string_view why;
};

class FieldReader {
 public:
  FieldReader(std::string file, std::string base_dir, std::vector<std::string>* errors)
      : file_(std::move(file)), base_dir_(std::move(base_dir)), errors_(errors) {}

  void Error(const YAML::Node& at, std::string_view path, std::string_view what);
  bool ok() const { return errors_->empty(); }

  // True if `node` is a map whose keys are all in `allowed`; reports each unknown key.
  // A null node (an empty section) counts as an empty map.
  bool Map(const YAML::Node& node, std::string_view path,
           std::initializer_list<std::string_view> allowed);
  // The same, reporting each key of `refused` present with its reason.
  bool Map(const YAML::Node& node, std::string_view path,
           std::initializer_list<std::string_view> allowed,
           std::initializer_list<RefusedKey> refused);
  // The same, for keys known only at run time (the table of probe kinds).
  bool Map(const YAML::Node& node, std::string_view path, std::span<const std::string_view> allowed,
           std::span<const RefusedKey> refused = {});
  // True if `node` is a sequence (reported otherwise).
  bool List(const YAML::Node& node, std::string_view path);
  // map[key] as a list of strings; nullopt when absent or invalid (reported).
  std::optional<std::vector<std::string>> StringList(const YAML::Node& map, std::string_view path,
                                                     const char* key);

  // Each reads map[key]; nullopt when absent (reported if required) or invalid (reported).
  std::optional<std::string> String(const YAML::Node& map, std::string_view path, const char* key,
                                    bool required = false);
  std::optional<Duration> Dur(const YAML::Node& map, std::string_view path, const char* key,
                              bool required = false, bool allow_zero = false);
  std::optional<bool> Bool(const YAML::Node& map, std::string_view path, const char* key);
  // A size: 512, 64KiB, 200MiB, 1GiB.
  std::optional<std::uint64_t> Size(const YAML::Node& map, std::string_view path, const char* key);
  std::optional<int> Int(const YAML::Node& map, std::string_view path, const char* key, int min,
                         int max);
  // One of the allowed words.
  std::optional<std::string> Enum(const YAML::Node& map, std::string_view path, const char* key,
                                  std::initializer_list<std::string_view> allowed);
  // An http:// or https:// URL without credentials in it; `example` goes into the message.
  std::optional<std::string> HttpUrl(const YAML::Node& map, std::string_view path, const char* key,
                                     bool required, std::string_view example);
  // A ws:// or wss:// URL without credentials in it.
  std::optional<std::string> WebSocketUrl(const YAML::Node& map, std::string_view path,
                                          const char* key, bool required, std::string_view example);
  // A file path, made absolute against the config file's directory.
  std::optional<std::string> FilePath(const YAML::Node& map, std::string_view path, const char* key,
                                      bool required = false);
  // A secret given as `<name>_file` (read, trailing newline dropped) or `<name>_env`.
  // Inline `<name>` is refused: secrets never sit in the config file. The file must be a regular
  // file of at most kMaxSecretFileBytes (ReadSmallFile: a FIFO or /dev/zero is refused at once).
  std::optional<Secret> SecretField(const YAML::Node& map, std::string_view path,
                                    const std::string& name, bool required);

  // The mark-bearing node for map[key], or the map itself when the key is absent.
  static YAML::Node At(const YAML::Node& map, const char* key);

 private:
  std::optional<std::string> Url(const YAML::Node& map, std::string_view path, const char* key,
                                 bool required, const std::regex& shape, std::string_view kind,
                                 std::string_view example);

  std::string file_;
  std::string base_dir_;
  std::vector<std::string>* errors_;
};

// A config file (the config, the web config) is a regular file of at most this.
inline constexpr std::size_t kMaxConfigFileBytes = 16 << 20;

// The whole of a file (ReadSmallFile, at most kMaxConfigFileBytes), or nullopt with
// "<path>: <why> (<what>: <hint>)" in *errors.
std::optional<std::string> ReadConfigText(const std::string& path, std::string_view what,
                                          std::string_view hint, std::vector<std::string>* errors);
// YAML text as a tree, or nullopt with "<file>:line:col: not valid YAML: ..." in *errors.
std::optional<YAML::Node> ParseYaml(const std::string& text, const std::string& file,
                                    std::vector<std::string>* errors);

// `parse(text, file)`, a function returning a load (a struct with `errors`), with a yaml-cpp
// exception that escapes the readers (a shape they did not expect) turned into an error.
template <typename Load, typename Parse>
Load ParseGuarded(const std::string& text, const std::string& file, Parse parse) {
  try {
    return parse(text, file);
  } catch (const YAML::Exception& e) {
    Load load;
    load.errors.push_back(file + ": " + e.what());
    return load;
  }
}

// The same for a file's text; a file that cannot be read is an error as ReadConfigText says.
template <typename Load, typename Parse>
Load ParseGuardedFile(const std::string& path, std::string_view what, std::string_view hint,
                      Parse parse) {
  Load load;
  std::optional<std::string> text = ReadConfigText(path, what, hint, &load.errors);
  return text ? ParseGuarded<Load>(*text, path, parse) : load;
}

// "a.b" + "c" -> "a.b.c"; "" + "c" -> "c".
std::string Join(std::string_view path, std::string_view key);

}  // namespace usdcop
