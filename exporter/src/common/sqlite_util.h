// Small helpers over SQLite's C API, shared by the state store and the SQLite bar source.
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>

namespace usdcop {

// Finalises a statement however the scope is left.
struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
};

inline void Bind(sqlite3_stmt* s, int i, std::string_view text) {
  sqlite3_bind_text(s, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

inline std::string Text(sqlite3_stmt* s, int i) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return std::string(text ? text : "", static_cast<std::size_t>(sqlite3_column_bytes(s, i)));
}

// Runs a prepared statement that returns no rows, ready to be bound again.
inline bool StepDone(sqlite3_stmt* s) {
  bool done = sqlite3_step(s) == SQLITE_DONE;
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return done;
}

}  // namespace usdcop
