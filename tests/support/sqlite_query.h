// QuerySqliteInt: one integer from a service's SQLite store, read-only, as an
// operator would look, for process tests that check what a service left
// behind. Opens, queries and closes each time, so it never holds a lock the
// service under test needs. -1 when the file, the statement or the row is
// missing (a test compares it with an expected count).
#ifndef ARREARS_TESTS_SUPPORT_SQLITE_QUERY_H_
#define ARREARS_TESTS_SUPPORT_SQLITE_QUERY_H_

#include <cstdint>
#include <string>

namespace arrears::testing {

int64_t QuerySqliteInt(const std::string& db_path, const std::string& sql);

}  // namespace arrears::testing

#endif  // ARREARS_TESTS_SUPPORT_SQLITE_QUERY_H_
