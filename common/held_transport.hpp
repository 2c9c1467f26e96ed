#pragma once
// A Transport that can hold what the logic sends until the state it follows
// from is committed (issue 20: a manager's loop turn handles many gateway
// reports in one SQLite transaction; the schedules cleared and commands sent
// by those reports leave only after that transaction's COMMIT). Not held, it
// forwards at once.
#include <deque>
#include <string>

#include "common/transport.hpp"

namespace fleetcast {

class HeldTransport final : public Transport {
   public:
    explicit HeldTransport(Transport& inner) : inner_(inner) {}
    using Transport::publish;
    using Transport::subscribe;
    using Transport::unsubscribe;
    Status publish(const std::string& topic, std::string payload, bool retained = false) override;
    Status subscribe(const std::string& filter) override;
    Status unsubscribe(const std::string& filter) override;
    // Held operations count as in flight: pacing (chunk windows) stays bounded.
    std::size_t in_flight() const override { return inner_.in_flight() + held_.size(); }
    bool connected() const override { return inner_.connected(); }

    void hold() { holding_ = true; }
    // Sends what was held, in order; the first failure is the result (the rest still go).
    Status release();
    // The state they followed from was not committed: none of them goes.
    void drop();
    bool holding() const { return holding_; }

   private:
    enum class Op { Publish, Subscribe, Unsubscribe };
    struct Held {
        Op op;
        std::string topic;
        std::string payload;
        bool retained = false;
    };
    Status forward(Held& h);
    Transport& inner_;
    bool holding_ = false;
    std::deque<Held> held_;
};

}  // namespace fleetcast
