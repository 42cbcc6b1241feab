#include "http/request_head.h"

#include <limits>

namespace usdcop {

namespace http = boost::beast::http;

void LimitHead(HeadParser& parser, std::size_t max_header_bytes) {
  parser.header_limit(static_cast<std::uint32_t>(max_header_bytes));
  // Not boost::none: Boost 1.74 compares a declared length with the optional, and every length
  // is greater than none.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
}

int OverLimitStatus(std::string_view read) {
  // Nothing was consumed: a head without its first CRLF is a request line over the limit.
  return read.find("\r\n") == std::string_view::npos ? 414 : 431;
}

Head CheckHead(const HeadParser& parser, const HttpServerOptions& options, ServerRequest& request) {
  Head head;
  const auto& msg = parser.get();
  if (msg.target().size() > options.max_line) {
    head.refuse = 414;
    return head;
  }
  size_t fields = 0;
  for (const auto& field : msg) {
    if (++fields > options.max_fields ||
        field.name_string().size() + field.value().size() + 4 > options.max_line) {
      head.refuse = 431;
      return head;
    }
  }
  head.head_request = msg.method() == http::verb::head;
  request.method = head.head_request ? "GET" : std::string(msg.method_string());
  request.target = std::string(msg.target());
  request.path = request.target.substr(0, request.target.find('?'));
  request.headers.reserve(fields);
  for (const auto& field : msg) request.headers.emplace_back(field.name_string(), field.value());
  head.keep_alive = msg.keep_alive();
  head.declared = parser.content_length().value_or(0);
  head.has_body = parser.chunked() || head.declared > 0;
  return head;
}

}  // namespace usdcop
