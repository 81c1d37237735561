// The SQLite tables shared by every service store: processed_events (dedupe),
// outbox (transactional outbox) and outbox_lease (relay leadership).
//
// A service migrates with CoreMigrations() followed by its own migrations,
// numbered from kFirstServiceMigrationVersion:
//
//   std::vector<Migration> migrations = CoreMigrations();
//   migrations.push_back({kFirstServiceMigrationVersion, "create loans", "CREATE TABLE ..."});
//   ARREARS_RETURN_IF_ERROR(db->Migrate(migrations));
#ifndef ARREARS_COMMON_STORE_SQLITE_CORE_SCHEMA_H_
#define ARREARS_COMMON_STORE_SQLITE_CORE_SCHEMA_H_

#include <vector>

#include "common/store/migration.h"

namespace arrears::store {

// Versions 1..kFirstServiceMigrationVersion-1, in order. Existing entries
// never change; new ones are appended.
std::vector<Migration> CoreMigrations();

}  // namespace arrears::store

#endif  // ARREARS_COMMON_STORE_SQLITE_CORE_SCHEMA_H_
