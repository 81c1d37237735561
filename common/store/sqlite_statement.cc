#include "common/store/sqlite_statement.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "common/store/sqlite_status.h"

namespace arrears::store {
namespace {

// SQLite binds NULL for a null pointer; an empty string_view may have one.
const char* NonNull(absl::string_view value) { return value.data() != nullptr ? value.data() : ""; }

constexpr size_t kMaxAddresses = 1024;

}  // namespace

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      bind_error_(std::move(other.bind_error_)) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    Finish();
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    in_use_ = std::exchange(other.in_use_, nullptr);
    bind_error_ = std::move(other.bind_error_);
  }
  return *this;
}

SqliteStatement::~SqliteStatement() { Finish(); }

void SqliteStatement::Finish() {
  if (stmt_ == nullptr) return;
  if (in_use_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    *in_use_ = false;
  } else {
    sqlite3_finalize(stmt_);
  }
  stmt_ = nullptr;
  in_use_ = nullptr;
}

void SqliteStatement::NoteBindResult(int rc, int index) {
  if (rc != SQLITE_OK && bind_error_.ok()) {
    bind_error_ = SqliteError(rc, db_, absl::StrCat("binding ?", index, " of [", sql(), "]"));
  }
}

void SqliteStatement::BindInt64(int index, int64_t value) {
  NoteBindResult(sqlite3_bind_int64(stmt_, index, value), index);
}

void SqliteStatement::BindText(int index, absl::string_view value) {
  NoteBindResult(
      sqlite3_bind_text64(stmt_, index, NonNull(value), value.size(), SQLITE_STATIC, SQLITE_UTF8),
      index);
}

void SqliteStatement::BindBlob(int index, absl::string_view value) {
  NoteBindResult(sqlite3_bind_blob64(stmt_, index, NonNull(value), value.size(), SQLITE_STATIC),
                 index);
}

void SqliteStatement::BindNull(int index) {
  NoteBindResult(sqlite3_bind_null(stmt_, index), index);
}

absl::StatusOr<bool> SqliteStatement::Step() {
  if (!bind_error_.ok()) return bind_error_;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  absl::Status error = SqliteError(rc, db_, absl::StrCat("executing [", sql(), "]"));
  // Leaves the statement ready for a retry and releases its read locks.
  sqlite3_reset(stmt_);
  return error;
}

absl::Status SqliteStatement::Run() {
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(const bool row, Step());
    if (!row) break;
  }
  Reset();
  return absl::OkStatus();
}

void SqliteStatement::Reset() { sqlite3_reset(stmt_); }

int64_t SqliteStatement::ColumnInt64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

absl::string_view SqliteStatement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return "";
  return absl::string_view(reinterpret_cast<const char*>(text),
                           static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

absl::string_view SqliteStatement::ColumnBlob(int column) const {
  const void* blob = sqlite3_column_blob(stmt_, column);
  if (blob == nullptr) return "";
  return absl::string_view(static_cast<const char*>(blob),
                           static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool SqliteStatement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t SqliteStatement::ChangedRows() const { return sqlite3_changes64(db_); }

absl::string_view SqliteStatement::sql() const {
  const char* text = stmt_ != nullptr ? sqlite3_sql(stmt_) : nullptr;
  return text != nullptr ? absl::string_view(text) : absl::string_view();
}

SqliteStatementCache::~SqliteStatementCache() {
  for (auto& [sql, entry] : entries_) sqlite3_finalize(entry->stmt);
}

absl::StatusOr<sqlite3_stmt*> SqliteStatementCache::PrepareRaw(absl::string_view sql,
                                                               bool persistent) {
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    persistent ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, &tail);
  if (rc != SQLITE_OK) {
    return SqliteError(rc, db_, absl::StrCat("preparing [", sql, "]"));
  }
  const absl::string_view rest = sql.substr(static_cast<size_t>(tail - sql.data()));
  if (stmt == nullptr || rest.find_first_not_of(" \t\r\n;") != absl::string_view::npos) {
    sqlite3_finalize(stmt);
    return absl::InvalidArgumentError(
        absl::StrCat("sql must be exactly one statement, got [", sql, "]"));
  }
  return stmt;
}

absl::StatusOr<SqliteStatement> SqliteStatementCache::Prepare(absl::string_view sql) {
  Entry* found = nullptr;
  if (auto fast = by_address_.find(sql.data());
      fast != by_address_.end() && fast->second->sql == sql) {
    found = fast->second;
  } else {
    auto it = entries_.find(sql);
    if (it == entries_.end()) {
      ARREARS_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, PrepareRaw(sql, /*persistent=*/true));
      auto entry = std::make_unique<Entry>();
      entry->sql = std::string(sql);
      entry->stmt = stmt;
      it = entries_.emplace(entry->sql, std::move(entry)).first;
    }
    found = it->second.get();
    // Addresses of temporaries would pile up; literals are few.
    if (by_address_.size() >= kMaxAddresses) by_address_.clear();
    by_address_[sql.data()] = found;
  }
  Entry& entry = *found;
  if (entry.in_use) {
    ARREARS_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, PrepareRaw(sql, /*persistent=*/false));
    return SqliteStatement(db_, stmt, /*in_use=*/nullptr);
  }
  entry.in_use = true;
  return SqliteStatement(db_, entry.stmt, &entry.in_use);
}

}  // namespace arrears::store
