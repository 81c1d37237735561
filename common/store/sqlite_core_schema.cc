#include "common/store/sqlite_core_schema.h"

namespace arrears::store {

std::vector<Migration> CoreMigrations() {
  return {
      {1, "create processed_events",
       // WITHOUT ROWID: the key is the only lookup, so one B-tree instead of
       // a table plus a unique index. No index on the time: it would cost
       // every insert a quarter more, while Prune (rare) can scan in key order.
       "CREATE TABLE processed_events ("
       "  consumer TEXT NOT NULL,"
       "  event_id TEXT NOT NULL,"
       "  processed_at_us INTEGER NOT NULL,"
       "  PRIMARY KEY (consumer, event_id)"
       ") WITHOUT ROWID;"},
      {2, "create outbox",
       // The sequence is the rowid: max + 1 at insert, so it grows in commit
       // order (writers are serialized). Without AUTOINCREMENT (which would
       // add a write per insert) it restarts once the table is empty, which
       // is why MarkPublished also matches event_id.
       "CREATE TABLE outbox ("
       "  sequence INTEGER PRIMARY KEY,"
       "  topic TEXT NOT NULL,"
       "  event_key TEXT NOT NULL,"
       "  event_id TEXT NOT NULL,"
       "  event_type TEXT NOT NULL,"
       "  event_source TEXT NOT NULL,"
       "  event_time_us INTEGER NOT NULL,"
       "  traceparent TEXT NOT NULL,"
       "  payload BLOB NOT NULL"
       ");"},
      {3, "create outbox_lease",
       "CREATE TABLE outbox_lease ("
       "  name TEXT PRIMARY KEY,"
       "  owner TEXT NOT NULL,"
       "  expires_at_us INTEGER NOT NULL"
       ");"},
  };
}

}  // namespace arrears::store
