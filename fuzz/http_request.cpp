// HTTP requests as both ports' server reads them (http/http_server.cpp, http/request_head.h): the
// bytes of a connection go through Beast's parser with the server's limits (LimitHead), each head
// through the server's checks (CheckHead, OverLimitStatus), a body within the control port's
// limit through Beast's body parser, and the Authorization header through the basic-auth check's
// parse (http/basic_auth.h). Pipelined requests follow one another as on a keep-alive connection,
// until one is refused or ends it.
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "control/api_types.h"
#include "http/basic_auth.h"
#include "http/request_head.h"

namespace {

namespace http = boost::beast::http;
using namespace usdcop;

// Feeds `bytes` to `parser` until it wants no more of them; the bytes it took.
template <class Parser>
std::size_t Feed(Parser& parser, std::string_view bytes, boost::beast::error_code& ec) {
  std::size_t used = 0;
  while (!parser.is_done() && !ec) {
    const std::size_t n =
        parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    used += n;
    if (ec == http::error::need_more) {
      if (used == bytes.size()) return used;  // the connection would wait for more
      ec = {};
    }
    if (n == 0 && !ec) break;
  }
  return used;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const HttpServerOptions options;  // the servers' bounds
  for (int requests = 0; requests < 16 && !rest.empty(); ++requests) {
    HeadParser head;
    LimitHead(head, options.max_header_bytes);
    boost::beast::error_code ec;
    const std::size_t used = [&] {
      std::size_t n = 0;
      while (!head.is_header_done() && !ec) {
        n += head.put(boost::asio::buffer(rest.data() + n, rest.size() - n), ec);
        if (ec == http::error::need_more) return n;  // incomplete: the connection waits, or ends
      }
      return n;
    }();
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      (void)OverLimitStatus(rest);
      return 0;
    }
    if (ec) return 0;  // need_more (the client stopped) or malformed (400)
    rest.remove_prefix(used);
    ServerRequest request;
    const Head checked = CheckHead(head, options, request);
    if (checked.refuse != 0) return 0;
    (void)ParseBasicAuthorization(request.Header("Authorization"));
    if (checked.declared > kMaxControlBody) return 0;  // 413, the body never read
    if (checked.has_body) {
      http::request_parser<http::string_body> body(std::move(head));
      body.body_limit(kMaxControlBody);
      rest.remove_prefix(Feed(body, rest, ec));
      if (ec) return 0;  // over the limit (413), malformed (400) or the client stopped
      request.body = std::move(body.get().body());
    }
    if (!checked.keep_alive) return 0;
  }
  return 0;
}
