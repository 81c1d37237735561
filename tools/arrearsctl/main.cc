// arrearsctl: the operators' and scripts' client of the Arrears services.
// It talks gRPC and Kafka like any internal app: addresses by flag or by the
// files the services publish (--grpc_address_file), Kafka by bootstrap
// address. `arrearsctl help` lists the commands.
//
// Exit status: 0 ok; 1 the call failed (the server's status is printed with
// its code and message, which names the field at fault); 2 usage error.
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "arrears/compliance/v1/compliance_service.grpc.pb.h"
#include "arrears/contact/v1/contact_service.grpc.pb.h"
#include "arrears/delinquency/v1/overdue_service.grpc.pb.h"
#include "arrears/strategy/v1/strategy_service.grpc.pb.h"
#include "common/kafka/config.h"
#include "common/kafka/producer.h"
#include "common/runtime/grpc_status.h"
#include "common/runtime/published_file.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tools/arrearsctl/command_line.h"
#include "tools/arrearsctl/json_lines.h"
#include "tools/arrearsctl/output.h"
#include "tools/arrearsctl/requests.h"

namespace arrears::ctl {
namespace {

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;

int UsageError(const absl::Status& status) {
  std::cerr << "arrearsctl: " << status.message() << "\n";
  return kUsage;
}

class Session {
 public:
  explicit Session(ParsedCommand command) : command_(std::move(command)) {}

  int Run();

 private:
  std::string DataDir() const { return command_.Get("data_dir", "data"); }

  // The channel to `service`: --<flag>_address, else the address file
  // (--<flag>_address_file or <data_dir>/<service>.grpc-address).
  absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel(absl::string_view flag,
                                                         absl::string_view service) const {
    std::string address = command_.Get(absl::StrCat(flag, "_address"));
    if (address.empty()) {
      const std::string file = command_.Get(absl::StrCat(flag, "_address_file"),
                                            absl::StrCat(DataDir(), "/", service, ".grpc-address"));
      absl::StatusOr<std::string> published = runtime::ReadPublishedFile(file);
      if (!published.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            service, ": no --", flag,
            "_address and its address file is unusable: ", published.status().message()));
      }
      address = *published;
    }
    return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  }

  void Prepare(grpc::ClientContext& context) const {
    context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  }

  // Prints a failed call's status; exit status 1.
  int Failed(absl::string_view method, const grpc::Status& status) const {
    const absl::Status converted = runtime::FromGrpcStatus(status);
    std::cerr << "arrearsctl: " << method << ": " << absl::StatusCodeToString(converted.code())
              << ": " << converted.message() << "\n";
    return kFailed;
  }

  int Print(const google::protobuf::Message& message, const std::string& text) const {
    std::cout << (command_.Has("json") ? ToJson(message) + "\n" : text);
    return kOk;
  }

  int Publish(EventKind kind);
  int Loan();
  int Cases();
  int RecordOutcome();
  int CheckContact();
  int VerifyAudit();
  int OverdueReport();
  int CloseDay();

  const ParsedCommand command_;
  absl::Duration deadline_ = absl::Seconds(10);
};

int Session::Run() {
  const std::string& name = command_.spec->name;
  if (name == "help") {
    if (command_.arguments.empty()) {
      std::cout << Usage();
    } else {
      for (const CommandSpec& spec : Commands()) {
        if (spec.name == command_.arguments[0]) std::cout << CommandUsage(spec);
      }
    }
    return kOk;
  }
  if (command_.Has("deadline") && (!absl::ParseDuration(command_.Get("deadline"), &deadline_) ||
                                   deadline_ <= absl::ZeroDuration())) {
    return UsageError(absl::InvalidArgumentError("--deadline: not a positive duration (e.g. 10s)"));
  }
  if (name == "publish-loan-events") return Publish(EventKind::kLoan);
  if (name == "publish-customer-events") return Publish(EventKind::kCustomer);
  if (name == "loan") return Loan();
  if (name == "cases") return Cases();
  if (name == "record-outcome") return RecordOutcome();
  if (name == "check-contact") return CheckContact();
  if (name == "verify-audit") return VerifyAudit();
  if (name == "overdue-report") return OverdueReport();
  if (name == "close-day") return CloseDay();
  return UsageError(absl::InvalidArgumentError(absl::StrCat("unhandled command ", name)));
}

int Session::Publish(EventKind kind) {
  const std::string path = command_.Get("file", "-");
  std::ifstream file;
  if (path != "-") {
    file.open(path);
    if (!file)
      return UsageError(absl::InvalidArgumentError(absl::StrCat("--file: cannot open ", path)));
  }
  std::istream& input = path == "-" ? std::cin : file;
  absl::StatusOr<std::vector<events::Event>> events = ReadEventLines(input, kind, absl::Now());
  if (!events.ok()) {
    return UsageError(
        absl::Status(events.status().code(),
                     absl::StrCat(path == "-" ? "stdin" : path, ": ", events.status().message())));
  }
  const std::string topic = events->empty() ? "" : events->front().topic;
  if (command_.Has("dry_run")) {
    std::cout << events->size() << " valid events (dry run, nothing published)\n";
    return kOk;
  }
  if (events->empty()) {
    std::cout << "no events in the input\n";
    return kOk;
  }
  kafka::KafkaConfig config;
  config.client_id = "arrearsctl";
  config.profile =
      command_.Has("production_kafka") ? kafka::Profile::kProduction : kafka::Profile::kDev;
  config.bootstrap_servers = command_.Get("bootstrap");
  if (config.bootstrap_servers.empty()) {
    absl::StatusOr<std::string> from_file = kafka::ReadBootstrapFile(
        command_.Get("bootstrap_file", absl::StrCat(DataDir(), "/bootstrap")));
    if (!from_file.ok()) {
      return UsageError(absl::InvalidArgumentError(
          absl::StrCat("--bootstrap or --bootstrap_file: ", from_file.status().message())));
    }
    config.bootstrap_servers = *from_file;
  }
  absl::StatusOr<kafka::Properties> properties =
      kafka::ParseProperties(command_.Get("kafka_properties"));
  if (!properties.ok()) return UsageError(properties.status());
  config.properties = *properties;
  absl::StatusOr<std::unique_ptr<kafka::KafkaProducer>> producer =
      kafka::KafkaProducer::Create(config);
  if (!producer.ok()) {
    std::cerr << "arrearsctl: " << producer.status().message() << "\n";
    return kFailed;
  }
  if (absl::Status published = (*producer)->Publish(*events); !published.ok()) {
    std::cerr << "arrearsctl: publishing to " << topic << ": " << published.message() << "\n";
    return kFailed;
  }
  std::cout << "published " << events->size() << " events to " << topic << "\n";
  return kOk;
}

int Session::Loan() {
  absl::StatusOr<std::string> name = LoanDelinquencyName(command_.arguments[0]);
  if (!name.ok()) return UsageError(name.status());
  auto channel = Channel("overdue", "overdue-detection");
  if (!channel.ok()) return UsageError(channel.status());
  auto stub = delinquency::v1::OverdueService::NewStub(*channel);
  delinquency::v1::GetLoanDelinquencyRequest request;
  request.set_name(*name);
  delinquency::v1::LoanDelinquency loan;
  grpc::ClientContext context;
  Prepare(context);
  if (grpc::Status s = stub->GetLoanDelinquency(&context, request, &loan); !s.ok()) {
    return Failed("GetLoanDelinquency", s);
  }
  delinquency::v1::DelinquencyHistory history;
  if (command_.Has("history")) {
    delinquency::v1::GetDelinquencyHistoryRequest history_request;
    history_request.set_name(LoanHistoryName(command_.arguments[0]));
    grpc::ClientContext history_context;
    Prepare(history_context);
    if (grpc::Status s = stub->GetDelinquencyHistory(&history_context, history_request, &history);
        !s.ok()) {
      return Failed("GetDelinquencyHistory", s);
    }
    if (command_.Has("json")) std::cout << ToJson(history) << "\n";
  }
  return Print(loan, FormatLoanDelinquency(loan, command_.Has("history") ? &history : nullptr));
}

int Session::Cases() {
  absl::StatusOr<strategy::v1::ListCasesRequest> request = ListCasesRequestFrom(command_);
  if (!request.ok()) return UsageError(request.status());
  auto channel = Channel("strategy", "strategy-routing");
  if (!channel.ok()) return UsageError(channel.status());
  auto stub = strategy::v1::StrategyService::NewStub(*channel);
  std::vector<strategy::v1::Case> cases;
  strategy::v1::ListCasesResponse all;
  do {
    strategy::v1::ListCasesResponse page;
    grpc::ClientContext context;
    Prepare(context);
    if (grpc::Status s = stub->ListCases(&context, *request, &page); !s.ok()) {
      return Failed("ListCases", s);
    }
    for (const strategy::v1::Case& c : page.cases()) {
      cases.push_back(c);
      *all.add_cases() = c;
    }
    request->set_page_token(page.next_page_token());
    all.set_next_page_token(page.next_page_token());
  } while (command_.Has("all") && !request->page_token().empty());
  return Print(all, FormatCases(cases));
}

int Session::RecordOutcome() {
  absl::StatusOr<contact::v1::RecordOutcomeRequest> request =
      RecordOutcomeRequestFrom(command_, absl::Now());
  if (!request.ok()) return UsageError(request.status());
  auto channel = Channel("contact", "contact-channels");
  if (!channel.ok()) return UsageError(channel.status());
  auto stub = contact::v1::ContactService::NewStub(*channel);
  contact::v1::ContactEvent event;
  grpc::ClientContext context;
  Prepare(context);
  if (grpc::Status s = stub->RecordOutcome(&context, *request, &event); !s.ok()) {
    return Failed("RecordOutcome", s);
  }
  return Print(event, FormatContactEvent(event));
}

int Session::CheckContact() {
  absl::StatusOr<compliance::v1::CheckContactRequest> request =
      CheckContactRequestFrom(command_, absl::Now());
  if (!request.ok()) return UsageError(request.status());
  auto channel = Channel("compliance", "compliance-auditing");
  if (!channel.ok()) return UsageError(channel.status());
  auto stub = compliance::v1::ComplianceService::NewStub(*channel);
  compliance::v1::ContactDecision decision;
  grpc::ClientContext context;
  Prepare(context);
  if (grpc::Status s = stub->CheckContact(&context, *request, &decision); !s.ok()) {
    return Failed("CheckContact", s);
  }
  return Print(decision, FormatDecision(decision));
}

int Session::VerifyAudit() {
  absl::StatusOr<compliance::v1::VerifyLogRequest> request = VerifyLogRequestFrom(command_);
  if (!request.ok()) return UsageError(request.status());
  auto channel = Channel("compliance", "compliance-auditing");
  if (!channel.ok()) return UsageError(channel.status());
  auto stub = compliance::v1::ComplianceService::NewStub(*channel);
  compliance::v1::VerifyLogResponse response;
  grpc::ClientContext context;
  Prepare(context);
  if (grpc::Status s = stub->VerifyLog(&context, *request, &response); !s.ok()) {
    return Failed("VerifyLog", s);
  }
  Print(response, FormatVerifyLog(response));
  return response.ok() ? kOk : kFailed;
}

int Session::OverdueReport() {
  absl::StatusOr<delinquency::v1::GetOverdueReportRequest> request =
      OverdueReportRequestFrom(command_);
  if (!request.ok()) return UsageError(request.status());
  auto channel = Channel("overdue", "overdue-detection");
  if (!channel.ok()) return UsageError(channel.status());
  auto stub = delinquency::v1::OverdueService::NewStub(*channel);
  delinquency::v1::OverdueReport report;
  grpc::ClientContext context;
  Prepare(context);
  if (grpc::Status s = stub->GetOverdueReport(&context, *request, &report); !s.ok()) {
    return Failed("GetOverdueReport", s);
  }
  return Print(report, FormatOverdueReport(report));
}

int Session::CloseDay() {
  absl::StatusOr<delinquency::v1::CloseBusinessDayRequest> request = CloseDayRequestFrom(command_);
  if (!request.ok()) return UsageError(request.status());
  auto channel = Channel("overdue", "overdue-detection");
  if (!channel.ok()) return UsageError(channel.status());
  auto stub = delinquency::v1::OverdueService::NewStub(*channel);
  delinquency::v1::CloseBusinessDayResponse response;
  grpc::ClientContext context;
  Prepare(context);
  if (grpc::Status s = stub->CloseBusinessDay(&context, *request, &response); !s.ok()) {
    return Failed("CloseBusinessDay", s);
  }
  return Print(response, FormatCloseDay(response));
}

}  // namespace
}  // namespace arrears::ctl

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<arrears::ctl::ParsedCommand> command = arrears::ctl::ParseCommandLine(args);
  if (!command.ok()) {
    std::cerr << "arrearsctl: " << command.status().message() << "\n"
              << "(arrearsctl help shows the commands and flags)\n";
    return 2;
  }
  return arrears::ctl::Session(*std::move(command)).Run();
}
