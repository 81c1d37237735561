// BookFixture: an OverdueBook on a fresh SQLite store in a temp dir, fed
// through the production consumer path (ExactlyOnceProcessor + SqliteOutbox
// + LoanEventApplier), for tests of the book, the applier and the gRPC
// service. Test-only; the test target defines OVERDUE_PRODUCTS_YAML.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_TESTING_BOOK_FIXTURE_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_TESTING_BOOK_FIXTURE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "arrears/delinquency/v1/delinquency_events.pb.h"
#include "common/status/status_matchers.h"
#include "common/store/exactly_once_processor.h"
#include "common/store/sqlite_outbox.h"
#include "common/store/sqlite_processed_events.h"
#include "common/store/testing/temp_dir.h"
#include "common/topics/topics.h"
#include "gtest/gtest.h"
#include "services/overdue_detection/loan_event_applier.h"
#include "services/overdue_detection/overdue_book.h"
#include "services/overdue_detection/overdue_schema.h"
#include "services/overdue_detection/testing/test_products.h"

namespace arrears::overdue::testing {

// A loan event as the consumer loop hands it over.
inline events::InboundEvent Inbound(const loan::v1::LoanEvent& event, const std::string& id,
                                    int64_t offset = 0) {
  events::InboundEvent inbound;
  inbound.position = {.topic = topics::Spec(topics::v1::TOPIC_LOAN_EVENTS).name(),
                      .partition = 0,
                      .offset = offset};
  inbound.event.topic = inbound.position.topic;
  inbound.event.key = event.loan_id();
  inbound.event.envelope = {.id = id,
                            .type = std::string(loan::v1::LoanEvent::descriptor()->full_name()),
                            .source = "//loan-system/test",
                            .time = absl::FromUnixSeconds(1'706'000'000) + absl::Seconds(offset),
                            .traceparent = ""};
  event.SerializeToString(&inbound.event.payload);
  return inbound;
}

class BookFixture {
 public:
  // `report_connection`: give the book a second connection for its report
  // (OverdueBookOptions::report_db), as the service does.
  explicit BookFixture(absl::CivilDay initial_business_date,
                       absl::Time now = absl::FromUnixSeconds(1'706'000'000),
                       bool report_connection = true)
      : clock_(now),
        initial_business_date_(initial_business_date),
        report_connection_(report_connection) {
    absl::StatusOr<store::TempDir> dir = store::TempDir::Create();
    EXPECT_OK(dir.status());
    dir_.emplace(*std::move(dir));
    Open();
  }

  // (Re)opens everything on the same database file, as a restarted process.
  void Open() {
    processor_.reset();
    applier_.reset();
    book_.reset();
    outbox_.reset();
    processed_.reset();
    report_db_.reset();
    db_.reset();
    absl::StatusOr<std::unique_ptr<store::SqliteDatabase>> db =
        store::SqliteDatabase::Create({.path = dir_->File("overdue.db")});
    ASSERT_OK(db.status());
    db_ = *std::move(db);
    ASSERT_OK(db_->Migrate(AllOverdueMigrations()));
    if (report_connection_) {
      absl::StatusOr<std::unique_ptr<store::SqliteDatabase>> report_db =
          store::SqliteDatabase::Create(
              {.path = dir_->File("overdue.db"), .background_checkpoints = false});
      ASSERT_OK(report_db.status());
      report_db_ = *std::move(report_db);
    }
    outbox_ = std::make_unique<store::SqliteOutbox>(db_.get());
    processed_ = std::make_unique<store::SqliteProcessedEvents>(db_.get());
    absl::StatusOr<std::unique_ptr<OverdueBook>> book = OverdueBook::Create(
        {.products = products_,
         .db = db_.get(),
         .run_in_transaction =
             [this](
                 absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> body) {
               return db_->InTransaction([&](store::Transaction& txn) {
                 store::TransactionalOutboxWriter writer(*outbox_, txn);
                 return body(txn, writer);
               });
             },
         .clock = &clock_,
         .initial_business_date = initial_business_date_,
         .report_db = report_db_.get()});
    ASSERT_OK(book.status());
    book_ = *std::move(book);
    applier_ = std::make_unique<LoanEventApplier>(book_.get());
    absl::StatusOr<std::unique_ptr<store::ExactlyOnceProcessor>> processor =
        store::ExactlyOnceProcessor::Create(db_.get(), processed_.get(), outbox_.get(),
                                            applier_.get(), &clock_, {.consumer = "overdue-test"});
    ASSERT_OK(processor.status());
    processor_ = *std::move(processor);
  }

  // Delivers one batch; one status per event.
  std::vector<absl::Status> Deliver(const std::vector<events::InboundEvent>& batch) {
    return processor_->HandleBatch(batch);
  }
  absl::Status Deliver(const loan::v1::LoanEvent& event, const std::string& id) {
    return Deliver({Inbound(event, id, ++offset_)})[0];
  }

  // Takes the delinquency events committed to the outbox so far, in order.
  std::vector<std::pair<std::string, delinquency::v1::DelinquencyEvent>> TakeOutbox() {
    std::vector<std::pair<std::string, delinquency::v1::DelinquencyEvent>> taken;
    absl::StatusOr<std::vector<store::OutboxRecord>> records = outbox_->FetchUnpublished(100000);
    EXPECT_OK(records.status());
    std::vector<store::OutboxRecordId> ids;
    for (const store::OutboxRecord& record : *records) {
      EXPECT_EQ(record.event.topic, topics::Spec(topics::v1::TOPIC_DELINQUENCY_EVENTS).name());
      EXPECT_EQ(record.event.envelope.type, "arrears.delinquency.v1.DelinquencyEvent");
      delinquency::v1::DelinquencyEvent event;
      EXPECT_TRUE(event.ParseFromString(record.event.payload));
      EXPECT_EQ(record.event.key, event.loan_id());
      taken.emplace_back(record.event.envelope.id, std::move(event));
      ids.push_back({record.sequence, record.event.envelope.id});
    }
    EXPECT_OK(outbox_->MarkPublished(ids));
    return taken;
  }

  OverdueBook& book() { return *book_; }
  store::SqliteDatabase& db() { return *db_; }
  FakeClock& clock() { return clock_; }
  const std::shared_ptr<const ProductCatalog>& products() const { return products_; }

 private:
  FakeClock clock_;
  const absl::CivilDay initial_business_date_;
  const bool report_connection_;
  std::shared_ptr<const ProductCatalog> products_ =
      std::make_shared<const ProductCatalog>(TestCatalog());
  std::optional<store::TempDir> dir_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<store::SqliteDatabase> report_db_;  // null without report_connection
  std::unique_ptr<store::SqliteOutbox> outbox_;
  std::unique_ptr<store::SqliteProcessedEvents> processed_;
  std::unique_ptr<OverdueBook> book_;
  std::unique_ptr<LoanEventApplier> applier_;
  std::unique_ptr<store::ExactlyOnceProcessor> processor_;
  int64_t offset_ = 0;
};

}  // namespace arrears::overdue::testing

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_TESTING_BOOK_FIXTURE_H_
