// How much of an upload the daemon gathers before handing it to the disk. Small chunks keep
// a router's memory per upload low; each chunk also costs a trip to the thread pool and a
// write, which caps intake near 800 MiB/s at 64 KiB. So chunks grow, but only where the
// memory budget has plenty of room: a router's default budget keeps today's 64 KiB.
#pragma once

#include <array>
#include <cstddef>

#include "files/names.hpp"
#include "proto/files_sender.hpp"

namespace clipshare {

// Content chunks on their way to the disk, on top of the one being filled. "The disk is
// behind" needs no count of its own here: the batch holds back the completion of writes
// while more than its window is unflushed (files/write_window.hpp, DiskFiles), and these
// fill up meanwhile.
inline constexpr std::size_t max_chunks_in_flight = 2;

// What an upload holds with chunks of `chunk` bytes: those in flight, the one being filled
// and a name. This is what it is charged.
constexpr std::size_t upload_working_set(std::size_t chunk) {
    return (max_chunks_in_flight + 1) * chunk + max_name_length;
}

inline constexpr std::size_t small_upload_chunk = transfer_chunk_size;  // 64 KiB
// Larger first; each is tried only for a file larger than a small chunk. Not 1 MiB: it took
// intake on tmpfs further, but on a 5 MB/s disk the ack came 2.1 s after the last byte (the
// goal is 2 s; 1.3 s at 64 KiB): three chunks held back at the disk's pace add 0.6 s.
inline constexpr std::array<std::size_t, 1> grown_upload_chunks{256 * 1024};
// A grown working set may take at most this fraction (1/n) of the budget's work share that
// is still free: with the 16 MiB default (14 MiB work share) even an idle daemon stays at
// 64 KiB; 256 KiB needs ~24 MiB free. So a few dozen uploads at once can grow before the
// free share runs low, and later ones simply stay small.
inline constexpr std::size_t grown_share_divisor = 32;

// The chunk size for an upload's next file when `free_work` bytes of the budget's work share
// are free and the upload itself holds `held` of them already.
constexpr std::size_t upload_chunk_for(std::size_t free_work, std::size_t held) {
    for (std::size_t chunk : grown_upload_chunks) {
        if (upload_working_set(chunk) <= (free_work + held) / grown_share_divisor) return chunk;
    }
    return small_upload_chunk;
}

}  // namespace clipshare
