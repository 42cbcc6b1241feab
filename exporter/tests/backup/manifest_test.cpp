#include "backup/manifest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.h"

namespace usdcop {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kA = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const std::string kE = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string JsonWith(const std::string& files) {
  return R"({"created_at": "2026-11-24T06:00:00Z", "layer": "L0", "files": [)" + files + "]}";
}

std::string JsonFile(const std::string& path, const std::string& sha = kA,
                     const std::string& size = "3") {
  return R"({"path": ")" + path + R"(", "size": )" + size + R"(, "sha256": ")" + sha + R"("})";
}

// The message of a manifest that must be rejected.
std::string JsonError(const std::string& text) {
  auto m = ParseJsonManifest(text, "/b/20261124_060000/manifest.json");
  EXPECT_FALSE(m.ok()) << text;
  if (m.ok()) return "";
  EXPECT_EQ(m.status().reason(), Reason::kParse);
  EXPECT_THAT(m.status().message(), HasSubstr("/b/20261124_060000/manifest.json: "));
  return m.status().message();
}

std::string SumsError(const std::string& text) {
  auto m = ParseSha256Sums(text, "SHA256SUMS");
  EXPECT_FALSE(m.ok()) << text;
  if (m.ok()) return "";
  EXPECT_EQ(m.status().reason(), Reason::kParse);
  return m.status().message();
}

TEST(Manifest, JsonFormat) {
  auto m = ParseJsonManifest(
      JsonWith(JsonFile("market_data.csv.gz") + ", " + JsonFile("./sub//empty.csv", kE, "0") +
               R"(, {"path": "no_size", "sha256": ")" + kA + R"(", "extra": 1})"),
      "manifest.json");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->format, ManifestFormat::kJson);
  EXPECT_EQ(*m->created_at, *ParseTimestamp("2026-11-24T06:00:00Z"));
  EXPECT_EQ(*m->layer, "L0");
  ASSERT_EQ(m->entries.size(), 3u);
  EXPECT_EQ(m->entries[0].path, "market_data.csv.gz");
  EXPECT_EQ(*m->entries[0].size, 3u);
  EXPECT_EQ(m->entries[0].sha256, kA);
  EXPECT_EQ(m->entries[1].path, "sub/empty.csv");  // normalised
  EXPECT_EQ(*m->entries[1].size, 0u);
  EXPECT_FALSE(m->entries[2].size);

  auto upper = ParseJsonManifest(
      R"({"files": [)" +
          JsonFile("a", "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD") + "]}",
      "m");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(upper->entries[0].sha256, kA);  // lowercased
  EXPECT_FALSE(upper->created_at);
  EXPECT_FALSE(upper->layer);
}

TEST(Manifest, JsonThatIsNotAManifestIsRejectedWithWhere) {
  EXPECT_THAT(JsonError("{\"files\": [\n{\"path\": \"a\",,}]}"),
              HasSubstr("not JSON: parse error at line 2"));
  EXPECT_THAT(JsonError("tar: Error is not recoverable"), HasSubstr("not JSON"));
  // A number beyond a double throws out_of_range, not parse_error (found by the fuzz target
  // manifest_json, fuzz/regressions/manifest_json/).
  EXPECT_THAT(JsonError(R"({"files": [{"path": "a", "size": 3e400, "sha256": ")" + kA + R"("}]})"),
              HasSubstr("manifest.json: not JSON: number overflow parsing '3e400'"));
  EXPECT_THAT(JsonError(""), HasSubstr("not JSON"));
  EXPECT_THAT(JsonError("[]"), HasSubstr("not a JSON object"));
  EXPECT_THAT(JsonError("{}"), HasSubstr("no \"files\" array"));
  EXPECT_THAT(JsonError(R"({"created_at": "yesterday", "files": []})"),
              HasSubstr("\"created_at\" is not an RFC 3339 time"));
  EXPECT_THAT(JsonError(JsonWith(JsonFile("a") + ", 7")), HasSubstr("files[1] is not an object"));
  EXPECT_THAT(JsonError(JsonWith(R"({"sha256": ")" + kA + "\"}")),
              HasSubstr("files[0]: no string \"path\""));
  EXPECT_THAT(JsonError(JsonWith(JsonFile("a", kA.substr(1)))),
              HasSubstr("files[0] (\"a\"): \"sha256\" is not 64 hex digits"));
  EXPECT_THAT(JsonError(JsonWith(JsonFile("a", kA.substr(1) + "g"))),
              HasSubstr("not 64 hex digits"));
  EXPECT_THAT(JsonError(JsonWith(JsonFile("a", kA, "-1"))),
              HasSubstr("files[0] (\"a\"): \"size\" is not a whole number"));
  EXPECT_THAT(JsonError(JsonWith(JsonFile("a", kA, "1.5"))),
              HasSubstr("\"size\" is not a whole number"));
  EXPECT_THAT(JsonError(JsonWith(JsonFile("a", kA, "\"3\""))),
              HasSubstr("\"size\" is not a whole number"));
  EXPECT_THAT(JsonError(JsonWith(JsonFile("a") + ", " + JsonFile("b") + ", " + JsonFile("./a"))),
              HasSubstr("files[2]: \"a\" is listed twice (also files[0])"));
}

TEST(Manifest, UnsafePathsRejectTheWholeManifest) {
  EXPECT_THAT(JsonError(JsonWith(JsonFile("../x"))),
              HasSubstr("files[0] (\"../x\"): path has a '..' component"));
  EXPECT_THAT(JsonError(JsonWith(JsonFile("a/../../x"))), HasSubstr("'..' component"));
  EXPECT_THAT(JsonError(JsonWith(JsonFile("a/.."))), HasSubstr("'..' component"));
  EXPECT_THAT(JsonError(JsonWith(JsonFile("/etc/passwd"))),
              HasSubstr("files[0] (\"/etc/passwd\"): absolute path"));
  EXPECT_THAT(JsonError(JsonWith(JsonFile(""))), HasSubstr("empty path"));
  EXPECT_THAT(JsonError(JsonWith(JsonFile("./"))), HasSubstr("names the set directory itself"));
  EXPECT_THAT(JsonError(JsonWith(JsonFile("a\\u0000b"))), HasSubstr("NUL byte"));
  EXPECT_THAT(SumsError(kA + "  ../x\n"), HasSubstr("line 1: \"../x\": path has a '..' component"));
  EXPECT_THAT(SumsError(kA + "  /etc/shadow\n"), HasSubstr("absolute path"));
  // Names that merely contain dots are fine.
  auto dots = ParseJsonManifest(
      JsonWith(JsonFile("..a") + ", " + JsonFile("a..") + ", " + JsonFile(".hidden")), "m");
  ASSERT_TRUE(dots.ok()) << dots.status().ToString();
  EXPECT_EQ(dots->entries.size(), 3u);
}

TEST(Manifest, Sha256SumsFormat) {
  auto m = ParseSha256Sums(kA + "  market_data.csv.gz\n" + kE + " *./bin/empty.bin\r\n\n" + "\\" +
                               kA + "  odd\\\\name\\nwith newline\n" + kA + "  with  two spaces",
                           "SHA256SUMS");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->format, ManifestFormat::kSha256Sums);
  EXPECT_FALSE(m->created_at);
  ASSERT_EQ(m->entries.size(), 4u);
  EXPECT_EQ(m->entries[0].path, "market_data.csv.gz");
  EXPECT_FALSE(m->entries[0].size);
  EXPECT_EQ(m->entries[1].path, "bin/empty.bin");  // binary mode, CRLF, normalised
  EXPECT_EQ(m->entries[1].sha256, kE);
  EXPECT_EQ(m->entries[2].path, "odd\\name\nwith newline");  // GNU's escaped form
  EXPECT_EQ(m->entries[3].path, "with  two spaces");
  auto empty = ParseSha256Sums("", "SHA256SUMS");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->entries.empty());
}

TEST(Manifest, MalformedSha256SumsLinesAreRejectedWithTheirNumber) {
  EXPECT_THAT(SumsError(kA + "  a\nnot a line\n"),
              HasSubstr("SHA256SUMS: line 2: expected \"<64 hex digits>  <path>\""));
  EXPECT_THAT(SumsError(kA + " a\n"), HasSubstr("line 1: expected"));
  EXPECT_THAT(SumsError(kA + "  \n"), HasSubstr("line 1: expected"));
  EXPECT_THAT(SumsError(kA.substr(2) + "  a\n"), HasSubstr("line 1: expected"));
  EXPECT_THAT(SumsError("SHA256 (a) = " + kA + "\n"), HasSubstr("--tag is not supported"));
  EXPECT_THAT(SumsError("\\" + kA + "  bad\\tescape\n"), HasSubstr("line 1: bad escape"));
  EXPECT_THAT(SumsError(kA + "  a\n\n" + kE + "  a\n"),
              HasSubstr("line 3: \"a\" is listed twice (also line 1)"));
}

class ManifestFileTest : public ::testing::Test {
 protected:
  void Write(const std::string& name, const std::string& text) {
    fs::create_directories(fs::path(dir_.File(name)).parent_path());
    std::ofstream(dir_.File(name)) << text;
  }
  TempDir dir_;
};

TEST_F(ManifestFileTest, PrefersManifestJsonThenSha256Sums) {
  Write("set/SHA256SUMS", kA + "  from_sums\n");
  auto sums = ReadManifest(dir_.File("set"));
  ASSERT_TRUE(sums.ok()) << sums.status().ToString();
  EXPECT_EQ(sums->entries[0].path, "from_sums");
  Write("set/manifest.json", JsonWith(JsonFile("from_json")));
  auto json = ReadManifest(dir_.File("set"));
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(json->entries[0].path, "from_json");
  Write("set/manifest.json", "{broken");
  auto broken = ReadManifest(dir_.File("set"));
  ASSERT_FALSE(broken.ok());
  EXPECT_THAT(broken.status().message(), HasSubstr(dir_.File("set/manifest.json") + ": not JSON"));
}

TEST_F(ManifestFileTest, NoManifestASymlinkedOneOrATooLargeOneIsRefused) {
  fs::create_directories(dir_.File("empty"));
  auto none = ReadManifest(dir_.File("empty"));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().reason(), Reason::kParse);
  EXPECT_THAT(none.status().message(),
              HasSubstr(dir_.File("empty") + ": no manifest.json or SHA256SUMS"));

  Write("elsewhere/manifest.json", JsonWith(JsonFile("a")));
  fs::create_directories(dir_.File("linked"));
  fs::create_symlink(dir_.File("elsewhere/manifest.json"), dir_.File("linked/manifest.json"));
  auto linked = ReadManifest(dir_.File("linked"));
  ASSERT_FALSE(linked.ok());
  EXPECT_THAT(linked.status().message(), HasSubstr("a symlink"));

  Write("big/SHA256SUMS", kA + "  a\n");
  auto big = ReadManifest(dir_.File("big"), 10);
  ASSERT_FALSE(big.ok());
  EXPECT_THAT(big.status().message(), HasSubstr("larger than 10 bytes"));

  fs::create_directories(dir_.File("dir/manifest.json"));
  auto dir = ReadManifest(dir_.File("dir"));
  ASSERT_FALSE(dir.ok());
  EXPECT_THAT(dir.status().message(), HasSubstr("not a regular file"));
}

TEST_F(ManifestFileTest, ResolveBelowRootFollowsSymlinksOnlyWithinTheRoot) {
  Write("root/set/a", "a");
  Write("root/other/b", "b");
  Write("outside/secret", "s");
  const fs::path root = fs::canonical(dir_.File("root"));
  const fs::path set = root / "set";
  fs::create_symlink("../other/b", set / "in");
  fs::create_symlink(dir_.File("outside/secret"), set / "out");
  fs::create_symlink(dir_.File("outside"), set / "outdir");
  fs::create_symlink("../..", set / "up");

  auto a = ResolveBelowRoot(root, set, "a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, set / "a");
  auto in = ResolveBelowRoot(root, set, "in");
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(*in, root / "other/b");
  auto absent = ResolveBelowRoot(root, set, "not/there");
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(*absent, set / "not/there");
  for (const char* escape : {"out", "outdir/secret", "up/outside/secret"}) {
    auto r = ResolveBelowRoot(root, set, escape);
    ASSERT_FALSE(r.ok()) << escape;
    EXPECT_EQ(r.status().reason(), Reason::kParse);
    EXPECT_THAT(r.status().message(), HasSubstr("outside the backup root " + root.string()));
  }
}

TEST(Manifest, IsWithinComparesWholeComponents) {
  EXPECT_TRUE(IsWithin("/data/b", "/data/b"));
  EXPECT_TRUE(IsWithin("/data/b", "/data/b/x/y"));
  EXPECT_TRUE(IsWithin("/data/b/", "/data/b/x"));
  EXPECT_TRUE(IsWithin("/", "/etc"));
  EXPECT_FALSE(IsWithin("/data/b", "/data/bc"));
  EXPECT_FALSE(IsWithin("/data/b", "/data"));
  EXPECT_FALSE(IsWithin("/data/b", "/etc/passwd"));
}

}  // namespace
}  // namespace usdcop
