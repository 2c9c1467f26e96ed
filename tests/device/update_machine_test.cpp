// The device's update transition table (device/update_machine.hpp): every
// listed transition, and every other (state, event) pair refused.
#include "device/update_machine.hpp"

#include <gtest/gtest.h>

#include <set>
#include <tuple>

namespace fleetcast::device {
namespace {

using S = UpdateState;
using E = UpdateEvent;

// The table as a reader of the README's diagram expects it.
const std::set<std::tuple<S, E, S>> kExpected{
    {S::Idle, E::Requested, S::AwaitingDeferment},
    {S::Idle, E::Accepted, S::Receiving},
    {S::Idle, E::Postponed, S::Postponed},
    {S::Postponed, E::Requested, S::AwaitingDeferment},
    {S::Postponed, E::Accepted, S::Receiving},
    {S::Postponed, E::Postponed, S::Postponed},
    {S::Held, E::Requested, S::AwaitingDeferment},
    {S::Held, E::Accepted, S::Receiving},
    {S::Held, E::Postponed, S::Postponed},
    {S::AwaitingDeferment, E::Requested, S::AwaitingDeferment},
    {S::AwaitingDeferment, E::Accepted, S::Receiving},
    {S::AwaitingDeferment, E::Deferred, S::Idle},
    {S::AwaitingDeferment, E::Postponed, S::Postponed},
    {S::AwaitingDeferment, E::Suspended, S::Held},
    {S::AwaitingDeferment, E::Canceled, S::Idle},
    {S::AwaitingDeferment, E::Expired, S::Idle},
    {S::Receiving, E::Abandoned, S::Idle},
    {S::Receiving, E::Postponed, S::Postponed},
    {S::Receiving, E::Suspended, S::Held},
    {S::Receiving, E::Canceled, S::Idle},
    {S::Receiving, E::Expired, S::Idle},
    {S::Receiving, E::Verified, S::Writing},
    {S::Writing, E::Abandoned, S::Idle},
    {S::Writing, E::Postponed, S::Postponed},
    {S::Writing, E::Canceled, S::Idle},
    {S::Writing, E::Expired, S::Idle},
    {S::Writing, E::Resumed, S::Receiving},
    {S::Writing, E::Flipped, S::Restarting},
    {S::Writing, E::RestartLost, S::Idle},
    {S::Restarting, E::PoweredOn, S::TrialBoot},
    {S::Restarting, E::RolledBack, S::Idle},  // an update handler could not select the new slots
    {S::TrialBoot, E::BootConfirmed, S::Idle},
    {S::TrialBoot, E::RolledBack, S::Idle},
};

TEST(UpdateMachine, EveryListedTransitionAndNoOther) {
    std::size_t listed = 0;
    for (auto from : kAllUpdateStates)
        for (auto event : kAllUpdateEvents) {
            auto to = next_state(from, event);
            bool expected = false;
            for (auto target : kAllUpdateStates)
                if (kExpected.count({from, event, target})) {
                    expected = true;
                    ASSERT_TRUE(to.has_value()) << to_string(from) << " + " << to_string(event);
                    EXPECT_EQ(*to, target) << to_string(from) << " + " << to_string(event);
                    ++listed;
                }
            if (!expected) {
                EXPECT_FALSE(to.has_value()) << to_string(from) << " + " << to_string(event) << " is refused";
            }
        }
    EXPECT_EQ(listed, kExpected.size());
}

TEST(UpdateMachine, OnceTheBootPointerFlippedNothingCancelsIt) {
    for (auto e : {E::Canceled, E::Expired, E::Postponed, E::Suspended, E::Abandoned, E::Accepted}) {
        EXPECT_FALSE(next_state(S::Restarting, e)) << to_string(e);
        EXPECT_FALSE(next_state(S::TrialBoot, e)) << to_string(e);
    }
    EXPECT_FALSE(next_state(S::Writing, E::Suspended)) << "too late to hold: the image is being written";
}

TEST(UpdateMachine, EveryStateReachableFromIdleAndBackToIdle) {
    std::set<S> seen{S::Idle};
    for (bool grew = true; grew;) {
        grew = false;
        for (auto from : std::set<S>(seen))
            for (auto e : kAllUpdateEvents)
                if (auto to = next_state(from, e); to && seen.insert(*to).second) grew = true;
    }
    EXPECT_EQ(seen.size(), std::size(kAllUpdateStates));
    for (auto s : kAllUpdateStates) {
        bool leaves_to_idle_path = s == S::Idle;
        for (auto e : kAllUpdateEvents)
            if (next_state(s, e)) leaves_to_idle_path = true;
        EXPECT_TRUE(leaves_to_idle_path) << to_string(s) << " is a dead end";
    }
}

TEST(UpdateMachine, NamesRoundTrip) {
    std::set<std::string_view> names;
    for (auto s : kAllUpdateStates) {
        auto back = update_state_from_string(to_string(s));
        ASSERT_TRUE(back.ok()) << to_string(s);
        EXPECT_EQ(*back, s);
        names.insert(to_string(s));
    }
    EXPECT_EQ(names.size(), std::size(kAllUpdateStates));
    EXPECT_FALSE(update_state_from_string("flashing").ok());
    std::set<std::string_view> events;
    for (auto e : kAllUpdateEvents) events.insert(to_string(e));
    EXPECT_EQ(events.size(), std::size(kAllUpdateEvents));
    EXPECT_EQ(events.count("unknown"), 0u);
}

}  // namespace
}  // namespace fleetcast::device
