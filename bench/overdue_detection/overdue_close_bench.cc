// overdue_close_bench: the cost of closing a business day on a large book,
// with the calendar index (DelinquencyEngine::CloseBusinessDay) side by side
// with a full-scan close measured in the same run on the same book, and the
// memory the hot index takes per loan.
//
//   overdue_close_bench [--loans=10000000] [--delinquent_every=20] [--days=2]
//                       [--products_file=services/overdue_detection/config/products.yaml]
//
// The book (built untimed, by two threads, into an InMemoryLoanStore, the
// engine's store for large in-process books, as DelinquencyEngine::Apply
// would store it; the engine then starts on it): loans of
// the shipped products in turn (car loan, consumer loan, credit card), 12
// monthly installments, disbursed 2 to 11 months before the business date
// 2024-06-15 on every day of the month. Each paid, on its first due date,
// every installment due so far except, for one loan in --delinquent_every
// (5%), the last 1 to 6 (DPD spread over M1..M6; the oldest consumer loans
// among them are charged off at 120 DPD). Once each measured day is the
// business date (after its close, untimed) every current loan pays the
// installment due that day; the delinquent ones pay nothing. --pre_due_notices=false drops the
// products' installment-due-soon notices (2 or 3 a month per loan in the
// shipped file), leaving the work the issue names: loans that cross a bucket
// or class boundary or become overdue that day.
//
// Per closed day (2024-06-16, ...):
//   full scan  every loan: Load (decode) and, unless nothing can change any
//              more (closed, or charged off with no pending fact: no stored
//              boundary), ComputePosition at the day, DecideTransition
//              against its stored status, and the day's events (transitions
//              and pre-due notices, with the engine's snapshot, sequence and
//              previous status, computed_at): what a close without an index
//              must do, and only that (it writes nothing back and derives no
//              event ids, which favours it);
//   indexed    DelinquencyEngine::CloseBusinessDay(day, sink): only the loans
//              the calendar hints for the day; those whose only business is
//              planned pre-due notices from their LoanBrief alone, the others
//              fully evaluated; events built and state written back.
// Each keeps its events serialized (what the service writes to its outbox;
// the indexed close streams them to a sink as the service does). Both must
// emit the same events (checked: every event of each compared byte for byte
// as sorted sets; a mismatch exits 1). --full_scan=false runs the indexed
// close alone (for a profiler). Times
// are this thread's CPU time (the machine is shared; wall time is printed
// too); the ratio is full-scan time / indexed time; the target is >= 20x.
//
// Memory: HotIndexStats (calendar heap bytes / loans) is what the engine keeps
// in RAM per loan (target <= 200 bytes per current loan); the records live in
// the store (SQLite in the service; encoded in RAM here).
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/proto_convert/proto_convert.h"
#include "common/time/civil_date.h"
#include "services/overdue_detection/delinquency_engine.h"
#include "services/overdue_detection/delinquency_status.h"
#include "services/overdue_detection/in_memory_loan_store.h"
#include "services/overdue_detection/ledger.h"
#include "services/overdue_detection/snapshot.h"

ABSL_FLAG(int64_t, loans, 10'000'000, "Loans in the book");
ABSL_FLAG(int64_t, delinquent_every, 20, "One loan in N is delinquent (20 = 5%)");
ABSL_FLAG(int, days, 2, "Business days closed (each measured both ways)");
ABSL_FLAG(std::string, products_file, OVERDUE_PRODUCTS_YAML, "Product configuration");
ABSL_FLAG(bool, pre_due_notices, true,
          "Keep the products' pre_due_notice_days (false: no installment-due-soon notices, so "
          "only loans that cross a bucket/class boundary or become overdue are evaluated)");
ABSL_FLAG(bool, full_scan, true,
          "Run the full-scan baseline and compare (false: the indexed close alone, e.g. under a "
          "profiler; no speed-up is printed)");

namespace arrears::overdue {
namespace {

namespace dv1 = delinquency::v1;
using D = absl::CivilDay;

constexpr D kBusinessDate = D(2024, 6, 15);
constexpr int kInstallments = 12;

struct ProductShape {
  const char* code;
  int64_t principal_minor;
  int64_t monthly_interest_minor;
};
constexpr ProductShape kShapes[] = {{"CAR_LOAN", 120'000'00, 650'00},
                                    {"CONSUMER_LOAN", 24'000'00, 240'00},
                                    {"CREDIT_CARD", 6'000'00, 90'00}};

common::v1::Money Cny(int64_t minor) {
  common::v1::Money money;
  money.set_amount_minor(minor);
  money.set_currency_code("CNY");
  return money;
}

int64_t MaxRssMb() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

// Loan `i` of the book, deterministically.
struct LoanPlan {
  const ProductShape* shape = nullptr;
  std::string loan_id;
  D disbursed;
  bool delinquent = false;

  D Due(int n) const { return time::AddMonthsClamped(disbursed, n); }
  int64_t Principal(int n) const {
    const int64_t each = shape->principal_minor / kInstallments;
    return n < kInstallments ? each : shape->principal_minor - each * (kInstallments - 1);
  }
  int64_t Amount(int n) const { return Principal(n) + shape->monthly_interest_minor; }
};

LoanPlan Plan(int64_t i, int64_t delinquent_every) {
  return {.shape = &kShapes[i % 3],
          .loan_id = absl::StrFormat("L%09d", i),
          .disbursed = kBusinessDate - 60 - (i / 3) % 28 - 30 * ((i / 84) % 10),
          .delinquent = i % delinquent_every == 0};
}

const absl::Time kEventTime = absl::FromUnixSeconds(1'718'000'000);

loan::v1::LoanEvent Payment(const LoanPlan& plan, const std::string& repayment_id, int64_t amount,
                            D value_date) {
  loan::v1::LoanEvent pay;
  pay.set_loan_id(plan.loan_id);
  pay.set_customer_id(absl::StrCat("C", plan.loan_id));
  loan::v1::RepaymentPosted& r = *pay.mutable_repayment_posted();
  r.set_repayment_id(repayment_id);
  *r.mutable_amount() = Cny(amount);
  *r.mutable_value_date() = ToProto(value_date);
  return pay;
}

// Loan `i` as the engine stores it after its LoanOpened and the repayment of
// what it paid (Loan::Open, Loan::Record, then the engine's evaluation at the
// business date, as DelinquencyEngine::Apply does; the per-loan event
// sequence, which the close does not read, stays 0).
LoanRecord BuildRecord(const ProductCatalog& products, int64_t i, int64_t delinquent_every) {
  const LoanPlan plan = Plan(i, delinquent_every);
  loan::v1::LoanEvent opened;
  opened.set_loan_id(plan.loan_id);
  opened.set_customer_id(absl::StrCat("C", plan.loan_id));
  loan::v1::LoanOpened& o = *opened.mutable_loan_opened();
  o.set_product_code(plan.shape->code);
  o.set_branch_id(absl::StrFormat("BR%03d", i % 40));
  o.set_currency_code("CNY");
  o.set_time_zone("Asia/Shanghai");
  *o.mutable_disbursement_date() = ToProto(plan.disbursed);
  *o.mutable_principal() = Cny(plan.shape->principal_minor);
  for (int n = 1; n <= kInstallments; ++n) {
    loan::v1::Installment& in = *o.add_installments();
    in.set_number(n);
    *in.mutable_due_date() = ToProto(plan.Due(n));
    *in.mutable_principal() = Cny(plan.Principal(n));
    *in.mutable_interest() = Cny(plan.shape->monthly_interest_minor);
  }
  absl::StatusOr<Loan> loan = Loan::Open(opened, products);
  if (!loan.ok()) std::abort();
  int due_so_far = 0;
  while (due_so_far < kInstallments && plan.Due(due_so_far + 1) <= kBusinessDate) ++due_so_far;
  const int missed =
      plan.delinquent ? std::min<int>(due_so_far, 1 + (i / delinquent_every) % 6) : 0;
  const int paid = due_so_far - missed;
  if (paid > 0) {
    int64_t amount = 0;
    for (int n = 1; n <= paid; ++n) amount += plan.Amount(n);
    // Paid ahead on the first due date: the credit covers each later
    // installment as it falls due, so none was ever late.
    if (!loan->Record(Payment(plan, absl::StrCat("R", i), amount, plan.Due(1))).ok()) std::abort();
  }
  const ProductConfig& product = *products.Find(plan.shape->code);
  LoanPosition position = ComputePosition(*loan, product, kBusinessDate);
  LoanRecord record(*std::move(loan));
  RecordEvaluation(product, std::move(position), &record);
  return record;
}

// During `day`, every current loan pays the installment due that day, on
// time (the delinquent ones do not). Returns the payments posted.
int64_t PostDuePayments(DelinquencyEngine& engine, int64_t loans, int64_t delinquent_every, D day) {
  int64_t posted = 0;
  for (int64_t i = 0; i < loans; ++i) {
    const LoanPlan plan = Plan(i, delinquent_every);
    if (plan.delinquent) continue;
    const int n = static_cast<int>((day.year() - plan.disbursed.year()) * 12 + day.month() -
                                   plan.disbursed.month());
    if (n < 1 || n > kInstallments || plan.Due(n) != day) continue;
    const std::string id = absl::StrCat("R", i, "-", n);
    if (!engine.Apply(Payment(plan, id, plan.Amount(n), day), id, kEventTime).ok()) std::abort();
    ++posted;
  }
  return posted;
}

struct DayCounts {
  std::map<int, int64_t> transitions;  // by kind
  int64_t notices = 0;
  int64_t evaluated = 0;
  // The events as serialized bytes (what the service writes to its outbox),
  // for the identical-set check.
  std::vector<std::string> events;

  // Counts and keeps `event` (serialized).
  void Keep(const dv1::DelinquencyEvent& event) {
    Count(event);
    events.push_back(event.SerializeAsString());
  }
  void Count(const dv1::DelinquencyEvent& event) {
    if (event.kind() == dv1::DELINQUENCY_EVENT_KIND_INSTALLMENT_DUE_SOON) {
      ++notices;
    } else {
      ++transitions[event.kind()];
    }
  }
};

// The events of the day as the full scan builds them: what the engine's
// events say (loan sequence, cause, previous status, snapshot, notice,
// computed_at), ids aside.
dv1::DelinquencyEvent ScanEvent(const LoanRecord& record, const ProductConfig& product,
                                const LoanPosition& position, int64_t* sequence,
                                const std::string& cause, dv1::DelinquencyEventKind kind,
                                const StatusSummary& previous, int32_t previous_dpd,
                                absl::Time now) {
  dv1::DelinquencyEvent e;
  e.set_loan_id(record.loan.loan_id());
  e.set_customer_id(record.loan.customer_id());
  e.set_kind(kind);
  BuildSnapshot(LoanIdentity::Of(record.loan), product, SnapshotFigures::Of(position),
                e.mutable_snapshot());
  if (*sequence > 0) {
    *e.mutable_previous_bucket() = BucketProto(product, previous.bucket_ordinal);
    e.set_previous_regulatory_class(previous.regulatory_class);
    e.set_previous_dpd(previous_dpd);
  }
  e.set_loan_sequence(++*sequence);
  *e.mutable_computed_at() = ToTimestamp(now);
  e.set_cause_event_id(cause);
  return e;
}

// The close without an index: every loan, every day.
DayCounts FullScan(InMemoryLoanStore& store, const ProductCatalog& products, const Clock& clock,
                   D day) {
  DayCounts counts;
  const std::string cause = absl::StrCat("close/", time::FormatCivilDay(day));
  const LoanHandle loans = static_cast<LoanHandle>(store.size());
  for (LoanHandle h = 0; h < loans; ++h) {
    ++counts.evaluated;
    absl::StatusOr<LoanRecord> record = store.Load(h);
    if (!record.ok()) std::abort();
    if (!record->next_boundary.has_value()) continue;
    const ProductConfig& product = *products.Find(record->loan.product_code());
    const LoanPosition position = ComputePosition(record->loan, product, day);
    const StatusSummary current = StatusSummary::Of(position);
    int64_t sequence = record->event_sequence;
    if (absl::optional<Transition> t = DecideTransition(&record->status, current,
                                                        /*compare_penalty=*/false,
                                                        /*history_corrected=*/false)) {
      const StatusSummary& previous = record->status;
      const int32_t previous_dpd =
          previous.oldest_overdue_due_date.has_value()
              ? static_cast<int32_t>((day - 1) - *previous.oldest_overdue_due_date)
              : 0;
      dv1::DelinquencyEvent e = ScanEvent(*record, product, position, &sequence, cause, t->kind,
                                          previous, previous_dpd, clock.Now());
      for (dv1::ChangeReason reason : t->reasons) e.add_change_reasons(reason);
      counts.Keep(e);
    }
    for (const DueSoonNotice& notice : position.notices) {
      dv1::DelinquencyEvent e = ScanEvent(*record, product, position, &sequence, cause,
                                          dv1::DELINQUENCY_EVENT_KIND_INSTALLMENT_DUE_SOON, current,
                                          current.dpd, clock.Now());
      dv1::InstallmentDueSoon& due_soon = *e.mutable_installment_due_soon();
      due_soon.set_installment_number(notice.installment_number);
      *due_soon.mutable_due_date() = ToProto(notice.due_date);
      SetMoney(notice.amount_minor, record->loan.currency().code(), due_soon.mutable_amount_due());
      due_soon.set_days_until_due(notice.days_until_due);
      counts.Keep(e);
    }
  }
  return counts;
}

// Both closes' events as a sorted set of serialized events.
std::vector<std::string> EventSet(std::vector<std::string> events) {
  std::sort(events.begin(), events.end());
  return events;
}

// Wall and CPU time of this thread (the machine is shared: CPU time is what
// the work costs, wall time also counts waiting for a core).
struct Stopwatch {
  absl::Time wall = absl::Now();
  double cpu = ThreadCpuSeconds();

  static double ThreadCpuSeconds() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }
  double WallSeconds() const { return absl::ToDoubleSeconds(absl::Now() - wall); }
  double CpuSeconds() const { return ThreadCpuSeconds() - cpu; }
};

int Run() {
  const int64_t loans = absl::GetFlag(FLAGS_loans);
  const int64_t delinquent_every = std::max<int64_t>(1, absl::GetFlag(FLAGS_delinquent_every));
  absl::StatusOr<ProductCatalog> catalog =
      ProductCatalog::LoadFile(absl::GetFlag(FLAGS_products_file));
  if (!catalog.ok()) {
    std::fprintf(stderr, "%s\n", catalog.status().ToString().c_str());
    return 2;
  }
  if (!absl::GetFlag(FLAGS_pre_due_notices)) {
    std::vector<ProductConfig> without = catalog->products();
    for (ProductConfig& product : without) product.pre_due_notice_days.clear();
    catalog = ProductCatalog::FromProducts(std::move(without));
    if (!catalog.ok()) return 2;
  }
  auto products = std::make_shared<const ProductCatalog>(*std::move(catalog));
  InMemoryLoanStore store;
  FakeClock clock;

  std::printf("building the book: %lld loans, 1 in %lld delinquent...\n",
              static_cast<long long>(loans), static_cast<long long>(delinquent_every));
  std::fflush(stdout);
  const absl::Time build_start = absl::Now();
  // Two builders, each inserting its loans in blocks (handles stay dense).
  std::atomic<int64_t> delinquent{0};
  std::atomic<int64_t> next_block{0};
  constexpr int64_t kBlock = 4096;
  auto build = [&] {
    std::vector<LoanRecord> block;
    while (true) {
      const int64_t first = next_block.fetch_add(kBlock);
      if (first >= loans) return;
      block.clear();
      for (int64_t i = first; i < std::min(loans, first + kBlock); ++i) {
        block.push_back(BuildRecord(*products, i, delinquent_every));
        delinquent += block.back().status.state != dv1::DELINQUENCY_STATE_CURRENT;
      }
      for (const LoanRecord& record : block) {
        if (!store.Insert(record).ok()) std::abort();
      }
    }
  };
  std::thread helper(build);
  build();
  helper.join();
  const double build_seconds = absl::ToDoubleSeconds(absl::Now() - build_start);
  std::printf(
      "built in %.1f s: %lld delinquent (%.1f%%); pre-due notices %s; process max RSS "
      "%lld MB\n",
      build_seconds, static_cast<long long>(delinquent), 100.0 * delinquent / loans,
      absl::GetFlag(FLAGS_pre_due_notices) ? "as configured" : "off",
      static_cast<long long>(MaxRssMb()));

  // Start-up: the calendar is rebuilt from the stored boundaries.
  const absl::Time rebuild_start = absl::Now();
  absl::StatusOr<std::unique_ptr<DelinquencyEngine>> created =
      DelinquencyEngine::Create({products, &store, &clock, kBusinessDate});
  if (!created.ok()) return 1;
  std::unique_ptr<DelinquencyEngine> engine = *std::move(created);
  const double rebuild_seconds = absl::ToDoubleSeconds(absl::Now() - rebuild_start);
  const HotIndexStats stats = engine->hot_index_stats();

  bool consistent = true;
  std::printf("\n%-12s %-36s %10s %9s %9s %9s %10s %9s %9s\n", "day", "close", "evaluated",
              "events", "wall s", "cpu s", "loans/cpu-s", "wall x", "cpu x");
  double worst_ratio = 1e300;
  double worst_wall_ratio = 1e300;
  int64_t payments = 0;
  for (int d = 1; d <= absl::GetFlag(FLAGS_days); ++d) {
    const D day = kBusinessDate + d;
    const bool with_scan = absl::GetFlag(FLAGS_full_scan);
    const Stopwatch scan_watch;
    DayCounts scan = with_scan ? FullScan(store, *products, clock, day) : DayCounts();
    const double scan_wall = scan_watch.WallSeconds();
    const double scan_cpu = scan_watch.CpuSeconds();

    // The indexed close streams its events; kept serialized, as the full
    // scan keeps its own (the service writes them to its outbox).
    DayCounts indexed;
    const Stopwatch close_watch;
    absl::StatusOr<CloseResult> closed =
        engine->CloseBusinessDay(day, [&indexed](const EmittedEventRef& e) {
          indexed.Keep(e.event);
          return absl::OkStatus();
        });
    const double close_wall = close_watch.WallSeconds();
    const double close_cpu = close_watch.CpuSeconds();
    if (!closed.ok()) {
      std::fprintf(stderr, "close failed: %s\n", closed.status().ToString().c_str());
      return 1;
    }
    const std::string day_text = time::FormatCivilDay(day);
    const std::string close_name = absl::StrCat("calendar index (", closed->planned_notice_loans,
                                                " planned, ", closed->stale_hints, " stale)");
    if (!with_scan) {
      std::printf("%-12s %-36s %10lld %9zu %9.3f %9.3f %10.0f %9s %9s\n", day_text.c_str(),
                  close_name.c_str(), static_cast<long long>(closed->loans_evaluated),
                  indexed.events.size(), close_wall, close_cpu, closed->loans_evaluated / close_cpu,
                  "-", "-");
      payments += PostDuePayments(*engine, loans, delinquent_every, day);
      continue;
    }
    const double ratio = scan_cpu / close_cpu;
    const double wall_ratio = scan_wall / close_wall;
    worst_ratio = std::min(worst_ratio, ratio);
    worst_wall_ratio = std::min(worst_wall_ratio, wall_ratio);
    std::printf("%-12s %-36s %10lld %9zu %9.3f %9.3f %10.0f %8.1fx %8.1fx\n", day_text.c_str(),
                "full scan (baseline)", static_cast<long long>(scan.evaluated), scan.events.size(),
                scan_wall, scan_cpu, scan.evaluated / scan_cpu, 1.0, 1.0);
    std::printf("%-12s %-36s %10lld %9zu %9.3f %9.3f %10.0f %8.1fx %8.1fx\n", day_text.c_str(),
                close_name.c_str(), static_cast<long long>(closed->loans_evaluated),
                indexed.events.size(), close_wall, close_cpu, closed->loans_evaluated / close_cpu,
                wall_ratio, ratio);
    const size_t indexed_events = indexed.events.size();
    const bool same_counts =
        scan.transitions == indexed.transitions && scan.notices == indexed.notices;
    if (!same_counts || EventSet(std::move(scan.events)) != EventSet(std::move(indexed.events))) {
      consistent = false;
      std::printf("MISMATCH on %s: the full scan and the indexed close emit different events\n",
                  day_text.c_str());
      for (const auto& [kind, n] : scan.transitions) {
        std::printf("  scan    %s: %lld\n", dv1::DelinquencyEventKind_Name(kind).c_str(),
                    static_cast<long long>(n));
      }
      for (const auto& [kind, n] : indexed.transitions) {
        std::printf("  indexed %s: %lld\n", dv1::DelinquencyEventKind_Name(kind).c_str(),
                    static_cast<long long>(n));
      }
      std::printf("  notices scan %lld, indexed %lld\n", static_cast<long long>(scan.notices),
                  static_cast<long long>(indexed.notices));
    } else {
      std::printf("%-12s both closes emitted the same %zu events\n", day_text.c_str(),
                  indexed_events);
    }
    // The day's payments arrive once it is the business date (valued on it,
    // so they apply at once), before the next close.
    payments += PostDuePayments(*engine, loans, delinquent_every, day);
  }
  const HotIndexStats after = engine->hot_index_stats();
  if (absl::GetFlag(FLAGS_full_scan)) {
    std::printf(
        "\nclose speed-up (worst day, CPU time): %.1fx (wall time: %.1fx), target >= 20x: %s\n",
        worst_ratio, worst_wall_ratio, worst_ratio >= 20 ? "met" : "MISSED");
  } else {
    std::printf("\nclose speed-up: not measured (--full_scan=false)\n");
  }
  std::printf(
      "hot index (calendar): %.1f bytes per loan (%zu bytes, %zu hints, %zu loans), target <= "
      "200: %s\n"
      "calendar rebuild at start-up (from the stored boundaries): %.2f s for %lld loans here "
      "(records decoded from RAM; the service reads one SQLite index column)\n"
      "book build (untimed above): %.1f s; on-time payments posted (untimed) before the closes: "
      "%lld; process max RSS %lld MB\n",
      static_cast<double>(stats.bytes) / static_cast<double>(stats.loans), after.bytes,
      after.entries, after.loans,
      static_cast<double>(after.bytes) / static_cast<double>(after.loans) <= 200 ? "met" : "MISSED",
      rebuild_seconds, static_cast<long long>(loans), build_seconds,
      static_cast<long long>(payments), static_cast<long long>(MaxRssMb()));
  return consistent ? 0 : 1;
}

}  // namespace
}  // namespace arrears::overdue

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Business-day close on a large book: calendar index vs full scan, and hot-index memory.");
  absl::ParseCommandLine(argc, argv);
  return arrears::overdue::Run();
}
