// Operator requests (manager) and responses (CLI): the envelopes, then every
// op's typed args (the manager's decoders) and answers (the CLI's) on the
// same object.
#include "common/failure_threshold.hpp"
#include "common/messages.hpp"
#include "common/operator_audit.hpp"
#include "common/operator_campaign_create.hpp"
#include "common/operator_campaign_views.hpp"
#include "common/operator_campaigns.hpp"
#include "common/operator_messages.hpp"
#include "common/operator_upload.hpp"
#include "common/operator_views.hpp"
#include "common/operator_windows.hpp"
#include "tests/fuzz/fuzz_target.hpp"

void fuzz_one(std::string_view input) {
    using namespace fleetcast;
    (void)decode_operator_request(input);
    (void)decode_operator_response(input);
    auto j = Json::parse(input, 1024 * 1024);
    if (!j) return;
    const cJSON* o = j->get();
    // Args.
    (void)firmware_add_args_from_json(o);
    (void)results_args_from_json(o);
    (void)targets_args_from_json(o);
    (void)defer_args_from_json(o);
    (void)set_param_args_from_json(o);
    (void)campaign_list_args_from_json(o);
    (void)campaign_create_args_from_json(o);
    (void)campaign_control_args_from_json(o);
    (void)firmware_upload_begin_args_from_json(o);
    (void)firmware_upload_piece_args_from_json(o);
    (void)firmware_upload_commit_args_from_json(o);
    (void)firmware_args_from_json(o);
    (void)gateway_window_args_from_json(o);
    (void)audit_args_from_json(o);
    // Answers.
    (void)results_answer_from_json(o);
    (void)campaign_list_answer_from_json(o);
    (void)device_detail_answer_from_json(o);
    (void)gateway_table_answer_from_json(o);
    (void)targets_answer_from_json(o);
    (void)device_status_answer_from_json(o);
    (void)firmware_list_answer_from_json(o);
    (void)campaign_created_from_json(o);
    (void)firmware_upload_progress_from_json(o);
    (void)firmware_deleted_from_json(o);
    (void)gateway_window_view_from_json(o);
    (void)audit_answer_from_json(o);
    (void)gateway_list_answer_from_json(o);
}
