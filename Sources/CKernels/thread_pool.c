// A small pool of worker threads for the parallel parts of a training or search step: each
// matrix product split in two, element-wise passes split by rows.
//
// Why not OpenBLAS's threads or Dispatch: a training step runs thousands of products and passes,
// each a few hundred microseconds or less. OpenBLAS's caller waits for its worker in a
// sched_yield loop (a system call per turn: 7–12 % of a step's CPU time went to the kernel), and
// its worker sleeps on a futex after 2^THREAD_TIMEOUT cycles. Here an idle worker spins in user
// space (pause) for a bounded time, then sleeps on a futex; the caller waits for a part in flight
// with pause. So back-to-back parallel regions cost no system call, and a pool left idle sleeps.
//
// One run at a time: a caller that finds the pool busy (another thread's run, or a nested run
// from inside a part) runs its parts itself.
#include "fanyi_kernels.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

enum { MAX_WORKERS = 63 };
/// How long an idle worker spins before it sleeps: longer than the gaps between a step's
/// parallel regions, short enough that a pool left idle stops using a core at once.
static const int64_t SPIN_NANOSECONDS = 200000;

/// One run: its parts are handed out by `next`.
typedef struct {
    fanyi_task_fn fn;
    void *context;
    int64_t parts;
    _Atomic int64_t next;
} task_t;

/// A worker's mailbox. State: IDLE → POSTED (caller) → TAKEN (worker) → DONE (worker) → IDLE
/// (caller). The caller takes back a post the worker has not taken (POSTED → IDLE), so a worker
/// that wakes late never sees a finished run's task.
enum { IDLE = 0, POSTED = 1, TAKEN = 2, DONE = 3 };
typedef struct {
    _Alignas(64) _Atomic uint32_t state;
    _Atomic uint32_t sleeping;
    task_t *task;
} slot_t;

static slot_t slots[MAX_WORKERS];
static _Atomic int started = 0;      // worker threads created so far
static _Atomic int active = 0;       // workers a run uses (threads − 1)
static _Atomic int busy = 0;         // 1 while a run is in flight
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
/// > 0 while the calling thread asked for its runs to stay on it (`fanyi_pool_serial`).
static _Thread_local int serial_depth = 0;

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void futex_wait(_Atomic uint32_t *word, uint32_t expected) {
#if defined(__linux__)
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
#else
    (void)word; (void)expected;
    sched_yield();
#endif
}

static void futex_wake(_Atomic uint32_t *word) {
#if defined(__linux__)
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
#else
    (void)word;
#endif
}

static void run_parts(task_t *task) {
    for (;;) {
        int64_t part = atomic_fetch_add_explicit(&task->next, 1, memory_order_relaxed);
        if (part >= task->parts) return;
        task->fn(task->context, part);
    }
}

static void *worker_main(void *argument) {
    slot_t *slot = argument;
    for (;;) {
        // Spin, then sleep, until a run is posted.
        int64_t deadline = 0;
        for (int turn = 0; atomic_load_explicit(&slot->state, memory_order_acquire) != POSTED; turn++) {
            if ((turn & 63) != 63) { CPU_RELAX(); continue; }
            int64_t now = now_ns();
            if (deadline == 0) { deadline = now + SPIN_NANOSECONDS; continue; }
            if (now < deadline) continue;
            atomic_store(&slot->sleeping, 1);  // seq_cst: pairs with the caller's post, then check
            uint32_t state = atomic_load(&slot->state);
            if (state != POSTED) futex_wait(&slot->state, state);
            atomic_store(&slot->sleeping, 0);
            deadline = 0;
        }
        uint32_t expected = POSTED;
        if (atomic_compare_exchange_strong(&slot->state, &expected, TAKEN)) {
            run_parts(slot->task);
            atomic_store_explicit(&slot->state, DONE, memory_order_release);
        }
    }
    return NULL;
}

void fanyi_pool_set_threads(int threads) {
    int workers = threads - 1;
    if (workers < 0) workers = 0;
    if (workers > MAX_WORKERS) workers = MAX_WORKERS;
    pthread_mutex_lock(&start_lock);
    while (atomic_load(&started) < workers) {
        int index = atomic_load(&started);
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attributes, worker_main, &slots[index]);
        pthread_attr_destroy(&attributes);
        if (failed) break;  // fewer workers: runs still complete, on fewer threads
        atomic_fetch_add(&started, 1);
    }
    int available = atomic_load(&started);
    atomic_store(&active, workers < available ? workers : available);
    pthread_mutex_unlock(&start_lock);
}

int fanyi_pool_threads(void) { return atomic_load(&active) + 1; }

int fanyi_pool_available(void) {
    return serial_depth > 0 || atomic_load_explicit(&busy, memory_order_relaxed) ? 1 : atomic_load(&active) + 1;
}

void fanyi_pool_serial(int begin) { serial_depth += begin ? 1 : -1; }

void fanyi_cpu_relax(void) { CPU_RELAX(); }

void fanyi_pool_run(fanyi_task_fn fn, void *context, int64_t parts) {
    int workers = atomic_load(&active);
    if (parts > 1 && workers > parts - 1) workers = (int)(parts - 1);
    int expected = 0;
    if (parts <= 1 || workers == 0 || serial_depth > 0 || !atomic_compare_exchange_strong(&busy, &expected, 1)) {
        for (int64_t part = 0; part < parts; part++) fn(context, part);
        return;
    }
    task_t task = {.fn = fn, .context = context, .parts = parts};
    atomic_init(&task.next, 0);
    for (int w = 0; w < workers; w++) {
        slots[w].task = &task;
        atomic_store(&slots[w].state, POSTED);  // seq_cst: pairs with the worker's sleeping flag
        if (atomic_load(&slots[w].sleeping)) futex_wake(&slots[w].state);
    }
    run_parts(&task);
    for (int w = 0; w < workers; w++) {
        uint32_t posted = POSTED;
        if (atomic_compare_exchange_strong(&slots[w].state, &posted, IDLE)) continue;  // never taken
        while (atomic_load_explicit(&slots[w].state, memory_order_acquire) != DONE) CPU_RELAX();
        atomic_store_explicit(&slots[w].state, IDLE, memory_order_relaxed);
    }
    atomic_store_explicit(&busy, 0, memory_order_release);
}

// A thread's own flop count: a test that runs a step on one thread compares it with a formula
// while other tests' products add to the process-wide counter.
static _Thread_local int64_t thread_flops;

void fanyi_thread_flops_add(int64_t flops) { thread_flops += flops; }
int64_t fanyi_thread_flops(void) { return thread_flops; }
