#include "common/held_transport.hpp"

namespace fleetcast {

Status HeldTransport::publish(const std::string& topic, std::string payload, bool retained) {
    if (!holding_) return inner_.publish(topic, std::move(payload), retained);
    held_.push_back({Op::Publish, topic, std::move(payload), retained});
    return ok_status();
}

Status HeldTransport::subscribe(const std::string& filter) {
    if (!holding_) return inner_.subscribe(filter);
    held_.push_back({Op::Subscribe, filter, {}, false});
    return ok_status();
}

Status HeldTransport::unsubscribe(const std::string& filter) {
    if (!holding_) return inner_.unsubscribe(filter);
    held_.push_back({Op::Unsubscribe, filter, {}, false});
    return ok_status();
}

Status HeldTransport::forward(Held& h) {
    switch (h.op) {
        case Op::Publish: return inner_.publish(h.topic, std::move(h.payload), h.retained);
        case Op::Subscribe: return inner_.subscribe(h.topic);
        case Op::Unsubscribe: return inner_.unsubscribe(h.topic);
    }
    return ok_status();
}

Status HeldTransport::release() {
    holding_ = false;
    Status first = ok_status();
    while (!held_.empty()) {
        auto st = forward(held_.front());
        held_.pop_front();
        if (!st && first) first = st;
    }
    return first;
}

void HeldTransport::drop() {
    holding_ = false;
    held_.clear();
}

}  // namespace fleetcast
