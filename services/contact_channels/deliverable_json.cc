#include "services/contact_channels/deliverable_json.h"

namespace arrears::contact {
namespace {

nlohmann::json WorkOrderJson(const WorkOrder& order) {
  nlohmann::json j;
  j["kind"] = "work_order";
  j["channel"] = common::v1::Channel_Name(order.channel);
  j["order_id"] = order.order_id;
  j["customer_id"] = order.customer_id;
  j["loan_ids"] = order.loan_ids;
  j["contact_point_id"] = order.contact_point.contact_point_id();
  j["to"] = order.contact_point.masked_value();
  j["staff_ids"] = order.staff_ids;
  j["agency_id"] = order.agency_id;
  j["details"] = order.details;
  if (!order.script.empty()) j["script"] = order.script;
  if (!order.items.empty()) {
    nlohmann::json items = nlohmann::json::array();
    for (const WorkOrder& item : order.items) items.push_back(WorkOrderJson(item));
    j["items"] = std::move(items);
  }
  return j;
}

}  // namespace

nlohmann::json DeliverableJson(const Deliverable& deliverable, bool raw_address) {
  if (const auto* order = std::get_if<WorkOrder>(&deliverable)) return WorkOrderJson(*order);
  const auto& message = std::get<RenderedMessage>(deliverable);
  nlohmann::json j;
  j["kind"] = "message";
  j["channel"] = common::v1::Channel_Name(message.channel);
  j["contact_point_id"] = message.contact_point.contact_point_id();
  j["to"] = raw_address ? message.contact_point.value() : message.contact_point.masked_value();
  j["template_id"] = message.template_id;
  j["language"] = message.language;
  j["subject"] = message.subject;
  j["body"] = message.body;
  return j;
}

}  // namespace arrears::contact
