// Migration: one versioned step of a service's database schema.
//
// A service's schema is the ordered list of its migrations; a store applies
// the ones it has not recorded yet, in version order, each in its own
// transaction, and records (version, name) so that a later binary can detect
// drift (a recorded version whose name differs from the binary's). `sql` is
// in the dialect of the store it is given to (SQLite for SqliteDatabase) and
// must not contain its own BEGIN/COMMIT.
//
// Versions 1..kFirstServiceMigrationVersion-1 are reserved for the shared
// tables of common/store (processed events, outbox, lease); a service numbers
// its own migrations from kFirstServiceMigrationVersion and prepends the core
// list (see sqlite_core_schema.h). Plain value type.
#ifndef ARREARS_COMMON_STORE_MIGRATION_H_
#define ARREARS_COMMON_STORE_MIGRATION_H_

#include <string>

namespace arrears::store {

inline constexpr int kFirstServiceMigrationVersion = 100;

struct Migration {
  int version = 0;
  std::string name;
  std::string sql;
};

}  // namespace arrears::store

#endif  // ARREARS_COMMON_STORE_MIGRATION_H_
