// gateway.db's schema, as one list of versioned steps (apply_migrations in
// common/sqlite_db). A new table or column is a new step at the end.
#include "gateway/gateway_store.hpp"

namespace fleetcast::gateway {

namespace {
// Schema 1: every table up to the job timers. Version 0 databases (written
// before versions) hold all but job_timers: "if not exists" keeps their rows,
// and their jobs load with no timers (the gateway arms what a state needs
// when it first sees the job).
const char* kSchemaV1 = R"sql(
CREATE TABLE IF NOT EXISTS schedules (
  campaign TEXT PRIMARY KEY, update_at TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
  campaign TEXT NOT NULL, device TEXT NOT NULL, model TEXT NOT NULL, fw_ids TEXT NOT NULL,
  necessity TEXT NOT NULL, update_at TEXT NOT NULL, state TEXT NOT NULL, comment TEXT NOT NULL,
  progress INTEGER NOT NULL, started_at TEXT, ended_at TEXT, firmware TEXT NOT NULL,
  PRIMARY KEY (campaign, device));
CREATE TABLE IF NOT EXISTS devices (
  id TEXT PRIMARY KEY, model TEXT NOT NULL, status TEXT NOT NULL, firmware TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS job_requests (
  campaign TEXT NOT NULL, device TEXT NOT NULL, applied TEXT NOT NULL, cancel_pending TEXT NOT NULL,
  PRIMARY KEY (campaign, device));
CREATE TABLE IF NOT EXISTS job_attempts (
  campaign TEXT NOT NULL, device TEXT NOT NULL, attempts INTEGER NOT NULL, suspended INTEGER NOT NULL,
  PRIMARY KEY (campaign, device));
CREATE TABLE IF NOT EXISTS job_install (
  campaign TEXT NOT NULL, device TEXT NOT NULL, install_seen INTEGER NOT NULL, ready_boot_count INTEGER NOT NULL,
  PRIMARY KEY (campaign, device));
CREATE TABLE IF NOT EXISTS fanout_marks (
  campaign TEXT NOT NULL, fw_id TEXT NOT NULL, acked_below INTEGER NOT NULL, PRIMARY KEY (campaign, fw_id));
CREATE TABLE IF NOT EXISTS job_timers (
  campaign TEXT NOT NULL, device TEXT NOT NULL, offer_pending INTEGER NOT NULL, answer_due TEXT,
  power_on_since TEXT, PRIMARY KEY (campaign, device));
)sql";

// Schema 2 (issue 16): campaign-level holds. The command last applied per
// campaign (pause, resume, cancel, with its request id: a redelivery is only
// acknowledged again), and the pause hold of each job beside its suspend.
const char* kSchemaV2 = R"sql(
CREATE TABLE IF NOT EXISTS campaign_holds (
  campaign TEXT PRIMARY KEY, action TEXT NOT NULL, request_id TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL);
ALTER TABLE job_attempts ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
)sql";

// Schema 3 (issue 16 item 5): the maintenance window the manager sent (its
// message, common/messages.hpp WindowMsg), one row; none: no window.
const char* kSchemaV3 = R"sql(
CREATE TABLE IF NOT EXISTS maintenance_window (
  id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL);
)sql";
}  // namespace

const std::vector<Migration>& gateway_migrations() {
    static const std::vector<Migration> steps{{1, kSchemaV1}, {2, kSchemaV2}, {3, kSchemaV3}};
    return steps;
}

}  // namespace fleetcast::gateway
