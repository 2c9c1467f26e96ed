#include "device/update_handler.hpp"

#include <array>
#include <utility>

#include "common/enum_names.hpp"
#include "common/log.hpp"

namespace fleetcast::device {

namespace {
constexpr std::array kStepNames{
    std::pair{HandlerStep::BootedSlot, "booted-slot"},
    std::pair{HandlerStep::SlotPath, "slot-path"},
    std::pair{HandlerStep::Install, "install"},
    std::pair{HandlerStep::Activate, "activate"},
    std::pair{HandlerStep::NeedsReboot, "needs-reboot"},
    std::pair{HandlerStep::Verify, "verify"},
    std::pair{HandlerStep::Commit, "commit"},
    std::pair{HandlerStep::Rollback, "rollback"},
    std::pair{HandlerStep::Cleanup, "cleanup"},
};
}  // namespace

std::string_view to_string(HandlerStep s) { return name_in(kStepNames, s); }

Expected<HandlerStep> handler_step_from_string(std::string_view s) { return value_in(kStepNames, s, "handler step"); }

std::chrono::milliseconds default_timeout(HandlerStep step) {
    using namespace std::chrono_literals;
    switch (step) {
        case HandlerStep::Install: return 30min;  // a whole root file system onto slow flash
        case HandlerStep::Verify: return 5min;
        default: return 2min;
    }
}

std::string failure_code(HandlerStep step, const ProcessResult& result) {
    if (result.end == ProcessResult::End::Exited) {
        if (result.exit_code == handler_exit::kNoSpace && step == HandlerStep::Install) return "no_space";
        if (result.exit_code == handler_exit::kBootFailed) return "boot_failed";
    }
    switch (step) {
        case HandlerStep::Verify:
        case HandlerStep::Commit: return "boot_failed";
        default: return "write_failure";
    }
}

StepResult UpdateHandler::run(HandlerStep step, const HandlerContext& c) const {
    ProcessSpec spec;
    spec.argv = {config_.program.string(), std::string(to_string(step))};
    auto t = config_.timeouts.find(step);
    spec.timeout = t != config_.timeouts.end() ? t->second : default_timeout(step);
    spec.output_tail = config_.output_tail;
    spec.env = {
        {"FLEETCAST_STEP", std::string(to_string(step))},
        {"FLEETCAST_DEVICE", c.device},
        {"FLEETCAST_CAMPAIGN", c.campaign},
        {"FLEETCAST_FW_ID", c.fw_id},
        {"FLEETCAST_COMPONENT", c.component},
        {"FLEETCAST_OLD_VERSION", c.old_version},
        {"FLEETCAST_NEW_VERSION", c.new_version},
        {"FLEETCAST_SLOT", c.slot},
        {"FLEETCAST_OLD_SLOT", c.old_slot},
        {"FLEETCAST_IMAGE_SHA256", c.image_sha256},
        {"FLEETCAST_IMAGE_SIZE", std::to_string(c.image_size)},
        {"FLEETCAST_WORK_DIR", c.work_dir.string()},
        {"FLEETCAST_HANDLER_CONFIG", config_.config_file ? config_.config_file->string() : std::string()},
    };
    if (step == HandlerStep::Install) {
        spec.env["FLEETCAST_IMAGE"] = c.image.string();
        spec.env["FLEETCAST_IMAGE_IN_SLOT"] = c.image_in_slot ? "1" : "0";
        // Written into the slot already: nothing to stream (and never the slot into itself).
        if (!c.image_in_slot) spec.stdin_file = c.image;
    }
    log_info("device", "handler_step")
        .kv("device", c.device)
        .kv("campaign", c.campaign)
        .kv("fw", c.fw_id)
        .kv("component", c.component)
        .kv("step", to_string(step))
        .kv("handler", config_.program.string());
    StepResult out;
    auto ran = run_process(spec);
    if (!ran) {
        out.code = step == HandlerStep::Verify || step == HandlerStep::Commit ? "boot_failed" : "write_failure";
        out.detail =
            "handler " + config_.program.string() + " " + std::string(to_string(step)) + ": " + ran.error().message;
    } else {
        out.process = std::move(*ran);
        const auto& p = out.process;
        bool exited = p.end == ProcessResult::End::Exited;
        out.no_reboot = exited && step == HandlerStep::NeedsReboot && p.exit_code == handler_exit::kNoReboot;
        out.no_slot_path = exited && (step == HandlerStep::SlotPath || step == HandlerStep::BootedSlot) &&
                           p.exit_code == handler_exit::kNoSlotPath;
        out.ok = exited && (p.exit_code == 0 || out.no_reboot || out.no_slot_path);
        if (!out.ok) {
            out.code = failure_code(step, p);
            out.detail = "handler " + config_.program.filename().string() + " " + std::string(to_string(step)) +
                         " failed (" + p.how_it_ended(spec.timeout) + ")";
            auto tail = p.output_tail();
            if (!tail.empty()) out.detail += ": " + tail;
        }
    }
    auto line = out.ok ? log_info("device", "handler_step_done") : log_warn("device", "handler_step_failed");
    line.kv("device", c.device).kv("campaign", c.campaign).kv("component", c.component).kv("step", to_string(step));
    if (ran)
        line.kv("ms", out.process.took.count())
            .kv("stdout_bytes", out.process.stdout_bytes)
            .kv("stderr_bytes", out.process.stderr_bytes);
    if (!out.ok) line.kv("code", out.code).kv("detail", out.detail);
    return out;
}

}  // namespace fleetcast::device
