// ServiceClients: gRPC stubs for the four services of a run, found the way
// every internal app finds them: an address given directly, or the file a
// service publishes its bound address in (--grpc_address_file), polled until
// it appears.
//
// A service that cannot be found or reached within the wait is absent: its
// stub is null and absent() says why, so the simulator runs on and reports
// that service's figures as n/a instead of failing. Thread-safe after
// Connect (gRPC stubs are).
#ifndef ARREARS_TOOLS_SIMULATOR_SERVICE_CLIENTS_H_
#define ARREARS_TOOLS_SIMULATOR_SERVICE_CLIENTS_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "arrears/compliance/v1/compliance_service.grpc.pb.h"
#include "arrears/contact/v1/contact_service.grpc.pb.h"
#include "arrears/delinquency/v1/overdue_service.grpc.pb.h"
#include "arrears/strategy/v1/strategy_service.grpc.pb.h"

namespace arrears::simulator {

struct ServiceEndpoint {
  // "host:port"; wins over address_file.
  std::string address;
  // File holding "host:port" (written by the service); may appear later.
  std::string address_file;
};

struct ServiceEndpoints {
  ServiceEndpoint overdue;
  ServiceEndpoint strategy;
  ServiceEndpoint contact;
  ServiceEndpoint compliance;
};

// The service names used in messages and in absent().
inline constexpr char kOverdueService[] = "overdue-detection";
inline constexpr char kStrategyService[] = "strategy-routing";
inline constexpr char kContactService[] = "contact-channels";
inline constexpr char kComplianceService[] = "compliance-auditing";

class ServiceClients {
 public:
  // Resolves and connects every endpoint, all within `wait` (checked every
  // 100 ms; an endpoint with neither address nor file is absent at once).
  // Setting *stop (optional) gives up early.
  static std::unique_ptr<ServiceClients> Connect(const ServiceEndpoints& endpoints,
                                                 absl::Duration wait,
                                                 const std::atomic<bool>* stop = nullptr);

  delinquency::v1::OverdueService::Stub* overdue() const { return overdue_.get(); }
  strategy::v1::StrategyService::Stub* strategy() const { return strategy_.get(); }
  contact::v1::ContactService::Stub* contact() const { return contact_.get(); }
  compliance::v1::ComplianceService::Stub* compliance() const { return compliance_.get(); }

  // Service name -> address, for the ones found.
  const std::map<std::string, std::string>& addresses() const { return addresses_; }
  // Service name -> why it is absent.
  const std::map<std::string, std::string>& absent() const { return absent_; }

 private:
  std::unique_ptr<delinquency::v1::OverdueService::Stub> overdue_;
  std::unique_ptr<strategy::v1::StrategyService::Stub> strategy_;
  std::unique_ptr<contact::v1::ContactService::Stub> contact_;
  std::unique_ptr<compliance::v1::ComplianceService::Stub> compliance_;
  std::map<std::string, std::string> addresses_;
  std::map<std::string, std::string> absent_;
};

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_SERVICE_CLIENTS_H_
