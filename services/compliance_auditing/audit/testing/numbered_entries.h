// AppendNumberedEntries: a store test's entries [first, first + count),
// appended without nodes — leaf "leaf-<i>", kind 1, customer
// "c<i % customers>", record time `t0` + i seconds — with the loan links that
// `loans_of(i)` lists (repeats kept: a store must treat links as a set).
// Test-only.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_TESTING_NUMBERED_ENTRIES_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_TESTING_NUMBERED_ENTRIES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/compliance_auditing/audit/audit_store.h"
#include "services/compliance_auditing/audit/merkle.h"

namespace arrears::compliance::audit::testing {

inline absl::Status AppendNumberedEntries(
    AuditStore& store, uint64_t first, int count, int customers, absl::Time t0,
    absl::FunctionRef<std::vector<std::string>(uint64_t)> loans_of) {
  std::vector<StoredEntry> entries(count);
  // LoanLink holds a view: the ids live here until the append returns.
  std::vector<std::vector<std::string>> loan_ids(count);
  std::vector<LoanLink> loans;
  for (int i = 0; i < count; ++i) {
    const uint64_t index = first + i;
    entries[i].index = index;
    entries[i].leaf_data = absl::StrCat("leaf-", index);
    entries[i].leaf_hash = HashLeaf(entries[i].leaf_data);
    entries[i].kind = 1;
    entries[i].customer_id = absl::StrCat("c", index % customers);
    entries[i].record_time = t0 + absl::Seconds(index);
    loan_ids[i] = loans_of(index);
  }
  for (int i = 0; i < count; ++i) {
    for (const std::string& loan : loan_ids[i]) loans.push_back({first + i, loan});
  }
  return store.Append(first, entries, loans, {});
}

}  // namespace arrears::compliance::audit::testing

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_TESTING_NUMBERED_ENTRIES_H_
