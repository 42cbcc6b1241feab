// Small helpers over SQLite's C API, shared by the state store and the SQLite bar source.
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>
#include <type_traits>

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

// Binds one value to ?i: text (anything that is a string_view), a floating-point number or an
// integer.
template <class T>
void BindValue(sqlite3_stmt* s, int i, const T& v) {
  if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    Bind(s, i, std::string_view(v));
  } else if constexpr (std::is_floating_point_v<T>) {
    sqlite3_bind_double(s, i, v);
  } else {
    static_assert(std::is_integral_v<T>, "bind text, a floating-point number or an integer");
    sqlite3_bind_int64(s, i, static_cast<sqlite3_int64>(v));
  }
}

// Prepares `sql` into `st` and binds `args` to ?1, ?2, ...; false when SQLite refuses the
// statement.
template <class... Args>
[[nodiscard]] bool Prepare(sqlite3* db, Stmt& st, std::string_view sql, const Args&... args) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &st.s, nullptr) != SQLITE_OK)
    return false;
  int i = 0;
  (BindValue(st.s, ++i, args), ...);
  return true;
}

// Runs a statement that returns no rows, once; false when it does not prepare or does not finish.
template <class... Args>
[[nodiscard]] bool RunOnce(sqlite3* db, std::string_view sql, const Args&... args) {
  Stmt st;
  return Prepare(db, st, sql, args...) && sqlite3_step(st.s) == SQLITE_DONE;
}

// Runs a prepared statement that returns no rows, ready to be bound again.
inline bool StepDone(sqlite3_stmt* s) {
  bool done = sqlite3_step(s) == SQLITE_DONE;
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return done;
}

}  // namespace usdcop
