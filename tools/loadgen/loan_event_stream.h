// LoanEventStream: a deterministic stream of loan-system events for load
// generation and cross-process tests.
//
// For a seed and a book size it yields, in order, each loan's LoanOpened
// (a monthly installment schedule in the loan's currency and time zone) and
// then repayments round-robin across the book, as a loan system would post
// them. Event ids are derived from (seed, sequence number), so a second run
// with the same seed republishes the same events (consumers dedupe them) and
// tests can predict every id. Not thread-safe.
#ifndef ARREARS_TOOLS_LOADGEN_LOAN_EVENT_STREAM_H_
#define ARREARS_TOOLS_LOADGEN_LOAN_EVENT_STREAM_H_

#include <cstdint>
#include <random>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "arrears/loan/v1/loan_events.pb.h"
#include "common/events/event.h"

namespace arrears::loadgen {

struct LoanEventStreamOptions {
  uint64_t seed = 1;
  int64_t loans = 1000;
  absl::CivilDay first_disbursement = absl::CivilDay(2026, 1, 5);
  std::string source = "//loan-system/loadgen";
};

class LoanEventStream {
 public:
  explicit LoanEventStream(LoanEventStreamOptions options);

  // The next event (topic = loan events, key = loan id, payload = LoanEvent).
  events::Event Next();

  // The id and ce_time the stream gives its n-th event (0-based); both
  // deterministic, the time one millisecond per event from the first
  // disbursement date, so ids are time-ordered.
  static std::string EventId(const LoanEventStreamOptions& options, int64_t sequence);
  static absl::Time EventTime(const LoanEventStreamOptions& options, int64_t sequence);

  int64_t produced() const { return sequence_; }

 private:
  loan::v1::LoanEvent MakeLoanOpened(int64_t loan_index);
  loan::v1::LoanEvent MakeRepayment(int64_t loan_index);
  static std::string LoanId(int64_t loan_index);

  const LoanEventStreamOptions options_;
  std::mt19937_64 random_;
  int64_t sequence_ = 0;
  int64_t next_repayment_loan_ = 0;
};

}  // namespace arrears::loadgen

#endif  // ARREARS_TOOLS_LOADGEN_LOAN_EVENT_STREAM_H_
