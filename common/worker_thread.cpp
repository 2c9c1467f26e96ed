#include "common/worker_thread.hpp"

#include <pthread.h>

namespace fleetcast {

WorkerThread::WorkerThread(std::size_t capacity, const std::string& name) : capacity_(capacity) {
    thread_ = std::thread([this] { run(); });
    ::pthread_setname_np(thread_.native_handle(), name.substr(0, 15).c_str());
}

WorkerThread::~WorkerThread() { stop(); }

void WorkerThread::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        tasks_.clear();
    }
    ready_.notify_all();
    if (thread_.joinable()) thread_.join();
}

bool WorkerThread::submit(std::function<void()> task) {
    {
        std::lock_guard lock(mu_);
        if (stopping_ || tasks_.size() >= capacity_) return false;
        tasks_.push_back(std::move(task));
    }
    ready_.notify_one();
    return true;
}

std::size_t WorkerThread::queued() const {
    std::lock_guard lock(mu_);
    return tasks_.size();
}

void WorkerThread::run() {
    while (true) {
        std::function<void()> task;
        {
            std::unique_lock lock(mu_);
            ready_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
            if (stopping_) return;
            task = std::move(tasks_.front());
            tasks_.pop_front();
        }
        task();
    }
}

}  // namespace fleetcast
