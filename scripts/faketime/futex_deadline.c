/* For scripts/test_any_day.sh: TensorFlow (Rasa's model load and training) waits with its own
 * futex calls (nsync, abseil: syscall(SYS_futex, FUTEX_WAIT_BITSET, ...)) until an absolute
 * deadline it computed from clock_gettime, which libfaketime (0.9.10, Debian 12) fakes; the kernel
 * measures that deadline on the real clock, days or years behind, and libfaketime does not look
 * into syscall(). A wait that was meant to time out then never did: the tf.data autotuning thread
 * slept on, and Rasa's model load hung on it in 3 of 5 tries. Preloaded before libfaketime, this
 * moves such a deadline onto the real clock: now on the real clock plus what was left of it on the
 * faked one. Every other call goes to libc's syscall() unchanged. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <linux/futex.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>

typedef long (*syscall_function)(long, ...);

static syscall_function next_syscall(void) {
    static syscall_function next;
    if (!next)
        next = (syscall_function)dlsym(RTLD_NEXT, "syscall");
    return next;
}

static int64_t nanoseconds(const struct timespec *t) {
    return (int64_t)t->tv_sec * 1000000000LL + t->tv_nsec;
}

long syscall(long number, ...) {
    va_list args;
    long a[6];
    va_start(args, number);
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(args, long);
    va_end(args);
    syscall_function next = next_syscall();
    if (number == SYS_futex && (a[1] & FUTEX_CMD_MASK) == FUTEX_WAIT_BITSET && a[3]) {
        const struct timespec *deadline = (const struct timespec *)a[3];
        clockid_t clock = (a[1] & FUTEX_CLOCK_REALTIME) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
        struct timespec faked_now, real_now, moved;
        clock_gettime(clock, &faked_now);                  /* libfaketime's */
        next(SYS_clock_gettime, (long)clock, (long)&real_now); /* the kernel's */
        int64_t left = nanoseconds(deadline) - nanoseconds(&faked_now);
        const int64_t ten_years = 10LL * 366 * 24 * 3600 * 1000000000LL; /* "no deadline" stays */
        if (left < ten_years) {
            int64_t until = nanoseconds(&real_now) + (left > 0 ? left : 0);
            moved.tv_sec = until / 1000000000LL;
            moved.tv_nsec = until % 1000000000LL;
            return next(number, a[0], a[1], a[2], (long)&moved, a[4], a[5]);
        }
    }
    return next(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
