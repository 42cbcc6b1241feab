// pipeline-sim's backup sets: the startup backfill, sets on the cadence, manifests that match their
// files (sha256 recomputed here with OpenSSL, and by sha256sum for the SHA256SUMS format), each
// fault changing exactly what it says, skip_period, retention, the create endpoint, and I/O errors
// the simulator survives. Short cadences (2s) keep each test within seconds; every wait is bounded.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/control_client.h"
#include "support/stack.h"

namespace usdcop::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// "2026-11-24T13:05:00Z" (a fraction is allowed) as Unix seconds; nullopt for anything else.
std::optional<std::time_t> UnixSeconds(const std::string& text) {
  std::tm tm{};
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6 ||
      text.empty() || text.back() != 'Z')
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return timegm(&tm);
}

// "20261124_130500" as Unix seconds; nullopt for any other name.
std::optional<std::time_t> SetTime(const std::string& name) {
  if (!std::regex_match(name, std::regex(R"(\d{8}_\d{6})"))) return std::nullopt;
  return UnixSeconds(name.substr(0, 4) + "-" + name.substr(4, 2) + "-" + name.substr(6, 2) + "T" +
                     name.substr(9, 2) + ":" + name.substr(11, 2) + ":" + name.substr(13, 2) + "Z");
}

// Every entry of a directory by name, sorted (empty when it does not exist).
std::vector<std::string> Entries(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// The set directories of a layer directory, oldest first.
std::vector<std::string> Sets(const fs::path& layer_dir) {
  std::vector<std::string> sets;
  for (const std::string& name : Entries(layer_dir)) {
    if (SetTime(name) && fs::is_directory(layer_dir / name)) sets.push_back(name);
  }
  return sets;
}

// Nothing but sets in the layer directory (no .tmp- directory): call between two writes.
::testing::AssertionResult OnlySets(const fs::path& layer_dir) {
  std::vector<std::string> entries = Entries(layer_dir);
  if (entries == Sets(layer_dir)) return ::testing::AssertionSuccess();
  ::testing::AssertionResult failure = ::testing::AssertionFailure() << layer_dir << " holds";
  for (const std::string& name : entries) failure << " " << name;
  return failure;
}

struct FileInfo {
  uintmax_t size = 0;
  std::string sha256;
  bool operator==(const FileInfo&) const = default;
};

// Every file of a set, manifest included, with its size and digest.
std::map<std::string, FileInfo> SetFiles(const fs::path& set_dir) {
  std::map<std::string, FileInfo> files;
  for (const std::string& name : Entries(set_dir)) {
    std::string data = ReadFile(set_dir / name);
    files[name] = FileInfo{data.size(), Sha256Hex(data)};
  }
  return files;
}

// manifest.json parses, names the layer and a UTC time, and lists exactly the set's data files with
// their sizes and digests.
::testing::AssertionResult JsonManifestMatches(const fs::path& set_dir, const std::string& layer) {
  json manifest =
      json::parse(ReadFile(set_dir / "manifest.json"), nullptr, /*allow_exceptions=*/false);
  if (!manifest.is_object())
    return ::testing::AssertionFailure() << set_dir << ": manifest.json is not a JSON object";
  if (manifest.value("layer", "") != layer)
    return ::testing::AssertionFailure() << set_dir << ": " << manifest.dump();
  if (!std::regex_match(manifest.value("created_at", ""),
                        std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)")))
    return ::testing::AssertionFailure() << set_dir << ": created_at " << manifest.dump();
  std::map<std::string, FileInfo> listed;
  for (const json& f : manifest.value("files", json::array()))
    listed[f.at("path").get<std::string>()] =
        FileInfo{f.at("size").get<uintmax_t>(), f.at("sha256").get<std::string>()};
  std::map<std::string, FileInfo> present = SetFiles(set_dir);
  present.erase("manifest.json");
  if (listed.size() != 3 || listed != present)
    return ::testing::AssertionFailure() << set_dir << ": the manifest lists " << manifest.dump();
  return ::testing::AssertionSuccess();
}

// `sha256sum --check --strict` passes in the set directory, and SHA256SUMS lists every data file.
::testing::AssertionResult Sha256SumsMatch(const fs::path& set_dir) {
  CommandResult r = RunCommand(
      {"sh", "-c", "cd '" + set_dir.string() + "' && sha256sum --check --strict SHA256SUMS"}, "");
  if (r.exit_code != 0) return ::testing::AssertionFailure() << set_dir << ": " << r.output;
  std::string sums = ReadFile(set_dir / "SHA256SUMS");
  size_t lines = static_cast<size_t>(std::count(sums.begin(), sums.end(), '\n'));
  if (lines != Entries(set_dir).size() - 1)
    return ::testing::AssertionFailure() << set_dir << ": " << sums;
  return ::testing::AssertionSuccess();
}

json ParseObject(const std::string& body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  EXPECT_TRUE(parsed.is_object()) << body;
  return parsed.is_object() ? parsed : json::object();
}

class SimBackupsIT : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> args) {
    args.insert(args.begin(), {"--backups.dir", Root().string()});
    stack_.StartSim(args);
  }
  fs::path Root() const { return fs::path(stack_.Dir()) / "backups"; }
  fs::path L0() const { return Root() / "l0"; }
  // POST on the control endpoint: the status, the JSON answer in *body.
  int Post(const std::string& path, const std::string& request, json* body) const {
    std::string response;
    int status = HttpPost(stack_.sim_port(), path, request, &response);
    *body = ParseObject(response);
    return status;
  }
  // A fault that must succeed: its answer.
  json Fault(const std::string& request) const {
    json answer;
    EXPECT_EQ(Post("/sim/backups/fault", request, &answer), 200)
        << request << ": " << answer.dump();
    return answer;
  }
  json State() const {
    std::string body;
    EXPECT_EQ(HttpGetStatus(stack_.sim_port(), "/sim/backups/state", &body), 200) << body;
    return ParseObject(body);
  }
  // Waits (bounded) until the layer holds a set later than `than`.
  bool WaitForSetAfter(const fs::path& layer_dir, const std::string& than,
                       std::chrono::milliseconds limit = 8s) const {
    return Eventually([&] { return !Sets(layer_dir).empty() && Sets(layer_dir).back() > than; },
                      limit);
  }

  Stack stack_;
};

TEST_F(SimBackupsIT, BackfillWritesSetsWhoseManifestsMatchTheirFiles) {
  Start({"--backups.cadence", "2s", "--backups.backfill", "3"});
  std::time_t started = std::time(nullptr);
  std::vector<std::string> sets = Sets(L0());
  ASSERT_GE(sets.size(), 3u);
  EXPECT_TRUE(OnlySets(L0()));
  for (size_t i = 0; i < sets.size(); ++i) {
    std::time_t t = SetTime(sets[i]).value_or(0);
    EXPECT_EQ(t % 2, 0) << sets[i] << " is not on the cadence";
    if (i > 0) {
      EXPECT_EQ(t - SetTime(sets[i - 1]).value_or(0), 2) << sets[i];
    }
    EXPECT_TRUE(JsonManifestMatches(L0() / sets[i], "L0"));
    EXPECT_EQ(fs::file_size(L0() / sets[i] / "market_data.csv.gz"), 65536u);
  }
  // The newest is the current period's set, the others are the periods before it.
  EXPECT_LE(SetTime(sets.back()).value_or(0), started);
  EXPECT_GE(SetTime(sets.back()).value_or(0), started - 3);
  EXPECT_EQ(Entries(L0() / sets[0]),
            (std::vector<std::string>{"features.parquet", "manifest.json", "market_data.csv.gz",
                                      "model_state.bin"}));
  // A backfilled set looks written on time: created_at is its period's time.
  json manifest = json::parse(ReadFile(L0() / sets[0] / "manifest.json"));
  EXPECT_EQ(UnixSeconds(manifest.value("created_at", "")), SetTime(sets[0])) << manifest.dump();
}

TEST_F(SimBackupsIT, Sha256SumsSetsPassSha256sumCheckInEveryLayer) {
  Start({"--backups.format", "sha256sums", "--backups.layers", "L0,L1", "--backups.cadence", "1h",
         "--backups.backfill", "3", "--backups.files", "4", "--backups.file-size", "1MiB"});
  for (const char* layer : {"l0", "l1"}) {
    std::vector<std::string> sets = Sets(Root() / layer);
    ASSERT_EQ(sets.size(), 3u) << layer;
    for (const std::string& set : sets) {
      EXPECT_TRUE(Sha256SumsMatch(Root() / layer / set));
      EXPECT_EQ(fs::file_size(Root() / layer / set / "extra_04.bin"), 1u << 20);
      EXPECT_FALSE(fs::exists(Root() / layer / set / "manifest.json"));
    }
  }
  // Contents depend on the layer: the two layers' sets of one period differ.
  std::string set = Sets(L0()).back();
  EXPECT_NE(ReadFile(L0() / set / "SHA256SUMS"), ReadFile(Root() / "l1" / set / "SHA256SUMS"));
}

TEST_F(SimBackupsIT, NewSetsAppearOnTheCadence) {
  Start({"--backups.cadence", "2s", "--backups.backfill", "1"});
  std::vector<std::string> before = Sets(L0());
  // The backfilled set, and the next one when a period began between the backfill and this look.
  ASSERT_GE(before.size(), 1u);
  ASSERT_LE(before.size(), 2u);
  ASSERT_TRUE(WaitForSetAfter(L0(), before.back())) << stack_.Dir();
  ASSERT_TRUE(WaitForSetAfter(L0(), Sets(L0()).back())) << stack_.Dir();
  EXPECT_TRUE(OnlySets(L0()));  // the set just written is complete; the next write is ~2 s away
  std::vector<std::string> after = Sets(L0());
  ASSERT_GE(after.size(), 3u);
  EXPECT_EQ(SetTime(after[1]).value_or(0) - SetTime(after[0]).value_or(0), 2);
  EXPECT_EQ(SetTime(after[2]).value_or(0) - SetTime(after[1]).value_or(0), 2);
  for (const std::string& set : after) EXPECT_TRUE(JsonManifestMatches(L0() / set, "L0"));
  json layer = State()["layers"]["L0"];
  EXPECT_GE(layer["sets_written"].get<int>(), 3);
  EXPECT_EQ(layer["newest_set"], Sets(L0()).back());
  EXPECT_EQ(layer["errors"], 0);
}

TEST_F(SimBackupsIT, LeftoversOfAnInterruptedWriteAreRemovedAtStart) {
  fs::create_directories(L0() / ".tmp-20200101_000000");
  std::ofstream(L0() / ".tmp-20200101_000000" / "market_data.csv.gz") << "half";
  Start({"--backups.cadence", "1h", "--backups.backfill", "1"});
  EXPECT_TRUE(OnlySets(L0()));
  EXPECT_EQ(Sets(L0()).size(), 1u);
}

TEST_F(SimBackupsIT, RestartDoesNotDuplicateSets) {
  const std::vector<std::string> args = {"--backups.cadence", "1h", "--backups.backfill", "3"};
  Start(args);
  std::vector<std::string> first = Sets(L0());
  ASSERT_EQ(first.size(), 3u);
  std::string manifest = ReadFile(L0() / first.back() / "manifest.json");
  Start(args);
  EXPECT_EQ(Sets(L0()), first);
  EXPECT_EQ(ReadFile(L0() / first.back() / "manifest.json"), manifest);
  EXPECT_EQ(State()["layers"]["L0"]["sets_written"], 0);
}

class SimBackupsFaultsIT : public SimBackupsIT {
 protected:
  void SetUp() override {
    Start({"--backups.cadence", "1h", "--backups.backfill", "2"});
    ASSERT_EQ(Sets(L0()).size(), 2u);
    newest_ = L0() / Sets(L0()).back();
    before_ = SetFiles(newest_);
  }
  // The newest set's files, less `file`, are as they were.
  void ExpectOthersUnchanged(const std::string& file) {
    std::map<std::string, FileInfo> now = SetFiles(newest_), then = before_;
    now.erase(file);
    then.erase(file);
    EXPECT_EQ(now, then) << "only " << file << " may change";
    EXPECT_TRUE(JsonManifestMatches(L0() / Sets(L0()).front(), "L0"))
        << "the older set is untouched";
  }
  void ExpectAnswer(const json& answer, const std::string& fault, const std::string& file) {
    EXPECT_EQ(answer["fault"], fault) << answer.dump();
    EXPECT_EQ(answer["layer"], "L0") << answer.dump();
    EXPECT_EQ(answer["set"], newest_.filename().string()) << answer.dump();
    EXPECT_EQ(answer["file"], file) << answer.dump();
  }

  fs::path newest_;
  std::map<std::string, FileInfo> before_;
};

TEST_F(SimBackupsFaultsIT, FlipByteKeepsTheSizeAndChangesTheDigest) {
  ExpectAnswer(Fault(R"({"fault": "flip_byte"})"), "flip_byte", "market_data.csv.gz");
  FileInfo after = SetFiles(newest_)["market_data.csv.gz"];
  EXPECT_EQ(after.size, before_["market_data.csv.gz"].size);
  EXPECT_NE(after.sha256, before_["market_data.csv.gz"].sha256);
  ExpectOthersUnchanged("market_data.csv.gz");
  json layer = State()["layers"]["L0"];
  EXPECT_EQ(layer["faults_applied"], 1);
  EXPECT_EQ(layer["recent_faults"][0]["fault"], "flip_byte");
}

TEST_F(SimBackupsFaultsIT, TruncateHalvesTheNamedFile) {
  ExpectAnswer(Fault(R"({"fault": "truncate", "layer": "L0", "file": "features.parquet"})"),
               "truncate", "features.parquet");
  EXPECT_EQ(fs::file_size(newest_ / "features.parquet"), before_["features.parquet"].size / 2);
  ExpectOthersUnchanged("features.parquet");
}

TEST_F(SimBackupsFaultsIT, DeleteFileRemovesOnlyThatFile) {
  ExpectAnswer(Fault(R"({"fault": "delete_file", "file": "model_state.bin"})"), "delete_file",
               "model_state.bin");
  EXPECT_FALSE(fs::exists(newest_ / "model_state.bin"));
  EXPECT_EQ(Entries(newest_).size(), before_.size() - 1);
  ExpectOthersUnchanged("model_state.bin");
}

TEST_F(SimBackupsFaultsIT, UnlistedFileAddsOneFileTheManifestDoesNotList) {
  ExpectAnswer(Fault(R"({"fault": "unlisted_file"})"), "unlisted_file", "stray.tmp");
  EXPECT_EQ(Entries(newest_).size(), before_.size() + 1);
  EXPECT_TRUE(fs::is_regular_file(newest_ / "stray.tmp"));
  EXPECT_EQ(ReadFile(newest_ / "manifest.json").find("stray.tmp"), std::string::npos);
  ExpectOthersUnchanged("stray.tmp");
  ExpectAnswer(Fault(R"({"fault": "unlisted_file", "file": "partial.csv"})"), "unlisted_file",
               "partial.csv");
  EXPECT_EQ(Entries(newest_).size(), before_.size() + 2);
}

TEST_F(SimBackupsFaultsIT, BreakManifestLeavesItUnparseable) {
  ExpectAnswer(Fault(R"({"fault": "break_manifest"})"), "break_manifest", "manifest.json");
  EXPECT_TRUE(json::parse(ReadFile(newest_ / "manifest.json"), nullptr, false).is_discarded());
  ExpectOthersUnchanged("manifest.json");
}

TEST_F(SimBackupsFaultsIT, BadRequestsAre400WithTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({})", "fault"},
      {R"({"fault": "melt"})", "fault"},
      {R"({"fault": "flip_byte", "color": "red"})", "color"},
      {R"({"fault": "flip_byte", "layer": "L3"})", "layer"},
      {R"({"fault": "flip_byte", "file": "nope.bin"})", "file"},
      {R"({"fault": "unlisted_file", "file": "../escape"})", "file"},
      {R"({"fault": "unlisted_file", "file": "market_data.csv.gz"})", "file"},
      {R"({"fault": "skip_period", "file": "model_state.bin"})", "file"},
      {R"({"fault": "break_manifest", "file": "manifest.json"})", "file"},
      {R"({"fault": 3})", "fault"},
      {R"(not json)", "body"},
  };
  for (const auto& [request, field] : cases) {
    json answer;
    EXPECT_EQ(Post("/sim/backups/fault", request, &answer), 400) << request;
    EXPECT_EQ(answer.value("field", ""), field) << request << ": " << answer.dump();
    EXPECT_TRUE(answer.contains("error")) << request;
  }
  json answer;
  EXPECT_EQ(Post("/sim/backups/create", R"({"layer": "L2"})", &answer), 400);
  EXPECT_EQ(answer.value("field", ""), "layer") << answer.dump();
  EXPECT_EQ(Post("/sim/backups/create", R"({"layers": "L0"})", &answer), 400);
  EXPECT_EQ(answer.value("field", ""), "layers") << answer.dump();
  EXPECT_EQ(SetFiles(newest_), before_) << "no bad request changed anything";
}

TEST_F(SimBackupsFaultsIT, CreateWritesASetNamedByTheCurrentSecond) {
  std::time_t before = std::time(nullptr);
  json first, second;
  ASSERT_EQ(Post("/sim/backups/create", "", &first), 200) << first.dump();
  ASSERT_EQ(Post("/sim/backups/create", R"({"layer": "L0"})", &second), 200) << second.dump();
  std::time_t after = std::time(nullptr);
  std::string name = first.value("set", "");
  std::time_t t = SetTime(name).value_or(0);
  EXPECT_GE(t, before);
  EXPECT_LE(t, after);
  EXPECT_EQ(first["layer"], "L0");
  EXPECT_EQ(first["dir"], (L0() / name).string());
  EXPECT_TRUE(JsonManifestMatches(L0() / name, "L0"));
  // A second set within the same second takes the next second.
  EXPECT_GT(second.value("set", ""), name);
  EXPECT_TRUE(JsonManifestMatches(L0() / second.value("set", ""), "L0"));
  EXPECT_EQ(Sets(L0()).size(), 4u);
  EXPECT_EQ(State()["layers"]["L0"]["newest_set"], second["set"]);
}

TEST(SimBackupsNoSetsIT, FaultOnALayerWithoutSetsIs409) {
  Stack stack;
  stack.StartSim({"--backups.dir", stack.File("backups"), "--backups.cadence", "1h"});
  std::string body;
  EXPECT_EQ(HttpPost(stack.sim_port(), "/sim/backups/fault", R"({"fault": "truncate"})", &body),
            409);
  EXPECT_EQ(ParseObject(body).value("field", ""), "layer") << body;
}

TEST_F(SimBackupsIT, BreakManifestMakesSha256SumsMalformed) {
  Start({"--backups.format", "sha256sums", "--backups.cadence", "1h", "--backups.backfill", "1"});
  fs::path set = L0() / Sets(L0()).back();
  ASSERT_TRUE(Sha256SumsMatch(set));
  json answer = Fault(R"({"fault": "break_manifest"})");
  EXPECT_EQ(answer["file"], "SHA256SUMS");
  EXPECT_FALSE(Sha256SumsMatch(set));
  std::string sums = ReadFile(set / "SHA256SUMS");
  EXPECT_FALSE(std::regex_search(sums.substr(0, sums.find('\n')), std::regex("^[0-9a-f]{64}  \\S")))
      << sums;
}

TEST_F(SimBackupsIT, SkipPeriodSkipsOnlyTheNextSet) {
  Start({"--backups.cadence", "2s", "--backups.backfill", "1"});
  json answer = Fault(R"({"fault": "skip_period"})");
  std::string skipped = answer.value("set", "");
  ASSERT_TRUE(SetTime(skipped)) << answer.dump();
  EXPECT_EQ(answer["file"], nullptr);
  EXPECT_EQ(State()["layers"]["L0"]["skip_pending"], true);
  ASSERT_TRUE(WaitForSetAfter(L0(), skipped)) << stack_.Dir();
  std::vector<std::string> sets = Sets(L0());
  EXPECT_EQ(std::count(sets.begin(), sets.end(), skipped), 0) << skipped << " was written";
  EXPECT_EQ(SetTime(sets.back()).value_or(0) - *SetTime(skipped), 2)
      << "the period after is written";
  json layer = State()["layers"]["L0"];
  EXPECT_EQ(layer["skip_pending"], false);
  EXPECT_EQ(layer["sets_skipped"], 1);
}

TEST_F(SimBackupsIT, NoneAndResetClearSkipPeriod) {
  Start({"--backups.cadence", "2s", "--backups.backfill", "1"});
  ASSERT_TRUE(WaitForSetAfter(
      L0(), Sets(L0()).back()));  // a period has just begun: ~2 s before the next set
  Fault(R"({"fault": "skip_period"})");
  json cleared = Fault(R"({"fault": "none"})");
  EXPECT_EQ(cleared["fault"], "none");
  EXPECT_EQ(cleared["layer"], nullptr) << "none without a layer clears every layer";
  EXPECT_EQ(State()["layers"]["L0"]["skip_pending"], false) << cleared.dump();
  std::string next = Fault(R"({"fault": "skip_period"})").value("set", "");
  size_t sets_before_reset = Sets(L0()).size();
  stack_.Sim("/sim/reset", "");
  EXPECT_EQ(State()["layers"]["L0"]["skip_pending"], false);
  EXPECT_GE(Sets(L0()).size(), sets_before_reset) << "reset leaves the sets on disk";
  ASSERT_TRUE(Eventually([&] { return fs::exists(L0() / next); }, 8s))
      << next << " was skipped after all";
  EXPECT_EQ(State()["layers"]["L0"]["sets_skipped"], 0);
}

TEST_F(SimBackupsIT, RetentionDeletesOldSets) {
  Start({"--backups.cadence", "2s", "--backups.backfill", "8"});
  std::vector<std::string> old_sets = Sets(L0());
  ASSERT_GE(old_sets.size(), 8u);
  // Restarted with a 6 s retention: the old sets go at once, and each write keeps only the last 6
  // s.
  Start({"--backups.cadence", "2s", "--backups.retention", "6s", "--backups.backfill", "10"});
  std::time_t now = std::time(nullptr);
  std::vector<std::string> sets = Sets(L0());
  ASSERT_FALSE(sets.empty());
  EXPECT_LE(sets.size(), 4u);
  EXPECT_GE(SetTime(sets.front()).value_or(0), now - 7) << sets.front();
  EXPECT_FALSE(fs::exists(L0() / old_sets.front()));
  ASSERT_TRUE(WaitForSetAfter(L0(), sets.back()));
  ASSERT_TRUE(WaitForSetAfter(L0(), Sets(L0()).back()));
  EXPECT_TRUE(OnlySets(L0()));
  sets = Sets(L0());
  EXPECT_LE(sets.size(), 4u);
  EXPECT_GE(SetTime(sets.front()).value_or(0), std::time(nullptr) - 7) << sets.front();
  EXPECT_GE(State()["layers"]["L0"]["sets_deleted"].get<int>(), 5);
}

TEST_F(SimBackupsIT, WriteErrorsAreKeptAndTheNextPeriodTriesAgain) {
  fs::create_directories(Root());
  std::ofstream(L0()) << "a file where the layer directory should be\n";
  Start({"--backups.cadence", "2s", "--backups.backfill", "1"});
  json layer = State()["layers"]["L0"];
  EXPECT_GE(layer["errors"].get<int>(), 1) << layer.dump();
  EXPECT_TRUE(layer["last_error"].is_string()) << layer.dump();
  fs::remove(L0());
  ASSERT_TRUE(Eventually([&] { return !Sets(L0()).empty(); }, 8s)) << stack_.Dir();
  EXPECT_TRUE(JsonManifestMatches(L0() / Sets(L0()).back(), "L0"));
}

TEST_F(SimBackupsIT, StateIsUnderSimStateToo) {
  Start({"--backups.cadence", "1h", "--backups.backfill", "2", "--backups.retention", "1d"});
  std::string body;
  ASSERT_EQ(HttpGetStatus(stack_.sim_port(), "/sim/state", &body), 200);
  json backups = ParseObject(body)["backups"];
  EXPECT_EQ(backups["enabled"], true);
  EXPECT_EQ(backups["cadence"], "1h");
  EXPECT_EQ(backups["retention"], "1d");
  json layer = backups["layers"]["L0"];
  EXPECT_EQ(layer["dir"], L0().string());
  EXPECT_EQ(layer["format"], "json");
  EXPECT_EQ(layer["sets"], json(Sets(L0())));
  EXPECT_EQ(layer["newest_set"], Sets(L0()).back());
  EXPECT_EQ(layer["sets_written"], 2);
  EXPECT_EQ(layer["faults_applied"], 0);
  EXPECT_EQ(layer["skip_pending"], false);
  EXPECT_EQ(layer["last_error"], nullptr);
}

TEST(SimBackupsOffIT, EndpointsAnswer409) {
  Stack stack;
  stack.StartSim();
  std::string body;
  EXPECT_EQ(HttpPost(stack.sim_port(), "/sim/backups/fault", R"({"fault": "flip_byte"})", &body),
            409);
  EXPECT_EQ(ParseObject(body).value("field", ""), "backups") << body;
  EXPECT_EQ(HttpPost(stack.sim_port(), "/sim/backups/create", "{}", &body), 409);
  EXPECT_EQ(ParseObject(body).value("field", ""), "backups") << body;
  EXPECT_EQ(HttpGetStatus(stack.sim_port(), "/sim/backups/state", &body), 409);
  EXPECT_EQ(ParseObject(body).value("field", ""), "backups") << body;
  ASSERT_EQ(HttpGetStatus(stack.sim_port(), "/sim/state", &body), 200);
  EXPECT_EQ(ParseObject(body)["backups"], json({{"enabled", false}}));
}

TEST(SimBackupsFlagsIT, BadFlagsStopTheSimulatorAtStart) {
  Stack stack;
  const std::vector<std::vector<std::string>> cases = {
      {"--backups.dir", stack.File("b"), "--backups.cadence", "1500ms"},
      {"--backups.dir", stack.File("b"), "--backups.layers", "L0,L9"},
      {"--backups.dir", stack.File("b"), "--backups.layers", "L0,L0"},
      {"--backups.dir", stack.File("b"), "--backups.file-size", "0"},
      {"--backups.dir", stack.File("b"), "--backups.format", "xml"},
      {"--backups.dir", stack.File("b"), "--backups.retention", "soon"},
      {"--backups.cadence", "2s"},  // without --backups.dir
  };
  for (const auto& flags : cases) {
    std::vector<std::string> argv = {PIPELINE_SIM_BIN, "--listen", "127.0.0.1:0", "--state-dir",
                                     stack.File("sim")};
    argv.insert(argv.end(), flags.begin(), flags.end());
    CommandResult r = RunCommand(argv, "", 10s);
    EXPECT_NE(r.exit_code, 0) << flags[flags.size() - 2] << " " << flags.back();
    EXPECT_NE(r.output.find("--backups."), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("listening"), std::string::npos) << r.output;
  }
}

TEST(SimBackupsStopIT, SigtermStopsWithinASecond) {
  Stack stack;
  Process sim({PIPELINE_SIM_BIN, "--listen", "127.0.0.1:0", "--state-dir", stack.File("sim"),
               "--backups.dir", stack.File("backups"), "--backups.cadence", "1s",
               "--backups.backfill", "2"},
              stack.File("sim.log"));
  ASSERT_TRUE(sim.WaitForLog("listening on http://127\\.0\\.0\\.1:([0-9]+)", 10s)) << sim.Log();
  // Past a cadence boundary: a set written since it listens.
  const size_t at_start = Sets(stack.File("backups") + "/l0").size();
  ASSERT_TRUE(Eventually([&] { return Sets(stack.File("backups") + "/l0").size() > at_start; }, 5s))
      << sim.Log();
  auto sent = std::chrono::steady_clock::now();
  sim.Signal(SIGTERM);
  EXPECT_EQ(sim.WaitExit(3s), std::optional<int>(0)) << sim.Log();
  EXPECT_LT(std::chrono::steady_clock::now() - sent, 1s) << sim.Log();
  for (const std::string& name : Entries(stack.File("backups") + "/l0"))
    EXPECT_TRUE(SetTime(name)) << name;
}

}  // namespace
}  // namespace usdcop::testing
