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
// Grown chunks may have more on their way: the disk side gathers the chunks that arrive
// while its last write runs into one writev (DiskBatch), and that only pays with room for
// several. With two, intake on tmpfs stopped and restarted reading at nearly every chunk,
// and each chunk cost a trip to the pool: two thread wake-ups, which on a VM were 40 % of
// the daemon's time (bench/README.md). Six (1.5 MiB) is what a 5 MB/s disk can hold back
// at its pace and still ack within 2 s (0.3 s of it); 4 and 8 measured alike on tmpfs.
inline constexpr std::size_t grown_chunks_in_flight = 6;

inline constexpr std::size_t small_upload_chunk = transfer_chunk_size;  // 64 KiB

constexpr std::size_t chunks_in_flight(std::size_t chunk) {
    return chunk > small_upload_chunk ? grown_chunks_in_flight : max_chunks_in_flight;
}

// What an upload holds with chunks of `chunk` bytes: those in flight, the one being filled
// and a name. This is what it is charged.
constexpr std::size_t upload_working_set(std::size_t chunk) {
    return (chunks_in_flight(chunk) + 1) * chunk + max_name_length;
}

// Larger first; each is tried only for a file larger than a small chunk. Not 1 MiB: it took
// intake on tmpfs further, but on a 5 MB/s disk the ack came 2.1 s after the last byte (the
// goal is 2 s; 1.3 s at 64 KiB): three chunks held back at the disk's pace add 0.6 s.
inline constexpr std::array<std::size_t, 1> grown_upload_chunks{256 * 1024};
// A grown working set may take at most this fraction (1/n) of the budget's work share that
// is still free: with the 16 MiB default (14 MiB work share), and with 32 MiB, even an idle
// daemon stays at 64 KiB; 256 KiB chunks (1.75 MiB with those in flight) need ~56 MiB free. So a
// few dozen uploads at once can grow before the free share runs low, and later ones simply stay
// small.
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
