#pragma once
// The operator requests of topics.md (firmware_add, firmware_list, device_list,
// gateway_list, campaign_create, results): validates args, changes state (the
// database first), publishes what follows, and builds the response data.
#include <random>
#include <string>

#include "common/clock.hpp"
#include "common/messages.hpp"
#include "common/operator_audit.hpp"
#include "common/operator_messages.hpp"
#include "common/operator_views.hpp"
#include "common/transport.hpp"
#include "manager/campaign_control.hpp"
#include "manager/campaign_planner.hpp"
#include "manager/campaign_preparer.hpp"
#include "manager/firmware_repository.hpp"
#include "manager/firmware_uploads.hpp"
#include "manager/gateway_windows.hpp"
#include "manager/manager_store.hpp"
#include "manager/schedule_planner.hpp"
#include "manager/schedule_publisher.hpp"

namespace fleetcast::manager {

class OperatorApi {
   public:
    // page_limit: the most rows one page of `results` or `targets` carries
    // (1-5000; a request asking more gets this many, the client asks on).
    OperatorApi(ManagerStore& store, FirmwareRepository& repo, FirmwareUploads& uploads, SchedulePublisher& schedules,
                CampaignControl& control, CampaignPreparer& preparer, Transport& transport, Clock& clock,
                std::uint64_t page_limit = kResultsPageMax);

    // The response data, or a clear error for an unknown op, bad args or a
    // failure. A request that changes something (changes_fleet) is recorded
    // in the audit log with `identity` and `client` (the request topic's).
    Expected<Json> handle(const OperatorRequest& req, const std::string& identity, const std::string& client);

   private:
    // operator_audit.cpp: runs a changing op and appends its audit entry in one transaction.
    Expected<Json> audited(OperatorOp op, const OperatorRequest& req, const std::string& identity,
                           const std::string& client);
    Expected<Json> audit_view(const AuditArgs& args);
    Expected<Json> dispatch(OperatorOp op, const OperatorRequest& req);
    Expected<Json> firmware_add(const FirmwareAddArgs& args);
    // The last step of an upload over MQTT: the checked image is added like firmware_add.
    Expected<Json> firmware_upload_commit(const FirmwareUploadCommitArgs& args);
    // Adds an image file and retains its signed manifest (firmware_add and upload commit).
    Expected<Json> add_image(const FirmwareAddRequest& req);
    Expected<Json> firmware_list();
    // Refused (in_use) while an active or paused campaign uses the image.
    Expected<Json> firmware_delete(const FirmwareArgs& args);
    Expected<Json> device_list();
    Expected<Json> gateway_list();
    Expected<Json> rate_list();
    // Transmission/update times from image sizes and the stored link rates.
    Expected<TimePlan> plan_campaign_times(const CampaignCreateArgs& spec, const CampaignPlan& plan,
                                           const std::vector<FirmwareManifest>& manifests);
    Expected<Json> campaign_create(CampaignCreateArgs spec);
    Expected<Json> results(const ResultsArgs& args);
    Expected<std::string> new_campaign_id();
    // operator_control.cpp: defer, cancel, suspend/resume, set_param (R12, R14, R15, R19)
    Expected<Json> defer(const std::string& req_id, const DeferArgs& args);
    Expected<Json> cancel(const std::string& req_id, const DeviceArgs& args);
    Expected<Json> suspend(const std::string& req_id, const DeviceArgs& args, bool suspend);
    Expected<Json> set_param(const std::string& req_id, const SetParamArgs& args);
    Expected<TargetRecord> active_target(const std::string& device);

    ManagerStore& store_;
    FirmwareRepository& repo_;
    FirmwareUploads& uploads_;
    SchedulePublisher& schedules_;
    CampaignControl& control_;    // campaign_pause, campaign_resume, campaign_cancel (issue 16)
    CampaignPreparer& preparer_;  // a campaign's deltas, made off the loop (issue 17 follow-up)
    Transport& transport_;
    Clock& clock_;
    std::uint64_t page_limit_;
    GatewayWindows windows_;  // gateway_set_window, gateway_clear_window (issue 16 item 5)
    std::mt19937 random_;
};

}  // namespace fleetcast::manager
