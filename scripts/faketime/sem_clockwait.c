/* For scripts/test_any_day.sh: libfaketime (0.9.10, Debian 12) fakes CLOCK_MONOTONIC but does not
 * intercept sem_clockwait, which CPython (3.11+) uses for every lock or event wait with a timeout
 * (threading.Event.wait, queue.get, Thread.join(timeout), threading.Timer). Its deadline is on the
 * faked clock, years ahead of the real one, so such a wait never times out: a thread timer held
 * the interpreter's exit forever. Preloaded before libfaketime, this turns the deadline into one
 * on the (faked) real-time clock and waits with sem_timedwait, which libfaketime translates. */
#define _GNU_SOURCE
#include <semaphore.h>
#include <time.h>

int sem_clockwait(sem_t *sem, clockid_t clock, const struct timespec *abstime) {
    struct timespec now_clock, now_real, deadline;
    if (clock == CLOCK_REALTIME)
        return sem_timedwait(sem, abstime);
    clock_gettime(clock, &now_clock);
    clock_gettime(CLOCK_REALTIME, &now_real);
    deadline.tv_sec = now_real.tv_sec + (abstime->tv_sec - now_clock.tv_sec);
    deadline.tv_nsec = now_real.tv_nsec + (abstime->tv_nsec - now_clock.tv_nsec);
    while (deadline.tv_nsec < 0) {
        deadline.tv_nsec += 1000000000L;
        deadline.tv_sec -= 1;
    }
    while (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_nsec -= 1000000000L;
        deadline.tv_sec += 1;
    }
    return sem_timedwait(sem, &deadline);
}
