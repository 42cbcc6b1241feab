// The status page's embedded files: what the build put in the binary, served at which path, with
// which type and ETag.
#include "control/web_assets.h"

#include <gtest/gtest.h>

#include <set>

#include "common/sha256.h"

namespace usdcop {
namespace {

TEST(WebAssetsTest, EveryFileOfTheWebFolderIsEmbedded) {
  std::set<std::string> names;
  for (const WebFile& f : WebFiles()) {
    names.insert(std::string(f.name));
    EXPECT_FALSE(f.bytes.empty()) << f.name;
  }
  for (const char* name :
       {"index.html", "login.html", "app.js", "login.js", "style.css", "favicon.svg"})
    EXPECT_TRUE(names.count(name)) << name;
}

TEST(WebAssetsTest, PathsMapToTheirFilesWithTypeAndEtag) {
  struct Case {
    const char* path;
    const char* name;
    const char* type;
  };
  for (const Case& c : {Case{"/", "index.html", "text/html; charset=utf-8"},
                        Case{"/login", "login.html", "text/html; charset=utf-8"},
                        Case{"/assets/app.js", "app.js", "text/javascript; charset=utf-8"},
                        Case{"/assets/login.js", "login.js", "text/javascript; charset=utf-8"},
                        Case{"/assets/style.css", "style.css", "text/css; charset=utf-8"},
                        Case{"/assets/favicon.svg", "favicon.svg", "image/svg+xml"}}) {
    const WebAsset* a = FindWebAsset(c.path);
    ASSERT_NE(a, nullptr) << c.path;
    EXPECT_EQ(a->name, c.name);
    EXPECT_EQ(a->content_type, c.type);
    std::string_view bytes;
    for (const WebFile& f : WebFiles())
      if (f.name == c.name) bytes = f.bytes;
    EXPECT_EQ(*a->body, bytes) << c.path;
    EXPECT_EQ(a->etag, "\"" + Sha256Hex(bytes).substr(0, 16) + "\"") << c.path;
  }
  EXPECT_NE(*FindWebAsset("/")->body, *FindWebAsset("/login")->body);
  EXPECT_NE(FindWebAsset("/")->body->find("<!doctype html>"), std::string::npos);
}

TEST(WebAssetsTest, OtherPathsServeNothing) {
  for (const char* path :
       {"/assets/index.html", "/assets/login.html", "/assets/", "/assets/../app.js",
        "/assets/nope.js", "/index.html", "/login/", "/app.js", "", "/assets/app.js/"})
    EXPECT_EQ(FindWebAsset(path), nullptr) << path;
}

TEST(WebAssetsTest, IfNoneMatchMatchesListsWeakTagsAndStar) {
  const std::string tag = "\"0123456789abcdef\"";
  EXPECT_TRUE(IfNoneMatchHits(tag, tag));
  EXPECT_TRUE(IfNoneMatchHits("\"x\", " + tag, tag));
  EXPECT_TRUE(IfNoneMatchHits("W/" + tag, tag));
  EXPECT_TRUE(IfNoneMatchHits("*", tag));
  EXPECT_FALSE(IfNoneMatchHits("\"0123456789abcdee\"", tag));
  EXPECT_FALSE(IfNoneMatchHits("0123456789abcdef", tag)) << "an unquoted tag is not the tag";
  EXPECT_FALSE(IfNoneMatchHits("", tag));
}

TEST(WebAssetsTest, ContentTypesByExtension) {
  EXPECT_EQ(WebContentType("a.html"), "text/html; charset=utf-8");
  EXPECT_EQ(WebContentType("a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(WebContentType("a.bin"), "application/octet-stream");
}

}  // namespace
}  // namespace usdcop
