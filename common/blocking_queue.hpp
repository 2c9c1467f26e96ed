#pragma once
// The hand-off from MQTT callback threads to a program's single loop.
// Bounded: when the loop falls behind, push() blocks the network thread, which
// stops reading the socket; TCP then slows the broker down instead of memory
// growing with the backlog. Two lanes: pop() takes urgent items first (a
// device's commands overtake the chunks it has not written yet); each lane
// has the capacity.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace fleetcast {

template <typename T>
class BlockingQueue {
   public:
    explicit BlockingQueue(std::size_t capacity) : capacity_(capacity) {}

    // false when closed.
    bool push(T item, bool urgent = false) {
        std::unique_lock lock(mu_);
        auto& lane = urgent ? urgent_ : items_;
        not_full_.wait(lock, [&] { return closed_ || lane.size() < capacity_; });
        if (closed_) return false;
        lane.push_back(std::move(item));
        not_empty_.notify_one();
        return true;
    }

    std::optional<T> pop_for(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mu_);
        auto ready = [&] { return closed_ || !items_.empty() || !urgent_.empty(); };
        if (!not_empty_.wait_for(lock, timeout, ready)) return std::nullopt;
        auto& lane = urgent_.empty() ? items_ : urgent_;
        if (lane.empty()) return std::nullopt;
        T item = std::move(lane.front());
        lane.pop_front();
        not_full_.notify_all();  // the waiting pusher may be on either lane
        return item;
    }

    // Only the urgent lane: the loop takes commands while it holds back data.
    std::optional<T> pop_urgent_for(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mu_);
        if (!not_empty_.wait_for(lock, timeout, [&] { return closed_ || !urgent_.empty(); })) return std::nullopt;
        if (urgent_.empty()) return std::nullopt;
        T item = std::move(urgent_.front());
        urgent_.pop_front();
        not_full_.notify_all();
        return item;
    }

    void close() {
        std::lock_guard lock(mu_);
        closed_ = true;
        not_empty_.notify_all();
        not_full_.notify_all();
    }

    std::size_t size() const {
        std::lock_guard lock(mu_);
        return items_.size() + urgent_.size();
    }

   private:
    std::size_t capacity_;
    mutable std::mutex mu_;
    std::condition_variable not_empty_, not_full_;
    std::deque<T> items_;
    std::deque<T> urgent_;
    bool closed_ = false;
};

}  // namespace fleetcast
