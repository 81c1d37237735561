// Property test: random books and random payment streams over 400 business
// days. After every loan event and every close, the incremental engine must
// agree with the naive reference model (reference_model.h):
//  - every loan's snapshot, full position (obligations, history, notices) and
//    stored history equal the reference recomputed from all its events;
//  - every emitted event's snapshot is the reference snapshot of its date;
//  - the emitted events tell a consumer everything: the last status event of
//    each loan shows the reference's state, bucket, class, oldest overdue
//    date, missed installments and overdue amounts (penalty aside, which
//    accrues daily without events); kinds are consistent with what the
//    consumer knew (CURED only after delinquent, ...); per-loan sequences
//    run 1, 2, 3, ...; event ids never repeat;
//  - pre-due notices emitted on a date are exactly the reference's.
// Streams include partial, late, early, future-dated and back-dated payments,
// overpayments, reversals, fees and waivers, restructurings, write-offs,
// closures, redelivered and malformed events, and repayments arriving before
// their loan (parked and retried, as the service does).
//
// OVERDUE_PROPERTY_SEED=<n> in the environment replays another seed.
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status_matchers.h"
#include "common/time/civil_date.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/overdue_detection/delinquency_engine.h"
#include "services/overdue_detection/in_memory_loan_store.h"
#include "services/overdue_detection/reference_model.h"
#include "services/overdue_detection/snapshot.h"
#include "services/overdue_detection/testing/loan_events.h"
#include "services/overdue_detection/testing/test_products.h"

namespace arrears::overdue {
namespace {

using namespace ::arrears::overdue::testing;  // NOLINT: event builders
using ::google::protobuf::util::MessageDifferencer;
namespace dv1 = delinquency::v1;
using D = absl::CivilDay;

constexpr int kLoans = 200;
constexpr int kBusinessDays = 400;
constexpr D kStart = D(2024, 1, 1);

// A deterministic ce_time per source event (it prefixes the derived ids).
absl::Time SourceTime(const std::string& source) {
  return absl::FromUnixSeconds(1'704'067'200) + absl::Milliseconds(source.size());
}

// Short thresholds so buckets, classes and charge-off all happen within the
// run, and a non-default allocation order and rounding mode.
constexpr char kFastProduct[] =
    "\n  - code: FAST\n"
    "    currency: CNY\n"
    "    grace_days: 2\n"
    "    tolerance: \"5.00\"\n"
    "    allocation_order: [interest, penalty, principal, fees]\n"
    "    penalty: {daily_rate: \"0.07%\", rounding: half_up}\n"
    "    charge_off_dpd: 75\n"
    "    pre_due_notice_days: [5, 1, 0]\n"
    "    buckets:\n"
    "      - {code: CURRENT, max_dpd: 0}\n"
    "      - {code: B1, max_dpd: 10}\n"
    "      - {code: B2, max_dpd: 25}\n"
    "      - {code: B3, max_dpd: 50}\n"
    "      - {code: B4+}\n"
    "    regulatory_classes:\n"
    "      special_mention_over_dpd: 3\n"
    "      substandard_over_dpd: 20\n"
    "      doubtful_over_dpd: 40\n"
    "      loss_over_dpd: 60\n";

const char* const kProducts[] = {"CAR_LOAN", "CONSUMER_LOAN", "CREDIT_CARD", "STRICT", "FAST"};

enum class Behavior { kGood, kLate, kPartial, kDefaulter, kChaotic };

struct SimLoan {
  std::string id;
  D disbursement;
  D arrival;  // when the LoanOpened is delivered
  loan::v1::LoanEvent opened;
  Behavior behavior = Behavior::kGood;
  int lateness = 0;           // days a late payer waits
  int pays_installments = 0;  // a defaulter stops after this many
  bool delivered = false;
  bool closed = false;
  int counter = 0;
  std::vector<std::string> standing_repayments;
  std::map<std::string, int64_t> unwaived_fees;
  std::vector<std::pair<loan::v1::LoanEvent, std::string>> parked;
  loan::v1::LoanEvent last_event;
};

// What a consumer that keeps the latest snapshot per loan knows.
struct ConsumerView {
  int64_t sequence = 0;
  bool has_status = false;
  dv1::DelinquencySnapshot last;
};

// The part of a snapshot that must always be up to date at the consumer.
auto StatusKey(const dv1::DelinquencySnapshot& s) {
  const bool final_state =
      s.state() == dv1::DELINQUENCY_STATE_CHARGED_OFF || s.state() == dv1::DELINQUENCY_STATE_CLOSED;
  if (final_state) {
    return std::make_tuple(static_cast<int>(s.state()), 0, 0, std::string(), 0, int64_t{0},
                           int64_t{0}, int64_t{0});
  }
  return std::make_tuple(static_cast<int>(s.state()), s.bucket().ordinal(),
                         static_cast<int>(s.regulatory_class()),
                         s.oldest_overdue_due_date().ShortDebugString(),
                         s.missed_installment_count(), s.overdue_principal().amount_minor(),
                         s.overdue_interest().amount_minor(), s.overdue_fees().amount_minor());
}

class EnginePropertyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* seed = std::getenv("OVERDUE_PROPERTY_SEED");
    seed_ = seed != nullptr ? std::strtoull(seed, nullptr, 10) : 20240229;
    rng_.seed(seed_);
    absl::StatusOr<std::unique_ptr<DelinquencyEngine>> engine =
        DelinquencyEngine::Create({products_, &store_, &clock_, kStart});
    ASSERT_OK(engine.status());
    engine_ = *std::move(engine);
    for (int i = 0; i < kLoans; ++i) {
      loans_.push_back(NewLoan(i));
    }
  }

  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  int64_t Uniform64(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  SimLoan NewLoan(int index) {
    SimLoan loan;
    loan.id = absl::StrCat("L", index);
    const std::string product = kProducts[Uniform(0, 4)];
    loan.disbursement = kStart + Uniform(-90, 300);
    loan.arrival = std::max(kStart, loan.disbursement + (Chance(0.2) ? Uniform(1, 20) : 0));
    const int count = Uniform(2, 12);
    const int64_t principal = Uniform64(1000, 50000) * 100 + Uniform(0, 99);
    const int64_t interest = Uniform64(0, principal / count / 10);
    const D first_due = loan.disbursement + Uniform(10, 40);
    std::vector<loan::v1::Installment> schedule;
    if (Chance(0.2)) {  // fortnightly, with a fee on each
      const int64_t each = principal / count;
      for (int i = 0; i < count; ++i) {
        const int64_t p = i + 1 == count ? principal - each * (count - 1) : each;
        schedule.push_back(Inst(i + 1, first_due + 14 * i, p, interest, Uniform(0, 500)));
      }
    } else {
      schedule = Monthly(first_due, count, principal, interest);
    }
    loan.opened = Opened(loan.id, product, loan.disbursement, schedule,
                         Chance(0.5) ? "Asia/Shanghai" : "Europe/London");
    loan.behavior = static_cast<Behavior>(Uniform(0, 4));
    loan.lateness = Uniform(3, 60);
    loan.pays_installments = Uniform(0, count);
    return loan;
  }

  // --- Reference bookkeeping -------------------------------------------

  // The reference's answers are memoized per (loan, day) until the loan's
  // next event: the same question is asked several times per step.
  struct ReferenceAnswers {
    absl::optional<Loan> loan;
    std::map<D, LoanPosition> positions;
  };

  ReferenceAnswers& Answers(const std::string& loan_id) {
    ReferenceAnswers& answers = reference_cache_[loan_id];
    if (!answers.loan.has_value()) {
      absl::StatusOr<Loan> loan = reference_.Rebuild(loan_id);
      EXPECT_OK(loan.status());
      if (loan.ok()) {
        answers.loan.emplace(*std::move(loan));
      }
    }
    return answers;
  }
  const LoanPosition& Reference(const std::string& loan_id, D day) {
    ReferenceAnswers& answers = Answers(loan_id);
    auto it = answers.positions.find(day);
    if (it == answers.positions.end()) {
      absl::StatusOr<LoanPosition> position = reference_.Compute(loan_id, day);
      EXPECT_OK(position.status());
      it = answers.positions.emplace(day, *std::move(position)).first;
    }
    return it->second;
  }
  void Invalidate(const std::string& loan_id) { reference_cache_.erase(loan_id); }
  dv1::DelinquencySnapshot ReferenceSnapshot(const std::string& loan_id, D day) {
    const LoanPosition& position = Reference(loan_id, day);
    const Loan& loan = *Answers(loan_id).loan;
    return BuildSnapshot(loan, *products_->Find(loan.product_code()), position);
  }

  // --- Event checks ------------------------------------------------------

  void CheckEvent(const EmittedEvent& emitted, const std::string& context) {
    const dv1::DelinquencyEvent& e = emitted.event;
    SCOPED_TRACE(absl::StrCat(context, " seed=", seed_, " event ", e.ShortDebugString()));
    EXPECT_TRUE(event_ids_.insert(emitted.event_id).second) << "event id repeated";
    ConsumerView& view = consumers_[e.loan_id()];
    EXPECT_EQ(e.loan_sequence(), view.sequence + 1);
    view.sequence = e.loan_sequence();

    const D date(e.snapshot().business_date().year(), e.snapshot().business_date().month(),
                 e.snapshot().business_date().day());
    const dv1::DelinquencySnapshot expected = ReferenceSnapshot(e.loan_id(), date);
    EXPECT_TRUE(MessageDifferencer::Equals(e.snapshot(), expected))
        << "event snapshot\n"
        << e.snapshot().DebugString() << "reference\n"
        << expected.DebugString();

    if (e.kind() == dv1::DELINQUENCY_EVENT_KIND_INSTALLMENT_DUE_SOON) {
      emitted_notices_.insert(std::make_tuple(e.loan_id(), date,
                                              e.installment_due_soon().installment_number(),
                                              e.installment_due_soon().amount_due().amount_minor(),
                                              e.installment_due_soon().days_until_due()));
      return;
    }
    const dv1::DelinquencyState before =
        view.has_status ? view.last.state() : dv1::DELINQUENCY_STATE_CURRENT;
    const dv1::DelinquencyState after = e.snapshot().state();
    EXPECT_NE(before, dv1::DELINQUENCY_STATE_CLOSED) << "nothing may follow CLOSED";
    switch (e.kind()) {
      case dv1::DELINQUENCY_EVENT_KIND_STARTED:
        EXPECT_EQ(before, dv1::DELINQUENCY_STATE_CURRENT);
        EXPECT_EQ(after, dv1::DELINQUENCY_STATE_DELINQUENT);
        break;
      case dv1::DELINQUENCY_EVENT_KIND_CURED:
        EXPECT_EQ(before, dv1::DELINQUENCY_STATE_DELINQUENT) << "CURED only if delinquent";
        EXPECT_EQ(after, dv1::DELINQUENCY_STATE_CURRENT);
        break;
      case dv1::DELINQUENCY_EVENT_KIND_CHANGED:
        EXPECT_EQ(before, after);
        EXPECT_NE(after, dv1::DELINQUENCY_STATE_CURRENT);
        EXPECT_GT(e.change_reasons_size(), 0);
        break;
      case dv1::DELINQUENCY_EVENT_KIND_CHARGED_OFF:
        EXPECT_NE(before, dv1::DELINQUENCY_STATE_CHARGED_OFF);
        EXPECT_EQ(after, dv1::DELINQUENCY_STATE_CHARGED_OFF);
        break;
      case dv1::DELINQUENCY_EVENT_KIND_CLOSED:
        EXPECT_EQ(after, dv1::DELINQUENCY_STATE_CLOSED);
        break;
      case dv1::DELINQUENCY_EVENT_KIND_CORRECTED:
        EXPECT_TRUE(e.has_correction());
        ++corrections_;
        break;
      default:
        ADD_FAILURE() << "unexpected kind";
    }
    if (view.has_status &&
        (before == dv1::DELINQUENCY_STATE_CURRENT || before == dv1::DELINQUENCY_STATE_DELINQUENT)) {
      EXPECT_EQ(e.previous_bucket().ordinal(), view.last.bucket().ordinal());
      EXPECT_EQ(e.previous_regulatory_class(), view.last.regulatory_class());
    }
    ++kinds_seen_[e.kind()];
    view.has_status = true;
    view.last = e.snapshot();
  }

  // Every loan (or only those that got events: the others cannot have
  // changed since the last check): the engine equals the reference, and the
  // consumers are up to date.
  void CheckBook(D today, const std::string& context, bool only_touched) {
    for (const SimLoan& sim : loans_) {
      if (!sim.delivered || (only_touched && !touched_.contains(sim.id))) {
        continue;
      }
      SCOPED_TRACE(absl::StrCat(context, " loan ", sim.id, " seed=", seed_));
      const LoanPosition& expected = Reference(sim.id, today);
      absl::StatusOr<LoanView> view = engine_->GetLoan(sim.id);
      ASSERT_OK(view.status());
      EXPECT_EQ(view->position, expected) << "engine:\n" << view->position;
      const dv1::DelinquencySnapshot expected_snapshot = ReferenceSnapshot(sim.id, today);
      EXPECT_TRUE(MessageDifferencer::Equals(view->snapshot, expected_snapshot));
      absl::StatusOr<dv1::DelinquencyHistory> history = engine_->GetHistory(sim.id);
      ASSERT_OK(history.status());
      const ProductConfig& product = *products_->Find(sim.opened.loan_opened().product_code());
      EXPECT_TRUE(MessageDifferencer::Equals(
          *history, HistoryProto(product, expected.history, history->name())))
          << "stored history " << history->ShortDebugString();

      const ConsumerView& consumer = consumers_[sim.id];
      const auto known =
          consumer.has_status ? StatusKey(consumer.last) : StatusKey(dv1::DelinquencySnapshot());
      auto truth = StatusKey(expected_snapshot);
      if (!consumer.has_status) {
        // Never reported: must never have stopped being current.
        EXPECT_EQ(expected_snapshot.state(), dv1::DELINQUENCY_STATE_CURRENT);
      } else {
        EXPECT_EQ(known, truth) << "the consumer's view is stale: last event snapshot\n"
                                << consumer.last.DebugString();
      }
      if (HasFailure()) {
        return;
      }
    }
  }

  // Notices emitted at the close of `day` equal the reference's.
  void CheckNotices(D day) {
    std::set<std::tuple<std::string, D, int, int64_t, int>> expected;
    for (const SimLoan& sim : loans_) {
      if (!sim.delivered) {
        continue;
      }
      for (const DueSoonNotice& n : Reference(sim.id, day).notices) {
        expected.insert(
            std::make_tuple(sim.id, day, n.installment_number, n.amount_minor, n.days_until_due));
      }
    }
    std::set<std::tuple<std::string, D, int, int64_t, int>> emitted;
    for (const auto& notice : emitted_notices_) {
      if (std::get<1>(notice) == day) {
        emitted.insert(notice);
      }
    }
    EXPECT_EQ(emitted, expected) << "notices of " << time::FormatCivilDay(day);
  }

  // --- Driving -----------------------------------------------------------

  // The first day in [from, until) on which two histories disagree, by
  // brute force.
  static absl::optional<D> FirstDifferentDay(const DelinquencyHistory& a,
                                             const DelinquencyHistory& b, D from, D until) {
    auto value_on = [](const std::vector<Period>& periods, D day) -> absl::optional<int32_t> {
      for (const Period& p : periods) {
        if (p.entered_on <= day && (!p.left_on.has_value() || day < *p.left_on)) {
          return p.value;
        }
      }
      return absl::nullopt;
    };
    for (D day = from; day < until; ++day) {
      if (value_on(a.buckets, day) != value_on(b.buckets, day) ||
          value_on(a.classes, day) != value_on(b.classes, day)) {
        return day;
      }
    }
    return absl::nullopt;
  }

  // A loan event that rewrote some past day's bucket or class must say so
  // (CORRECTED, from that day), unless it closes or charges off the loan;
  // one that did not must not claim to.
  void CheckCorrection(const SimLoan& sim, const LoanPosition& before,
                       const std::vector<EmittedEvent>& events, D today) {
    const LoanPosition& after = Reference(sim.id, today);
    const absl::optional<D> changed =
        FirstDifferentDay(before.history, after.history, sim.disbursement, today);
    if (before.state == dv1::DELINQUENCY_STATE_CLOSED) {
      return;
    }
    if (changed.has_value()) {
      ASSERT_EQ(events.size(), 1u) << "a corrected past must be reported";
    }
    for (const EmittedEvent& e : events) {
      const dv1::DelinquencyEventKind kind = e.event.kind();
      if (changed.has_value()) {
        EXPECT_TRUE(kind == dv1::DELINQUENCY_EVENT_KIND_CORRECTED ||
                    kind == dv1::DELINQUENCY_EVENT_KIND_CHARGED_OFF ||
                    kind == dv1::DELINQUENCY_EVENT_KIND_CLOSED)
            << e.event.ShortDebugString();
        if (kind == dv1::DELINQUENCY_EVENT_KIND_CORRECTED) {
          const common::v1::Date& from = e.event.correction().recomputed_from();
          EXPECT_EQ(D(from.year(), from.month(), from.day()), *changed);
        }
      } else if (kind == dv1::DELINQUENCY_EVENT_KIND_CORRECTED) {
        EXPECT_EQ(before.state, dv1::DELINQUENCY_STATE_CHARGED_OFF)
            << "CORRECTED without a changed past: " << e.event.ShortDebugString();
      }
    }
  }

  void Deliver(SimLoan& sim, const loan::v1::LoanEvent& event, D today) {
    const std::string source = absl::StrCat("src-", ++source_counter_);
    absl::optional<LoanPosition> before;
    if (sim.delivered) {
      before = Reference(sim.id, today);
    }
    touched_.insert(sim.id);
    absl::StatusOr<std::vector<EmittedEvent>> events =
        engine_->Apply(event, source, SourceTime(source));
    if (!sim.delivered && !event.has_loan_opened()) {
      EXPECT_EQ(events.status().code(), absl::StatusCode::kFailedPrecondition) << events.status();
      sim.parked.emplace_back(event, source);
      return;
    }
    absl::Status reference_status = reference_.Apply(event);
    EXPECT_EQ(events.status().code(), reference_status.code())
        << "engine: " << events.status() << " reference: " << reference_status;
    if (!events.ok()) {
      ++rejected_;
      return;
    }
    Invalidate(sim.id);
    if (event.has_loan_opened()) {
      sim.delivered = true;
    }
    sim.last_event = event;
    for (const EmittedEvent& e : *events) {
      CheckEvent(e, "apply");
    }
    if (before.has_value()) {
      CheckCorrection(sim, *before, *events, today);
    }
    if (sim.delivered && event.has_loan_opened()) {
      for (auto& [parked, parked_source] : sim.parked) {
        absl::StatusOr<std::vector<EmittedEvent>> retried =
            engine_->Apply(parked, parked_source, SourceTime(parked_source));
        EXPECT_EQ(retried.status().code(), reference_.Apply(parked).code());
        if (!retried.ok()) {
          continue;
        }
        Invalidate(sim.id);
        for (const EmittedEvent& e : *retried) {
          CheckEvent(e, "parked");
        }
      }
      sim.parked.clear();
    }
  }

  D ValueDate(const SimLoan& sim, D today) {
    if (Chance(0.12)) {
      return std::max(sim.disbursement, today - Uniform(1, 20));
    }
    if (Chance(0.05)) {
      return today + Uniform(1, 5);
    }
    return std::max(sim.disbursement, today);
  }

  void Pay(SimLoan& sim, int64_t amount, D today) {
    if (amount <= 0) {
      return;
    }
    if (Chance(0.05)) {
      amount += Uniform64(1, 50000);  // overpayment
    }
    const std::string id = absl::StrCat(sim.id, "-R", ++sim.counter);
    Deliver(sim, Repayment(sim.id, id, amount, ValueDate(sim, today)), today);
    if (sim.delivered) {
      sim.standing_repayments.push_back(id);
    }
  }

  void Act(SimLoan& sim, D today) {
    if (!sim.delivered) {
      if (today == sim.arrival) {
        Deliver(sim, sim.opened, today);
      } else if (today >= sim.disbursement && Chance(0.05)) {
        Pay(sim, Uniform64(100, 100000), today);  // arrives before its loan: parked
      }
      return;
    }
    if (sim.closed) {
      if (Chance(0.003)) {
        Pay(sim, Uniform64(100, 10000), today);
      }
      return;
    }
    // A copy: delivering events below invalidates the cached position.
    const LoanPosition p = Reference(sim.id, today);
    if (p.state == dv1::DELINQUENCY_STATE_CLOSED) {
      return;
    }
    int64_t overdue = p.overdue.Total();
    int64_t due_soon = 0;
    int paid_installments = 0;
    for (const Obligation& o : p.obligations) {
      if (o.paid_on.has_value()) {
        ++paid_installments;
      }
      if (o.due_date >= today && o.due_date - today <= 3) {
        due_soon += o.Unpaid();
      }
    }
    due_soon = std::max<int64_t>(0, due_soon - p.credit_minor);
    int64_t due_now = 0;  // everything already due, within grace too
    for (const Obligation& o : p.obligations) {
      if (o.due_date <= today) {
        due_now += o.Unpaid();
      }
    }

    switch (sim.behavior) {
      case Behavior::kGood:
        if (due_soon > 0 && Chance(0.4)) {
          Pay(sim, due_soon + due_now, today);
        }
        if (due_now > 0 && Chance(0.3)) {
          Pay(sim, due_now, today);
        }
        break;
      case Behavior::kLate:
        if (p.dpd >= sim.lateness && Chance(0.3)) {
          Pay(sim, due_now, today);
        }
        break;
      case Behavior::kPartial:
        if (overdue > 0 && Chance(0.12)) {
          Pay(sim, overdue * Uniform(10, 90) / 100, today);
        }
        if (due_soon > 0 && Chance(0.1)) {
          Pay(sim, due_soon / 2, today);
        }
        break;
      case Behavior::kDefaulter:
        if (paid_installments < sim.pays_installments && due_soon > 0 && Chance(0.4)) {
          Pay(sim, due_soon + due_now, today);
        }
        break;
      case Behavior::kChaotic:
        if (Chance(0.08)) {
          Pay(sim, Uniform64(1, std::max<int64_t>(2, due_now + due_soon)), today);
        }
        break;
    }
    if (sim.closed) {
      return;
    }

    if (!sim.standing_repayments.empty() && Chance(0.01)) {
      const size_t pick = Uniform(0, static_cast<int>(sim.standing_repayments.size()) - 1);
      const std::string repayment = sim.standing_repayments[pick];
      sim.standing_repayments.erase(sim.standing_repayments.begin() + pick);
      Deliver(sim, Reversal(sim.id, absl::StrCat(sim.id, "-V", ++sim.counter), repayment), today);
    }
    if (p.oldest_overdue_due_date.has_value() && Chance(0.02)) {
      for (const Obligation& o : p.obligations) {
        if (!o.overdue || o.kind != ObligationKind::kInstallment) {
          continue;
        }
        const std::string fee = absl::StrCat(sim.id, "-F", ++sim.counter);
        const int64_t amount = Uniform64(2000, 10000);
        Deliver(
            sim,
            Fee(sim.id, fee, amount, o.number, std::max(sim.disbursement, today - Uniform(0, 3))),
            today);
        sim.unwaived_fees[fee] = amount;
        break;
      }
    }
    if (Chance(0.004)) {
      const std::string fee = absl::StrCat(sim.id, "-F", ++sim.counter);
      const int64_t amount = Uniform64(500, 3000);
      Deliver(sim, Fee(sim.id, fee, amount, 0, today, today + Uniform(-3, 20)), today);
      sim.unwaived_fees[fee] = amount;
    }
    if (!sim.unwaived_fees.empty() && Chance(0.02)) {
      auto fee = sim.unwaived_fees.begin();
      std::advance(fee, Uniform(0, static_cast<int>(sim.unwaived_fees.size()) - 1));
      if (fee->second > 0) {
        const int64_t amount = Uniform64(1, fee->second);
        fee->second -= amount;
        Deliver(
            sim,
            Waiver(sim.id, absl::StrCat(sim.id, "-W", ++sim.counter), fee->first, amount, today),
            today);
      }
    }
    if (p.state == dv1::DELINQUENCY_STATE_DELINQUENT && Chance(0.008)) {
      Restructure(sim, p, today);
    }
    if (p.state == dv1::DELINQUENCY_STATE_DELINQUENT && p.dpd > 30 && Chance(0.002)) {
      Deliver(sim, WrittenOff(sim.id, std::max(sim.disbursement, today - Uniform(0, 5)), overdue),
              today);
    }
    if ((p.total_outstanding_minor == 0 && Chance(0.5)) || Chance(0.0005)) {
      Deliver(sim,
              Closed(sim.id, std::max(sim.disbursement, today - (Chance(0.2) ? Uniform(1, 5) : 0))),
              today);
      sim.closed = true;
      return;
    }
    if (Chance(0.01)) {
      Deliver(sim, sim.last_event, today);  // redelivered
    }
    if (Chance(0.004)) {  // malformed
      loan::v1::LoanEvent bad = Repayment(sim.id, absl::StrCat(sim.id, "-X", ++sim.counter),
                                          Chance(0.5) ? -100 : 100, today);
      if (bad.repayment_posted().amount().amount_minor() > 0) {
        bad.mutable_repayment_posted()->mutable_amount()->set_currency_code("USD");
      }
      Deliver(sim, bad, today);
    }
  }

  void Restructure(SimLoan& sim, const LoanPosition& p, D today) {
    int32_t from = 0;
    int64_t principal_left = 0;
    int32_t last_number = 0;
    for (const Obligation& o : p.obligations) {
      if (o.kind != ObligationKind::kInstallment) {
        continue;
      }
      last_number = std::max(last_number, o.number);
      if (o.Unpaid() > 0 && (from == 0 || o.number < from)) {
        from = o.number;
      }
    }
    if (from == 0) {
      return;
    }
    for (const Obligation& o : p.obligations) {
      if (o.kind == ObligationKind::kInstallment && o.number >= from) {
        principal_left += o.UnpaidPrincipal();
      }
    }
    const int count = Uniform(2, 6);
    std::vector<loan::v1::Installment> plan =
        Monthly(today + Uniform(15, 45), count, std::max<int64_t>(principal_left, count * 100),
                Uniform64(0, 5000), from);
    const D effective = std::max(sim.disbursement, today - (Chance(0.3) ? Uniform(1, 10) : 0));
    Deliver(sim,
            overdue::testing::Restructure(sim.id, absl::StrCat(sim.id, "-S", ++sim.counter),
                                          effective, from, plan),
            today);
  }

  std::shared_ptr<const ProductCatalog> products_ = std::make_shared<const ProductCatalog>(
      TestCatalog(absl::StrCat(kStrictProduct, kFastProduct)));
  InMemoryLoanStore store_;
  FakeClock clock_;
  std::unique_ptr<DelinquencyEngine> engine_;
  ReferenceModel reference_{products_};
  uint64_t seed_ = 0;
  std::mt19937_64 rng_;
  std::vector<SimLoan> loans_;
  std::map<std::string, ReferenceAnswers> reference_cache_;
  std::map<std::string, ConsumerView> consumers_;
  std::set<std::string> event_ids_;
  std::set<std::string> touched_;  // loans that got an event today
  std::set<std::tuple<std::string, D, int, int64_t, int>> emitted_notices_;
  std::map<dv1::DelinquencyEventKind, int> kinds_seen_;
  int source_counter_ = 0;
  int rejected_ = 0;
  int corrections_ = 0;
};

TEST_F(EnginePropertyTest, IncrementalEngineEqualsNaiveReference) {
  D today = kStart;
  int64_t evaluated = 0;
  int64_t planned_notice_loans = 0;
  for (int step = 0; step < kBusinessDays;) {
    touched_.clear();
    for (SimLoan& sim : loans_) {
      Act(sim, today);
    }
    CheckBook(today, absl::StrCat("after the events of ", time::FormatCivilDay(today)),
              /*only_touched=*/true);
    if (HasFailure()) {
      return;
    }

    // Mostly one day at a time; sometimes a few days in one close.
    const int days = Chance(0.1) ? Uniform(2, 4) : 1;
    const D target = today + days;
    absl::StatusOr<CloseResult> closed = engine_->CloseBusinessDay(target);
    ASSERT_OK(closed.status());
    evaluated += closed->loans_evaluated;
    planned_notice_loans += closed->planned_notice_loans;
    reference_cache_.clear();
    for (const EmittedEvent& e : closed->events) {
      CheckEvent(e, absl::StrCat("close ", time::FormatCivilDay(target)));
    }
    for (D day = today + 1; day <= target; ++day) {
      CheckNotices(day);
    }
    today = target;
    step += days;
    CheckBook(today, absl::StrCat("after closing ", time::FormatCivilDay(today)),
              /*only_touched=*/false);
    if (HasFailure()) {
      return;
    }
  }

  // The stream did exercise what it claims to.
  for (dv1::DelinquencyEventKind kind :
       {dv1::DELINQUENCY_EVENT_KIND_STARTED, dv1::DELINQUENCY_EVENT_KIND_CHANGED,
        dv1::DELINQUENCY_EVENT_KIND_CURED, dv1::DELINQUENCY_EVENT_KIND_CHARGED_OFF,
        dv1::DELINQUENCY_EVENT_KIND_CORRECTED, dv1::DELINQUENCY_EVENT_KIND_CLOSED}) {
    EXPECT_GT(kinds_seen_[kind], 0) << dv1::DelinquencyEventKind_Name(kind);
  }
  EXPECT_GT(emitted_notices_.size(), 100u);
  // Most notices came from the plans (planned_notice.h), checked above
  // against the reference like every other event.
  EXPECT_GT(planned_notice_loans, 50);
  EXPECT_GT(rejected_, 0);
  // Closing evaluated far fewer loans than a daily scan of the book would.
  EXPECT_LT(evaluated, int64_t{kLoans} * kBusinessDays / 4);
  int charged_off_by_dpd = 0;
  for (const SimLoan& sim : loans_) {
    if (!sim.delivered) {
      continue;
    }
    const LoanPosition& p = Reference(sim.id, today);
    const Loan& loan = *Answers(sim.id).loan;
    if (p.charged_off_on.has_value() && p.charged_off_on != loan.written_off_on()) {
      ++charged_off_by_dpd;
    }
  }
  EXPECT_GT(charged_off_by_dpd, 0);
  std::cout << "seed " << seed_ << ": " << event_ids_.size() << " events, " << corrections_
            << " corrections, " << charged_off_by_dpd << " charge-offs by DPD, " << rejected_
            << " rejected, " << evaluated
            << " loan evaluations at closes (a daily scan: " << kLoans * kBusinessDays << ")\n";
}

}  // namespace
}  // namespace arrears::overdue
