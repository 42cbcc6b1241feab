#include "actions/peer_result.h"

#include <nlohmann/json.hpp>

namespace usdcop {
namespace {

std::string Printable(std::string text, size_t max) {
  if (text.size() > max) text = text.substr(0, max) + "...";
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return text;
}

}  // namespace

ActionResult PeerFailure(const std::string& peer, const std::string& what, const Status& status) {
  const int code =
      status.reason() == Reason::kTimeout || status.reason() == Reason::kCancelled ? 504 : 502;
  std::string error = peer + ": " + what + " failed: " + status.message();
  return {code, {{"error", error}, {"field", "action"}}, error};
}

ActionResult PeerRefused(const std::string& peer, const std::string& what,
                         const HttpResponse& response) {
  std::string words;
  nlohmann::json j = nlohmann::json::parse(response.body, nullptr, false);
  if (j.is_object()) {
    for (const char* key : {"detail", "error", "message", "title"})
      if (j.contains(key) && j[key].is_string()) {
        words = j[key].get<std::string>();
        break;
      }
  }
  if (words.empty()) words = response.body;
  std::string error = peer + " answered HTTP " + std::to_string(response.status) + " to " + what;
  words = Printable(words, 200);
  if (!words.empty()) error += ": " + words;
  return {502, {{"error", error}, {"field", "action"}, {"peer_status", response.status}}, error};
}

std::string TextIn(const nlohmann::json& answer, const char* key) {
  if (!answer.is_object()) return "";
  auto it = answer.find(key);
  return it != answer.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace usdcop
