#pragma once
// The update handler protocol (docs/update-handlers.md): per component, an
// executable the agent runs for each step of an update, as
//   HANDLER STEP
// with the update in FLEETCAST_* environment variables, the verified image on
// stdin for `install`, a timeout per step, stdout and stderr bounded to their
// tail. The exit code says how the step went (HandlerExit); what the agent
// reports for a failure is the step's error code (write_failure, no_space,
// boot_failed) with the exit, the step and the output's tail as its detail.
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "device/handler_runner.hpp"

namespace fleetcast::device {

enum class HandlerStep {
    BootedSlot,   // a new state directory: print the slot running now (a or b); exit 10: unknown (a)
    SlotPath,     // before the download: print the inactive slot's path to have the agent write the chunks into it
    Install,      // write the verified image (stdin, or FLEETCAST_IMAGE) to the inactive slot; never select it
    Activate,     // select the slot written for the next boot, try once
    NeedsReboot,  // exit 0: the device must reboot to run the new image; kNoReboot: it runs already
    Verify,       // after the (re)boot: is the new image the one running? exit 0 yes
    Commit,       // the trial boot was healthy: make the new slot permanent
    Rollback,     // the trial failed or never confirmed: make the old slot boot (again)
    Cleanup,      // the update is over (committed, rolled back or abandoned): remove temporary files
};

inline constexpr HandlerStep kAllHandlerSteps[] = {
    HandlerStep::BootedSlot, HandlerStep::SlotPath,    HandlerStep::Install,
    HandlerStep::Activate,   HandlerStep::NeedsReboot, HandlerStep::Verify,
    HandlerStep::Commit,     HandlerStep::Rollback,    HandlerStep::Cleanup};

std::string_view to_string(HandlerStep s);
Expected<HandlerStep> handler_step_from_string(std::string_view s);

// Exit codes with a meaning of their own; any other non-zero exit, a signal
// or the timeout fails the step with the step's own error code.
namespace handler_exit {
inline constexpr int kOk = 0;
inline constexpr int kNoSpace = 3;      // install: the target is too small -> no_space
inline constexpr int kBootFailed = 4;   // verify (or any step): the new image is not running -> boot_failed
inline constexpr int kNoReboot = 10;    // needs-reboot: the new image runs without a reboot
inline constexpr int kNoSlotPath = 10;  // slot-path: no direct writes, the agent stages the image; booted-slot: unknown
}  // namespace handler_exit

// The error code the agent reports when `step` fails with `result`.
std::string failure_code(HandlerStep step, const ProcessResult& result);

struct HandlerConfig {
    std::filesystem::path program;
    std::optional<std::filesystem::path> config_file;           // FLEETCAST_HANDLER_CONFIG
    std::map<HandlerStep, std::chrono::milliseconds> timeouts;  // default: kDefaultTimeout(step)
    std::size_t output_tail = 16 * 1024;
};

std::chrono::milliseconds default_timeout(HandlerStep step);

// What a step is about: becomes FLEETCAST_* variables.
struct HandlerContext {
    std::string device, campaign, fw_id, component;
    std::string old_version, new_version;
    std::string slot, old_slot;  // the agent's slot names (A or B): written/booted now, booted before
    std::string image_sha256;
    std::uint64_t image_size = 0;
    std::filesystem::path image;     // the verified image (install only)
    bool image_in_slot = false;      // install: `image` is the handler's slot-path, already written and verified
    std::filesystem::path work_dir;  // a directory of the agent's for this handler's own files
};

struct StepResult {
    bool ok = false;
    bool no_reboot = false;     // needs-reboot answered kNoReboot
    bool no_slot_path = false;  // slot-path (or booted-slot) answered kNoSlotPath
    std::string code;           // failure: write_failure, no_space, boot_failed
    std::string detail;         // failure: step, how it ended, output tail
    ProcessResult process;
};

class UpdateHandler {
   public:
    explicit UpdateHandler(HandlerConfig config) : config_(std::move(config)) {}
    // Runs `step`; the image goes to stdin for Install. A program that cannot
    // be run at all fails the step like any other failure.
    StepResult run(HandlerStep step, const HandlerContext& context) const;
    const HandlerConfig& config() const { return config_; }

   private:
    HandlerConfig config_;
};

}  // namespace fleetcast::device
