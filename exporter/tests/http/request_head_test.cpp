// http/request_head.cpp: a request head as the HTTP server takes it, from bytes (the server over
// sockets: http_server_test.cpp).
#include "http/request_head.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace usdcop {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

// The head of `bytes` parsed as the server's parser takes it, then checked.
struct Parsed {
  boost::beast::error_code ec;
  Head head;
  ServerRequest request;
};

Parsed Parse(const std::string& bytes, const HttpServerOptions& options = {}) {
  Parsed out;
  HeadParser parser;
  LimitHead(parser, options.max_header_bytes);
  parser.put(boost::asio::buffer(bytes), out.ec);
  if (!out.ec && !parser.is_header_done()) out.ec = boost::beast::http::error::need_more;
  if (!out.ec) out.head = CheckHead(parser, options, out.request);
  return out;
}

TEST(CheckHead, TakesTheMethodTargetPathAndHeaders) {
  Parsed p = Parse("GET /metrics?x=1 HTTP/1.1\r\nHost: h\r\nAuthorization: Basic YTpi\r\n\r\n");
  ASSERT_FALSE(p.ec) << p.ec.message();
  EXPECT_EQ(p.head.refuse, 0);
  EXPECT_EQ(p.request.method, "GET");
  EXPECT_EQ(p.request.target, "/metrics?x=1");
  EXPECT_EQ(p.request.path, "/metrics");
  EXPECT_THAT(p.request.headers,
              ElementsAre(Pair("Host", "h"), Pair("Authorization", "Basic YTpi")));
  EXPECT_EQ(p.request.Header("authorization"), "Basic YTpi");
  EXPECT_TRUE(p.head.keep_alive);
  EXPECT_FALSE(p.head.has_body);
  EXPECT_FALSE(p.head.head_request);

  Parsed head = Parse("HEAD / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(head.request.method, "GET");
  EXPECT_TRUE(head.head.head_request);
  EXPECT_FALSE(head.head.keep_alive);
}

TEST(CheckHead, SaysHowTheBodyComes) {
  Parsed declared = Parse("POST /-/reload HTTP/1.1\r\nContent-Length: 5000000\r\n\r\n");
  ASSERT_FALSE(declared.ec) << "any length is taken here; the route's limit comes after";
  EXPECT_TRUE(declared.head.has_body);
  EXPECT_EQ(declared.head.declared, 5000000u);
  Parsed chunked = Parse("POST /api/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_TRUE(chunked.head.has_body);
  EXPECT_EQ(chunked.head.declared, 0u);
  Parsed none = Parse("POST /api/x HTTP/1.1\r\n\r\n");  // RFC 9112: no length, no body
  EXPECT_FALSE(none.head.has_body);
}

TEST(CheckHead, RefusesWhatIsOverTheServersBounds) {
  HttpServerOptions small;
  small.max_line = 64;
  small.max_fields = 2;
  EXPECT_EQ(Parse("GET /" + std::string(64, 'a') + " HTTP/1.1\r\n\r\n", small).head.refuse, 414);
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nX: " + std::string(60, 'b') + "\r\n\r\n", small).head.refuse,
            431);
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", small).head.refuse, 431);
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n", small).head.refuse, 0);
}

TEST(LimitHead, StopsAHeadOverMaxHeaderBytes) {
  HttpServerOptions small;
  small.max_header_bytes = 256;
  Parsed p = Parse("GET / HTTP/1.1\r\nX: " + std::string(300, 'c') + "\r\n\r\n", small);
  EXPECT_EQ(p.ec, boost::beast::http::error::header_limit);
}

TEST(OverLimitStatus, Is414UntilTheRequestLineEndsThen431) {
  EXPECT_EQ(OverLimitStatus("GET /aaaa"), 414);
  EXPECT_EQ(OverLimitStatus("GET / HTTP/1.1\r\nX: aaaa"), 431);
}

}  // namespace
}  // namespace usdcop
