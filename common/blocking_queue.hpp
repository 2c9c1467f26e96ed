#pragma once
// The hand-off from MQTT callback threads to a program's single loop.
// Bounded: when the loop falls behind, push() blocks the network thread, which
// stops reading the socket; TCP then slows the broker down instead of memory
// growing with the backlog.
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
    bool push(T item) {
        std::unique_lock lock(mu_);
        not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
        if (closed_) return false;
        items_.push_back(std::move(item));
        not_empty_.notify_one();
        return true;
    }

    std::optional<T> pop_for(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mu_);
        if (!not_empty_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); })) return std::nullopt;
        if (items_.empty()) return std::nullopt;
        T item = std::move(items_.front());
        items_.pop_front();
        not_full_.notify_one();
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
        return items_.size();
    }

private:
    std::size_t capacity_;
    mutable std::mutex mu_;
    std::condition_variable not_empty_, not_full_;
    std::deque<T> items_;
    bool closed_ = false;
};

}  // namespace fleetcast
